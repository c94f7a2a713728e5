"""Reading the audit record: filtered pages, the activity panel, entries put in words.

Every page of a team's record passes through :func:`present`, which asks the owning
packages once per page which objects the reader may open (jit/audit/visibility.py)
and withholds the content of the others.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from jit.audit import labels, visibility
from jit.audit.models import AuditEntry, team_chain
from jit.extensions import db
from jit.inputs import parse_plain_int
from jit.permissions import Permission

PAGE_SIZE = 50
ACTIVITY_SIZE = 5
# How far back the activity panel looks for entries a member may read; beyond that
# the panel is short rather than slow.
ACTIVITY_SCAN = 200
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)
UTC = ZoneInfo("UTC")
OBJECT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class FilterError(ValueError):
    """A filter value the log cannot be searched by, with a message for the person."""


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the log to; every field optional."""

    user_id: int | None = None
    is_system: bool = False
    operation: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    day_from: date | None = None
    day_to: date | None = None

    def as_args(self) -> dict:
        """Return the filters as query-string arguments (for the pager's links)."""
        args = {
            "person": "system" if self.is_system else self.user_id,
            "operation": self.operation,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "from": self.day_from.isoformat() if self.day_from else None,
            "to": self.day_to.isoformat() if self.day_to else None,
        }
        return {key: value for key, value in args.items() if value is not None}

    @property
    def is_set(self) -> bool:
        return bool(self.as_args())


@dataclass(frozen=True)
class Choices:
    """The people, operations and object types a chain holds, for the filter's menus."""

    people: list[tuple[int, str]]
    operations: list[tuple[str, str]]
    object_types: list[tuple[str, str]]


def _distinct_values(chain: str, column) -> list:
    """Return the distinct non-null values of ``column`` in a chain, smallest first.

    A loose index scan: each step asks the (chain, column) index for the next value
    above the last one, so the cost grows with the number of distinct values (a few
    dozen) rather than with the entries (about ten per exhibit). Neither SQLite nor
    PostgreSQL skips through an index for SELECT DISTINCT on its own.
    """
    table = AuditEntry.__table__
    first = select(func.min(column)).where(table.c.chain == chain).scalar_subquery()
    step = select(first.label("value")).cte("step", recursive=True)
    following = (
        select(func.min(column))
        .where(table.c.chain == chain, column > step.c.value)
        .scalar_subquery()
    )
    step = step.union_all(select(following).where(step.c.value.is_not(None)))
    return list(db.session.scalars(select(step.c.value).where(step.c.value.is_not(None))))


def choices(chain: str) -> Choices:
    """Return what a chain's entries can be filtered by, in words."""
    table = AuditEntry.__table__
    users = db.metadata.tables["users"]  # by table: accounts write to the log, not it to them
    people = db.session.execute(
        select(users.c.id, users.c.display_name)
        .where(users.c.id.in_(_distinct_values(chain, table.c.user_id)))
        .order_by(users.c.display_name)
    ).all()
    operations = _distinct_values(chain, table.c.operation)
    object_types = _distinct_values(chain, table.c.object_type)
    return Choices(
        people=[(user_id, name) for user_id, name in people],
        operations=sorted(((op, labels.operation_label(op)) for op in operations), key=_by_label),
        object_types=sorted(((t, labels.object_label(t)) for t in object_types), key=_by_label),
    )


def _by_label(pair: tuple) -> str:
    return pair[1].lower()


def parse_filters(args, known: Choices) -> Filters:
    """Read the filters from a query string; FilterError names the first bad one."""
    person = (args.get("person") or "").strip()
    user_id, is_system = None, False
    if person == "system":
        is_system = True
    elif person:
        user_id = parse_plain_int(person)
        if user_id is None or user_id not in {uid for uid, _ in known.people}:
            raise FilterError("Choose a person from the list.")
    operation = (args.get("operation") or "").strip() or None
    if operation is not None and operation not in {op for op, _ in known.operations}:
        raise FilterError("Choose an operation from the list.")
    object_type = (args.get("object_type") or "").strip() or None
    if object_type is not None and object_type not in {t for t, _ in known.object_types}:
        raise FilterError("Choose a kind of object from the list.")
    object_id = (args.get("object_id") or "").strip() or None
    if object_id is not None and not OBJECT_ID.match(object_id):
        raise FilterError("An object number is up to 64 letters, digits, dots or dashes.")
    day_from, day_to = _day(args, "from", "From"), _day(args, "to", "To")
    if day_from and day_to and day_from > day_to:
        raise FilterError("The “from” date is after the “to” date.")
    return Filters(user_id, is_system, operation, object_type, object_id, day_from, day_to)


