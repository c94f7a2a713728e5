"""The evidence schedule of a request: each exhibit, its files and where its custody stands."""

from sqlalchemy import func, select

from evidence.bundles.models import Bundle
from evidence.models import CustodyEvent, EvidenceItem, HandlingCode
from jit.extensions import db

CONSENT_CODES = {HandlingCode.H1.value, HandlingCode.H2.value}


def needs_consent(bundle: Bundle, item: EvidenceItem) -> bool:
    """Whether the item's originating leader must consent before it goes out in ``bundle``.

    H1/H2 items always (DESIGN.md §3); another party's items too, since only a party's
    own leader may release its items.
    """
    return item.handling_code in CONSENT_CODES or item.party_id != bundle.party_id


def _custody(item_id: int) -> tuple[int, CustodyEvent | None]:
    count = db.session.scalar(select(func.count()).where(CustodyEvent.item_id == item_id))
    last = db.session.scalar(
        select(CustodyEvent)
        .where(CustodyEvent.item_id == item_id)
        .order_by(CustodyEvent.seq.desc())
        .limit(1)
    )
    return count or 0, last


def schedule_rows(bundle: Bundle) -> list[dict]:
    """Return the schedule as plain values, in exhibit order (what the JSON and PDF show)."""
    rows = []
    for entry in bundle.items:
        item = entry.item
        count, last = _custody(item.id)
        consent = bundle.consent_for(item.id)
        rows.append(
            {
                "exhibit_number": item.exhibit_number,
                "title": item.title,
                "description": item.description,
                "item_type": item.item_type,
                "party": item.party.short_label,
                "handling_code": item.handling_code,
                "handling_conditions": item.handling_conditions
                if item.handling_code == HandlingCode.H3.value
                else "",
                "collected_at": item.collected_at.isoformat(),
                "collected_location": item.collected_location,
                "legal_basis": item.legal_basis,
                "files": [
                    {"name": f.original_filename, "size_bytes": f.size_bytes, "sha256": f.sha256}
                    for f in item.files
                ],
                "custody_events": count,
                "last_event": None
                if last is None
                else {
                    "seq": last.seq,
                    "type": last.event_type,
                    "occurred_at": last.occurred_at.isoformat(),
                    "hash": last.hash,
                },
                "consent": None
                if consent is None
                else {
                    "party": consent.party.short_label,
                    "given_by": consent.given_by_name,
                    "given_at": consent.given_at.isoformat(),
                    "purpose": consent.purpose,
                },
                "needs_consent": needs_consent(bundle, item),
            }
        )
    return rows
