"""The firearms register of a team: filters, sorting, pages, CSV, and the chart's counts.

Everything starts from :func:`evidence.firearms.access.visible_firearms`, and matches
from :func:`evidence.firearms.matching.matches_for` for the same reader, so a count or
a filter only ever reflects records that reader may see.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from evidence.firearms.access import visible_firearms, visible_tracing_filter
from evidence.firearms.matching import Match, matches_for
from evidence.firearms.models import Firearm, RecordKind, TracingRequest
from evidence.firearms.serials import normalise_make
from evidence.models import EvidenceItem
from jit.csv_cells import to_cell
from jit.extensions import db
from jit.teams.access import TeamAccess

PAGE_SIZE = 25
SORTS = {
    "exhibit": (EvidenceItem.exhibit_number, Firearm.position),
    "make": (Firearm.make_key, Firearm.model),
    "type": (Firearm.firearm_type,),
    "calibre": (Firearm.calibre,),
    "country": (Firearm.country_of_manufacture,),
    "seized": (EvidenceItem.collected_at,),
}


@dataclass
class Filters:
    make: str = ""
    firearm_type: str = ""
    calibre: str = ""
    country: str = ""
    condition: str = ""
    traced: str = ""  # "", "yes", "no"
    matched: str = ""  # "", "yes", "no"
    sort: str = "exhibit"
    descending: bool = False


@dataclass
class Result:
    rows: list[Firearm]
    matches: dict[int, list[Match]]
    traced_ids: set[int]
    total: int
    page: int
    pages: int
    all_rows: list[Firearm] = field(default_factory=list)


def _traced(access: TeamAccess):
    """A tracing request the reader may see is linked (an outgoing one hidden from them
    does not make the firearm count as traced)."""
    return exists().where(TracingRequest.firearm_id == Firearm.id, visible_tracing_filter(access))


def _query(access: TeamAccess, filters: Filters):
    query = visible_firearms(access).options(
        joinedload(Firearm.item), selectinload(Firearm.serials), joinedload(Firearm.team)
    )
    if filters.make:
        query = query.where(Firearm.make_key.contains(normalise_make(filters.make)))
    if filters.firearm_type:
        query = query.where(Firearm.firearm_type == filters.firearm_type)
    if filters.calibre:
        query = query.where(Firearm.calibre == filters.calibre)
    if filters.country:
        query = query.where(Firearm.country_of_manufacture == filters.country)
    if filters.condition:
        query = query.where(Firearm.condition == filters.condition)
    if filters.traced == "yes":
        query = query.where(_traced(access))
    elif filters.traced == "no":
        query = query.where(~_traced(access))
    columns = SORTS.get(filters.sort, SORTS["exhibit"])
    order = [column.desc() if filters.descending else column for column in columns]
    return query.order_by(*order, Firearm.id)


def list_firearms(access: TeamAccess, filters: Filters, page: int) -> Result:
    """Return one page of the register for ``access``'s reader, and the matches on it."""
    rows = list(db.session.scalars(_query(access, filters)).unique())
    matches = matches_for(access.user, rows)
    if filters.matched == "yes":
        rows = [row for row in rows if row.id in matches]
    elif filters.matched == "no":
        rows = [row for row in rows if row.id not in matches]
    traced_ids = set(
        db.session.scalars(
            select(TracingRequest.firearm_id).where(
                TracingRequest.firearm_id.in_([row.id for row in rows]),
                visible_tracing_filter(access),
            )
        )
    )
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return Result(shown, matches, traced_ids, len(rows), page, pages, rows)


CSV_COLUMNS = [
    "exhibit",
    "position",
    "kind",
    "manufacturer",
    "model",
    "type",
    "calibre",
    "country_of_manufacture",
    "year_of_manufacture",
    "import_country",
    "import_year",
    "serials",
    "proof_marks",
    "other_marks",
    "condition",
    "seized_at",
    "seized_where",
    "traced",
    "matches",
]


def export_csv(result: Result) -> str:
    """Return every row of the filtered register (not just one page) as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for firearm in result.all_rows:
        serials = "; ".join(
            f"{s.part}: {s.as_read}" + (f" ({s.alteration})" if s.alteration != "none" else "")
            for s in firearm.serials
        )
        matched = "; ".join(
            f"{m.team_code} {m.firearm.label}" for m in result.matches.get(firearm.id, [])
        )
        row = [
            firearm.item.exhibit_number,
            firearm.position,
            firearm.kind,
            firearm.manufacturer,
            firearm.model,
            firearm.firearm_type,
            firearm.calibre,
            firearm.country_of_manufacture or "",
            firearm.year_of_manufacture or "",
            firearm.import_country or "",
            firearm.import_year or "",
            serials,
            firearm.proof_marks,
            firearm.other_marks,
            firearm.condition,
            firearm.item.collected_at.isoformat(),
            firearm.item.collected_location,
            "yes" if firearm.id in result.traced_ids else "no",
            matched,
        ]
        writer.writerow([to_cell(value) for value in row])
    return out.getvalue()


def seizure_counts(access: TeamAccess, zone: ZoneInfo) -> tuple[list, list]:
    """Count the weapons seized per month (in ``zone``) and per country of manufacture."""
    weapons = db.session.scalars(
        visible_firearms(access)
        .where(Firearm.kind == RecordKind.WEAPON.value)
        .options(joinedload(Firearm.item))
    ).all()
    by_month = Counter(w.item.collected_at.astimezone(zone).strftime("%Y-%m") for w in weapons)
    by_country = Counter(w.country_of_manufacture or "" for w in weapons)
    months = sorted(by_month.items())
    countries = sorted(by_country.items(), key=lambda pair: (-pair[1], pair[0]))
    return months, countries