def _day(args, name: str, label: str) -> date | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise FilterError(f"{label}: write the date as YYYY-MM-DD, e.g. 2026-11-30.")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FilterError(f"{label}: choose a date between 1900 and 2100.")
    return day


def _conditions(chain: str, filters: Filters, zone: ZoneInfo) -> list:
    where = [AuditEntry.chain == chain]
    if filters.is_system:
        where.append(AuditEntry.user_id.is_(None))
    elif filters.user_id is not None:
        where.append(AuditEntry.user_id == filters.user_id)
    if filters.operation:
        where.append(AuditEntry.operation == filters.operation)
    if filters.object_type:
        where.append(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        where.append(AuditEntry.object_id == filters.object_id)
    # Days are the reader's days: from its first moment to the next day's first.
    if filters.day_from:
        where.append(AuditEntry.occurred_at >= _start_of(filters.day_from, zone))
    if filters.day_to:
        where.append(AuditEntry.occurred_at < _start_of(filters.day_to + timedelta(days=1), zone))
    return where


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def entries_page(
    chain: str, page: int, filters: Filters = Filters(), zone: ZoneInfo = UTC
) -> tuple[list[AuditEntry], int, int]:
    """Return one page of a chain's entries (newest first), the page number and the pages."""
    where = _conditions(chain, filters, zone)
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = db.session.scalars(
        select(AuditEntry)
        .where(*where)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.seq.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return entries, page, pages


@dataclass(frozen=True)
class Change:
    name: str
    old: object = None
    new: object = None


@dataclass(frozen=True)
class ShownEntry:
    """An entry as a reader may see it: in words, linked, its content whole or withheld."""

    entry: AuditEntry
    is_redacted: bool
    link: str | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def label(self) -> str:
        return labels.operation_label(self.entry.operation)

    @property
    def object_label(self) -> str:
        return labels.object_label(self.entry.object_type)

    @property
    def who(self) -> str:
        return self.entry.user.display_name if self.entry.user else "the system"


def _changes(entry: AuditEntry) -> list[Change]:
    """Pair each recorded key's old and new value; keys with nothing on either side drop."""
    old, new = entry.old_values or {}, entry.new_values or {}
    changes = []
    for key in list(old) + [key for key in new if key not in old]:
        before, after = old.get(key), new.get(key)
        if before in (None, "", [], {}) and after in (None, "", [], {}):
            continue
        changes.append(Change(labels.words(key), before, after))
    return changes


def present(access, entries: list[AuditEntry]) -> list[ShownEntry]:
    """Return ``entries`` as ``access`` may read them: content withheld where it may not."""
    opened = visibility.openable(access, entries)
    shown = []
    for entry in entries:
        if visibility.may_read(entry, opened):
            key = visibility.object_key(entry)
            link = opened.get(key) if key else None
            shown.append(ShownEntry(entry, False, link, _changes(entry)))
        else:
            shown.append(ShownEntry(entry, True))
    return shown


def present_whole(entries: list[AuditEntry]) -> list[ShownEntry]:
    """Return ``entries`` with their content, for a reader of the whole chain (platform log)."""
    return [ShownEntry(entry, False, None, _changes(entry)) for entry in entries]


def recent_activity(access) -> list[ShownEntry]:
    """Return the team's latest entries for its overview, as ``access`` may read them.

    Who may read the audit log sees the latest few, content withheld where it must be;
    anyone else sees only the latest few about objects they may open (not those about
    the log itself, which they may not open).
    """
    chain = team_chain(access.team.id)
    statement = (
        select(AuditEntry)
        .where(AuditEntry.chain == chain)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.seq.desc())
    )
    if access.can(Permission.VIEW_AUDIT):
        return present(access, db.session.scalars(statement.limit(ACTIVITY_SIZE)).all())
    readable: list[ShownEntry] = []
    for offset in range(0, ACTIVITY_SCAN, 50):
        batch = db.session.scalars(statement.offset(offset).limit(50)).all()
        readable += [
            shown
            for shown in present(access, batch)
            if not shown.is_redacted and shown.entry.object_type is not None
        ]
        if len(readable) >= ACTIVITY_SIZE or len(batch) < 50:
            break
    return readable[:ACTIVITY_SIZE]
