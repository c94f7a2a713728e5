"""The close-out's answers to the core's hooks."""

from sqlalchemy import select

from jit.closeout.models import CloseoutArchive, DeletionCertificate
from jit.extensions import db
from jit.gates import Decision


def refuse_after_deletion(team, **_kwargs) -> Decision | None:
    """Answer :data:`jit.signals.gate`: nothing changes in a team whose content was deleted."""
    deleted = db.session.scalar(
        select(DeletionCertificate.id).where(DeletionCertificate.team_id == team.id).limit(1)
    )
    if deleted is None:
        return None
    return Decision(False, "The team's content was deleted at the end of its retention period.")


def archives_in_use(_app, candidates: set[str], **_kwargs) -> list[str]:
    """Answer :data:`jit.signals.blobs_in_use`: the candidates that are close-out archives."""
    ordered = sorted(candidates)
    found: list[str] = []
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        found += db.session.scalars(
            select(CloseoutArchive.sha256).where(CloseoutArchive.sha256.in_(batch))
        )
    return found


def openable_archives(access, objects: dict[str, set[str]]) -> dict:
    """Answer :data:`jit.signals.record_visibility` for close-out archives.

    An archive's entries (written, downloaded) show their content to who may take that
    archive: the leaders of its party. Everyone else sees the envelope only.
    """
    from flask import url_for

    from jit.audit.visibility import numeric_ids
    from jit.permissions import Permission

    wanted = numeric_ids(objects.get("closeout_archives", ()))
    if not wanted or not access.can(Permission.TAKE_CLOSEOUT) or access.party is None:
        return {}
    own = db.session.scalars(
        select(CloseoutArchive.id).where(
            CloseoutArchive.id.in_(wanted),
            CloseoutArchive.team_id == access.team.id,
            CloseoutArchive.party_id == access.party.id,
        )
    )
    link = url_for("closeout.page", code=access.team.code)
    return {("closeout_archives", str(archive_id)): link for archive_id in own}
