"""Verification runs: re-hash stored files, re-walk custody chains, keep the outcome.

Each run is kept (``EvidenceVerification``) with its audit entry in the caller's
transaction; a broken item also raises an integrity alert.
"""

from evidence import custody, queries
from evidence.models import EvidenceItem, EvidenceVerification
from evidence.services import record_integrity_alert, record_report
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.access import TeamAccess


def record_verification(
    team, result: custody.VerificationResult, *, item: EvidenceItem | None = None, actor=None
) -> EvidenceVerification:
    """Keep the outcome of a verification run and write it to the audit log."""
    run = EvidenceVerification(
        team_id=team.id,
        item_id=item.id if item is not None else None,
        verified_at=utcnow(),
        verified_by_id=actor.id if actor is not None else None,
        is_intact=result.is_intact,
        items_checked=result.items_checked,
        events_checked=result.events_checked,
        files_checked=result.files_checked,
        problem="\n".join(result.problems) or None,
    )
    db.session.add(run)
    audit.record(
        "evidence.verified",
        team=team,
        object_type="evidence_items" if item is not None else "teams",
        object_id=item.id if item is not None else team.id,
        actor=actor,
        new={
            "intact": result.is_intact,
            "items_checked": result.items_checked,
            "events_checked": result.events_checked,
            "files_checked": result.files_checked,
            "first_problem": result.first_problem,
        },
    )
    return run


def verify_item(access: TeamAccess, item: EvidenceItem, actor) -> custody.VerificationResult:
    """Re-hash the item's files and re-walk its chain; record the run and any alert."""
    result = custody.verify_items([item])
    record_verification(access.team, result, item=item, actor=actor)
    if not result.is_intact:
        record_integrity_alert(access, item, result.first_problem)
    return result


def verify_visible_items(access: TeamAccess, actor) -> tuple[int, custody.VerificationResult]:
    """Verify every item ``access`` may see and record the run; return how many and the result."""
    items = queries.visible_items(access)
    result = custody.verify_items(items)
    record_verification(access.team, result, actor=actor)
    return len(items), result


def prepare_custody_report(
    access: TeamAccess, item: EvidenceItem, actor
) -> tuple[custody.VerificationResult, EvidenceVerification]:
    """Verify the item for its custody report and record both the run and the report."""
    result = custody.verify_items([item])
    verification = record_verification(access.team, result, item=item, actor=actor)
    record_report(access, item)
    return result, verification
