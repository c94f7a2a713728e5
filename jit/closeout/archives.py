"""Each party's close-out archive: what it may take when the team ends, as a signed bag.

The archive is built for the party of the leader who first asks for it, from what that
leader may read at the source: the core adds the team's description and the audit log
as that leader may take it (:mod:`jit.audit.reader_log`: the entries they may read, the
others held back to their place in the chain, still verifiable); the packages add their
own through :data:`jit.signals.closeout_payload`. It is written once into the
blob store under its SHA-256 and served from there, so a download can resume.
"""

import json
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jit import bags, pdf, signals
from jit.audit import services as audit
from jit.audit.reader_log import reader_jsonl
from jit.closeout.models import CloseoutArchive
from jit.extensions import db
from jit.operations.health import blob_root
from jit.teams.access import TeamAccess


class CloseoutError(ValueError):
    """A close-out archive cannot be taken now; the message says why."""


def team_end(team) -> dict | None:
    """Return how and when the team's operational phase ended, or None while it runs."""
    return signals.first_value(signals.team_ended, team)


def archive_of(access: TeamAccess) -> CloseoutArchive | None:
    return db.session.scalar(
        select(CloseoutArchive).where(
            CloseoutArchive.team_id == access.team.id,
            CloseoutArchive.party_id == access.party.id,
        )
    )


def archive_path(archive: CloseoutArchive) -> Path:
    return blob_root() / archive.sha256[:2] / archive.sha256[2:4] / archive.sha256


def download_name(access: TeamAccess) -> str:
    return f"closeout-{access.team.code}-{access.party.short_label}.zip"


def payload(access: TeamAccess) -> list[bags.Payload]:
    """Return everything the party of ``access`` takes away, core parts first."""
    team = access.team
    about = {
        "team": {"code": team.code, "name": team.name, "description": team.description},
        "taken_by_party": {"label": access.party.short_label, "authority": access.party.authority},
        "parties": [
            {"label": party.short_label, "authority": party.authority} for party in team.parties
        ],
        "ended": {key: str(value) for key, value in (team_end(team) or {}).items()},
    }
    # The log as the leader sees it in the workspace, not the coordinator's export: every
    # other entry's envelope would name who opened what, from where, hidden items too.
    core = [
        bags.Payload("team.json", _json_bytes(about)),
        bags.Payload(
            "audit/audit-log.jsonl",
            lambda: (line.encode("utf-8") for line in reader_jsonl(team, access)),
        ),
    ]
    return core + signals.values(signals.closeout_payload, access)


def take(access: TeamAccess) -> CloseoutArchive:
    """Return the party's archive, writing it into the blob store the first time (audited)."""
    if team_end(access.team) is None:
        raise CloseoutError(
            "The team has not ended yet: close-out archives can be taken once the agreement "
            "has expired or the coordinator has closed the team."
        )
    existing = archive_of(access)
    if existing is not None and archive_path(existing).is_file():
        return existing
    tmp = blob_root() / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    partial = tmp / f"closeout-{secrets.token_hex(8)}.zip"
    # The parts' PDFs (an item's custody report) are laid out by renderer processes,
    # a few ahead of the writer, while this process hashes and writes the files.
    pool = pdf.configured_pool()
    try:
        with open(partial, "wb") as target, pdf.rendering_in(pool):
            result = bags.write_bag(
                target,
                name=download_name(access).removesuffix(".zip"),
                info=_bag_info(access),
                payload=payload(access),
            )
            target.flush()
            os.fsync(target.fileno())
        final = blob_root() / result.sha256[:2] / result.sha256[2:4] / result.sha256
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, final)
    except pdf.PdfRenderError as failed:
        raise CloseoutError(
            f"The archive could not be written ({failed}). Nothing was kept: try again, and "
            "tell the workspace's operator if it happens again."
        ) from failed
    finally:
        if pool is not None:
            pool.close()
        partial.unlink(missing_ok=True)
    if existing is not None:  # the row outlived its file (a lost disk): write it again
        db.session.delete(existing)
        db.session.flush()
    archive = CloseoutArchive(
        team_id=access.team.id,
        party_id=access.party.id,
        sha256=result.sha256,
        size_bytes=result.size,
        files=result.files,
        payload_oxum=result.payload_oxum,
        key_fingerprint=result.key_fingerprint,
        created_by_id=access.user.id,
    )
    db.session.add(archive)
    try:
        db.session.flush()
    except IntegrityError:  # another leader of the party took it at the same moment
        db.session.rollback()
        return archive_of(access)
    audit.record(
        "closeout_archive_written",
        team=access.team,
        target=archive,
        new={
            "party": access.party.short_label,
            "sha256": result.sha256,
            "size_bytes": result.size,
            "payload_oxum": result.payload_oxum,
        },
    )
    return archive


def record_download(access: TeamAccess, archive: CloseoutArchive) -> None:
    """Record that a member downloaded the party's archive (caller commits)."""
    audit.record(
        "closeout_archive_downloaded",
        team=access.team,
        target=archive,
        new={"party": access.party.short_label, "sha256": archive.sha256},
    )


def _bag_info(access: TeamAccess) -> dict[str, str]:
    return {
        "Source-Organization": "JIT Workspace",
        "External-Description": (
            f"Close-out archive of joint investigation team {access.team.code} "
            f"for {access.party.name} ({access.party.authority})"
        ),
        "External-Identifier": f"closeout-{access.team.code}-{access.party.short_label}",
        "Bag-Group-Identifier": access.team.code,
    }


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
