"""What the item page, the reports and verification read: custody chain, lineage, integrity.

Reads only; every write is in :mod:`evidence.services`. Each function takes the
reader's access where what it returns depends on what that person may see.
"""

from dataclasses import dataclass

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import aliased, joinedload

from evidence.access import visible_items_filter
from evidence.models import CustodyChainHead, CustodyEvent, EvidenceItem, EvidenceVerification
from jit import signing
from jit.audit import visibility
from jit.audit.models import AuditEntry
from jit.extensions import db
from jit.teams.access import TeamAccess

# How far up a lineage the item page follows parents.
MAX_ANCESTORS = 50


def custody_chain(item: EvidenceItem) -> list[CustodyEvent]:
    """Return the item's custody events in chain order."""
    return list(
        db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
        )
    )


def chain_head(item: EvidenceItem) -> CustodyChainHead | None:
    """Return the item's signed custody chain head."""
    return db.session.get(CustodyChainHead, item.id)


def latest_verification(item: EvidenceItem) -> EvidenceVerification | None:
    """Return the last verification run that checked this item alone."""
    return db.session.scalar(
        select(EvidenceVerification)
        .where(EvidenceVerification.item_id == item.id)
        .order_by(EvidenceVerification.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class IntegrityState:
    """What the item page shows about the item's integrity."""

    head: CustodyChainHead | None
    key: signing.SigningKey
    verification: EvidenceVerification | None


def integrity_state(item: EvidenceItem) -> IntegrityState:
    """Return the item's chain head, the key that signs it and its last verification."""
    return IntegrityState(chain_head(item), signing.signing_key(), latest_verification(item))


def lineage(access: TeamAccess, item: EvidenceItem) -> tuple[list, list]:
    """Return the ancestors (root first) and the children of ``item`` that ``access`` sees.

    One query: a recursive CTE walks up the parents, a union adds the children. The
    walk stops at the first parent the reader may not see (shown as ``None``: a link
    they may not follow), and at a loop.
    """
    start = aliased(EvidenceItem)
    ancestry = (
        select(start.id, start.parent_id, literal(1).label("depth"))
        .where(start.id == item.parent_id)
        .cte("ancestry", recursive=True)
    )
    above = aliased(EvidenceItem)
    ancestry = ancestry.union_all(
        select(above.id, above.parent_id, ancestry.c.depth + 1).where(
            above.id == ancestry.c.parent_id, ancestry.c.depth < MAX_ANCESTORS
        )
    )
    child = aliased(EvidenceItem)
    related = union_all(
        select(ancestry.c.id, ancestry.c.depth),
        select(child.id, literal(0).label("depth")).where(child.parent_id == item.id),
    ).subquery("related")
    rows = db.session.execute(
        select(related.c.id, related.c.depth, EvidenceItem)
        .select_from(related)
        .outerjoin(
            EvidenceItem, and_(EvidenceItem.id == related.c.id, visible_items_filter(access))
        )
        .order_by(related.c.depth, related.c.id)
    ).all()
    ancestors, seen = [], {item.id}
    for row in rows:
        if row.depth == 0:
            continue
        if row.EvidenceItem is None or row.id in seen:
            ancestors.append(None)  # a link the reader may not see
            break
        ancestors.append(row.EvidenceItem)
        seen.add(row.id)
    children = [row.EvidenceItem for row in rows if row.depth == 0 and row.EvidenceItem]
    return list(reversed(ancestors)), children


def visible_items(access: TeamAccess) -> list[EvidenceItem]:
    """Return every item of the team that ``access`` may see, oldest first."""
    return list(
        db.session.scalars(
            select(EvidenceItem).where(visible_items_filter(access)).order_by(EvidenceItem.id)
        )
    )


# Reads of an item kept in the audit log (not custody): the item page and its reports.
READ_OPERATIONS = ("evidence.item_viewed", "evidence.custody_report")


@dataclass(frozen=True)
class AccessLog:
    """Who read the item, newest first, as far as the reader may see it in the record."""

    entries: list
    total: int


def access_log(access: TeamAccess, item: EvidenceItem, *, limit: int | None = None) -> AccessLog:
    """Return the reads of ``item`` from the team's audit log that ``access`` may read.

    Each entry passes the record's own rule (:func:`jit.audit.visibility.openable`), so
    the access section shows no more than the audit log would show this reader.
    """
    condition = (
        AuditEntry.team_id == access.team.id,
        AuditEntry.object_type == EvidenceItem.__tablename__,
        AuditEntry.object_id == str(item.id),
        AuditEntry.operation.in_(READ_OPERATIONS),
    )
    query = (
        select(AuditEntry)
        .where(*condition)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.seq.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    entries = list(db.session.scalars(query))
    opened = visibility.openable(access, entries)
    entries = [entry for entry in entries if visibility.may_read(entry, opened)]
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*condition))
    if not entries:
        total = 0
    return AccessLog(entries, total)
