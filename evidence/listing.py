"""The evidence list: filters, sorting and pages in a fixed number of queries."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from evidence.access import visible_items_filter
from evidence.models import EvidenceFile, EvidenceItem, EvidenceTag
from jit.extensions import db
from jit.teams.access import TeamAccess

PAGE_SIZE = 50

SORTS = {
    "-collected": (EvidenceItem.collected_at.desc(), EvidenceItem.id.desc()),
    "collected": (EvidenceItem.collected_at.asc(), EvidenceItem.id.asc()),
    "exhibit": (EvidenceItem.exhibit_number.asc(),),
    "title": (func.lower(EvidenceItem.title).asc(), EvidenceItem.id.asc()),
    "-added": (EvidenceItem.created_at.desc(), EvidenceItem.id.desc()),
}


@dataclass(frozen=True)
class Filters:
    party_id: int | None = None
    item_type: str = ""
    handling_code: str = ""
    collected_from: date | None = None
    collected_to: date | None = None
    tag: str = ""
    sort: str = "-collected"

    @property
    def is_active(self) -> bool:
        return any(
            [
                self.party_id,
                self.item_type,
                self.handling_code,
                self.collected_from,
                self.collected_to,
                self.tag,
            ]
        )


@dataclass(frozen=True)
class FileStats:
    count: int = 0
    total_bytes: int = 0


@dataclass(frozen=True)
class Listing:
    items: list[EvidenceItem]
    file_stats: dict[int, FileStats]
    total: int
    page: int
    pages: int


def _conditions(access: TeamAccess, filters: Filters, zone: ZoneInfo) -> list:
    conditions = [visible_items_filter(access)]
    if filters.party_id:
        conditions.append(EvidenceItem.party_id == filters.party_id)
    if filters.item_type:
        conditions.append(EvidenceItem.item_type == filters.item_type)
    if filters.handling_code:
        conditions.append(EvidenceItem.handling_code == filters.handling_code)
    if filters.collected_from:
        start = datetime.combine(filters.collected_from, time.min, zone).astimezone(UTC)
        conditions.append(EvidenceItem.collected_at >= start)
    if filters.collected_to:
        end = datetime.combine(filters.collected_to + timedelta(days=1), time.min, zone)
        conditions.append(EvidenceItem.collected_at < end.astimezone(UTC))
    if filters.tag:
        tagged = select(EvidenceTag.item_id).where(
            func.lower(EvidenceTag.tag) == filters.tag.strip().lower()
        )
        conditions.append(EvidenceItem.id.in_(tagged))
    return conditions


def list_items(access: TeamAccess, filters: Filters, page: int, zone: ZoneInfo) -> Listing:
    """Return one page of the items ``access`` may see, matching ``filters``."""
    conditions = _conditions(access, filters, zone)
    total = db.session.scalar(select(func.count(EvidenceItem.id)).where(*conditions))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            select(EvidenceItem)
            .where(*conditions)
            .options(joinedload(EvidenceItem.party), selectinload(EvidenceItem.tags))
            .order_by(*SORTS.get(filters.sort, SORTS["-collected"]))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    stats: dict[int, FileStats] = {}
    if items:
        rows = db.session.execute(
            select(
                EvidenceFile.item_id,
                func.count(EvidenceFile.id),
                func.coalesce(func.sum(EvidenceFile.size_bytes), 0),
            )
            .where(EvidenceFile.item_id.in_([item.id for item in items]))
            .group_by(EvidenceFile.item_id)
        )
        stats = {item_id: FileStats(count, int(size)) for item_id, count, size in rows}
    return Listing(items, stats, total, page, pages)


def all_tags(access: TeamAccess, limit: int = 200) -> list[str]:
    """Return the tags in use on items ``access`` may see, most used first."""
    rows = db.session.execute(
        select(EvidenceTag.tag, func.count(EvidenceTag.id))
        .join(EvidenceItem, EvidenceItem.id == EvidenceTag.item_id)
        .where(visible_items_filter(access))
        .group_by(EvidenceTag.tag)
        .order_by(func.count(EvidenceTag.id).desc(), EvidenceTag.tag)
        .limit(limit)
    )
    return [tag for tag, _count in rows]
