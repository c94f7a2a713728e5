"""Many audit entries appended at once (case-scale seeding), the chain kept whole."""

from sqlalchemy import insert

from jit.audit.models import AuditEntry, team_chain
from jit.audit.services import HEADS
from jit.clock import utcnow
from jit.extensions import db

BATCH = 5000


def append_many(team, entries: list[dict]) -> int:
    """Append ``entries`` to the team's chain in order, sealed and linked; sign the head once.

    Each entry is a dict of ``occurred_at``, ``operation`` and optionally ``user_id``,
    ``actor_time_zone``, ``object_type``, ``object_id``, ``new_values``. The caller commits.
    """
    chain = team_chain(team.id)
    head = HEADS.lock(chain)
    seq, previous = head.seq, head.hash
    columns = [column.name for column in AuditEntry.__table__.columns if column.name != "id"]
    rows = []
    for spec in entries:
        seq += 1
        entry = AuditEntry(
            chain=chain,
            seq=seq,
            team_id=team.id,
            occurred_at=spec["occurred_at"],
            actor_time_zone=spec.get("actor_time_zone", "UTC"),
            user_id=spec.get("user_id"),
            operation=spec["operation"],
            object_type=spec.get("object_type"),
            object_id=spec.get("object_id"),
            old_values=None,
            new_values=spec.get("new_values"),
            ip_address=None,
            prev_hash=previous,
        )
        entry.seal()
        previous = entry.hash
        rows.append({name: getattr(entry, name) for name in columns})
        if len(rows) == BATCH:
            db.session.execute(insert(AuditEntry.__table__), rows)
            rows = []
    if rows:
        db.session.execute(insert(AuditEntry.__table__), rows)
    if entries:
        HEADS.advance(head, seq, previous, utcnow())
    return len(entries)
