"""``jit demo --scale N``: N evidence items, 10×N custody events, written in bulk.

Every item gets one small file and a chain of ten custody events hashed and linked as
:func:`evidence.custody.append_event` does, with its head signed; every event gets its
audit entry. Nothing goes through the per-row services (they lock and sign per event),
so ten thousand items take seconds; ``jit evidence verify`` checks the result.
"""

import hashlib
from datetime import timedelta

from sqlalchemy import func, insert, select

from evidence import custody, storage
from evidence.models import CustodyChainHead, CustodyEvent, EvidenceFile, EvidenceItem
from jit.audit.bulk import append_many
from jit.canonical import GENESIS_HASH
from jit.extensions import db
from jit.permissions import Permission, role_allows

EVENTS_PER_ITEM = 10
BATCH = 1000
# The life of an exhibit: seized, uploaded, sealed, handed over, examined, returned.
_STORY = [
    ("collected", "Seized during the search", ""),
    ("uploaded", "Forensic copy uploaded", ""),
    ("sealed", "Sealed in bag", ""),
    ("transferred", "Handed to the laboratory", "transfer"),
    ("downloaded", "Working copy for analysis", ""),
    ("analysed", "Examined", ""),
    ("transferred", "Returned to the property office", "transfer"),
    ("downloaded", "Copy for the prosecutor", ""),
    ("analysed", "Second examination", ""),
    ("sealed", "Resealed after examination", ""),
]


def seed(team, memberships, n: int, *, start, span) -> dict:
    """Add ``n`` items with files and ten custody events each to ``team``; return counts."""
    writers = [m for m in memberships if role_allows(m.role, Permission.ADD_EVIDENCE)]
    sequences = {
        party_id: number or 0
        for party_id, number in db.session.execute(
            select(EvidenceItem.party_id, func.max(EvidenceItem.party_sequence))
            .where(EvidenceItem.team_id == team.id)
            .group_by(EvidenceItem.party_id)
        )
    }
    step = span / max(n, 1)
    made = 0
    for first in range(0, n, BATCH):
        numbers = range(first, min(first + BATCH, n))
        made += _batch(team, writers, sequences, numbers, start, step)
        db.session.commit()
    return {"evidence_items": made, "custody_events": made * EVENTS_PER_ITEM}


def _batch(team, writers, sequences, numbers, start, step) -> int:
    items = []
    for number in numbers:
        writer = writers[number % len(writers)]
        party = writer.party
        sequences[party.id] = sequences.get(party.id, 0) + 1
        prefix = party.country_code or party.body
        visibility = "party" if number % 10 == 3 else "leaders" if number % 20 == 7 else "team"
        items.append(
            {
                "team_id": team.id,
                "party_id": party.id,
                "party_sequence": sequences[party.id],
                "exhibit_number": f"{prefix}-{sequences[party.id]:04d}",
                "title": f"Exhibit {number + 1}: {_TITLES[number % len(_TITLES)]}",
                "description": "Seeded at case scale.",
                "item_type": _TYPES[number % len(_TYPES)],
                "collected_by": writer.user.display_name,
                "collected_at": start + step * number,
                "collected_time_zone": writer.user.time_zone,
                "collected_location": _PLACES[number % len(_PLACES)],
                "seized_from": "",
                "legal_basis": "Art. 19 UNTOC; national seizure order",
                "legal_reference": f"SCALE/{number + 1}",
                "visibility": visibility,
                "handling_code": "H0" if number % 7 else "H2",
                "handling_conditions": "",
                "source_reliability": "B",
                "information_accuracy": "2",
                "created_at": start + step * number,
                "created_by_id": writer.user_id,
                "_writer": writer,
            }
        )
    writers_of = [row.pop("_writer") for row in items]
    ids = db.session.scalars(
        insert(EvidenceItem).returning(EvidenceItem.id, sort_by_parameter_order=True), items
    ).all()
    files, events, heads, audit = [], [], [], []
    for item_id, row, writer in zip(ids, items, writers_of, strict=True):
        data = f"{row['exhibit_number']} of {row['title']}\n".encode()
        sha256 = _store(data)
        files.append(
            {
                "item_id": item_id,
                "sha256": sha256,
                "size_bytes": len(data),
                "original_filename": f"{row['exhibit_number']}.txt",
                "media_type": "text/plain",
                "uploaded_at": row["created_at"],
                "uploaded_by_id": writer.user_id,
                "extraction_status": "done",
                "extracted_text": data.decode(),
                "extracted_at": row["created_at"],
            }
        )
        previous = GENESIS_HASH
        for seq, (event_type, purpose, kind) in enumerate(_STORY, start=1):
            moment = row["created_at"] + timedelta(minutes=seq * 5)
            party = f"{writer.party.short_label} — {writer.party.authority}"
            fields = {
                "item_id": item_id,
                "seq": seq,
                "event_type": event_type,
                "occurred_at": moment,
                "actor_time_zone": writer.user.time_zone,
                "recorded_at": moment,
                "recorded_by_id": writer.user_id,
                "actor_name": writer.user.display_name,
                "actor_party": party,
                "released_by": writer.user.display_name if kind else None,
                "released_by_party": party if kind else None,
                "received_by": "Evidence officer" if kind else None,
                "received_by_party": party if kind else None,
                "location": row["collected_location"],
                "purpose": purpose,
                "legal_basis": row["legal_basis"],
                "details": {"file_sha256": sha256} if event_type == "uploaded" else {},
                "agreement_version": None,
                "prev_hash": previous,
            }
            event = CustodyEvent(**fields)
            fields["hash"] = previous = event.compute_hash()
            events.append(fields)
            audit.append(
                {
                    "occurred_at": moment,
                    "user_id": writer.user_id,
                    "actor_time_zone": writer.user.time_zone,
                    "operation": "evidence.item_created"
                    if seq == 1
                    else "evidence.custody_recorded",
                    "object_type": "evidence_items",
                    "object_id": str(item_id),
                    "new_values": {
                        "exhibit_number": row["exhibit_number"],
                        "seq": seq,
                        "type": event_type,
                    },
                }
            )
        head = CustodyChainHead(item_id=item_id, seq=len(_STORY), hash=previous)
        custody.HEADS.sign(head, moment)
        heads.append(
            {
                "item_id": item_id,
                "seq": head.seq,
                "hash": head.hash,
                "signed_at": head.signed_at,
                "key_id": head.key_id,
                "signature": head.signature,
            }
        )
    db.session.execute(insert(EvidenceFile.__table__), files)
    db.session.execute(insert(CustodyEvent.__table__), events)
    db.session.execute(insert(CustodyChainHead.__table__), heads)
    append_many(team, audit)
    return len(ids)


def _store(data: bytes) -> str:
    """Write a small demo blob straight into the store (no fsync: seed data)."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = storage.blob_path(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(path)
    return sha256


_TITLES = [
    "Converted pistol, Zoraki 914",
    "Mobile phone image",
    "Ammunition box, 9 mm",
    "Bank statements",
    "Shipping manifest",
    "Encrypted chat export",
    "CCTV footage",
    "Photographs of the van",
]
_TYPES = [
    "firearm",
    "device-image",
    "physical-item",
    "financial-record",
    "document",
    "communication-data",
    "video",
    "image",
]
_PLACES = ["Zagreb", "Split", "Vienna", "Graz", "Rotterdam", "Amsterdam", "Bajakovo"]
