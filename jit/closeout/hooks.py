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
