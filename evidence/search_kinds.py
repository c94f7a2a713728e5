"""What the evidence register puts in the case search: items and custody event notes.

Who may read a document is said with reader tokens that mirror
:func:`evidence.access.visible_items_filter` (tests/search/test_permissions.py holds
the two to the same answers): an item carries the tokens of its visibility, a reader
holds the tokens of their role, party and person.
"""

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from evidence import custody_shown
from evidence.access import may_read_evidence, participants_may_read, shared_item_ids
from evidence.models import CustodyEvent, EvidenceFile, EvidenceItem, EvidenceTag, Visibility
from jit.extensions import db
from jit.permissions import Permission, Role


def item_readers(item: EvidenceItem) -> tuple[str, ...]:
    # The item's own token lets a reviewer find exactly the items shared with them.
    tokens = [f"evidence:item:{item.id}"]
    tokens += [f"evidence:by:{item.created_by_id}"] if item.created_by_id else []
    if item.visibility == Visibility.TEAM.value:
        tokens += ["evidence:team", f"evidence:party:{item.party_id}"]
    elif item.visibility == Visibility.PARTY.value:
        tokens.append(f"evidence:party:{item.party_id}")
    else:
        tokens.append("evidence:leaders")
    return tuple(tokens)


def reader_tokens(access) -> set[str]:
    """The evidence tokens a member holds (none for who reads no evidence)."""
    if access.can(Permission.READ_SHARED_EVIDENCE):
        ids = set()
        for shared in shared_item_ids(access):
            ids.update(db.session.scalars(shared))
        return {f"evidence:item:{item_id}" for item_id in ids}
    if not may_read_evidence(access):
        return set()
    tokens = {f"evidence:by:{access.user.id}", f"evidence:party:{access.party.id}"}
    if access.role is Role.PARTICIPANT and not participants_may_read(access.team, access.user):
        return tokens  # own party's items that are not for leaders only, and their own
    tokens.add("evidence:team")
    if access.role is Role.LEADER:
        tokens.add("evidence:leaders")
    return tokens


def _item_text(item: EvidenceItem) -> str:
    parts = [
        item.description,
        item.collected_by,
        item.collected_location,
        item.seized_from,
        item.legal_basis,
        item.legal_reference,
        item.handling_conditions,
        " ".join(item.tag_names),
    ]
    for stored in item.files:
        parts.append(stored.original_filename)
        if stored.extracted_text:
            parts.append(stored.extracted_text)
    return "\n".join(part for part in parts if part)


def _item_identifiers(item: EvidenceItem) -> tuple[str, ...]:
    from search.query import identifiers

    tokens: set[str] = set()
    for stored in item.files:
        tokens.update(identifiers(stored.extracted_metadata))
    return tuple(sorted(tokens))


def item_documents(ids: list[int]) -> dict:
    from search.registry import Document

    items = db.session.scalars(
        select(EvidenceItem)
        .where(EvidenceItem.id.in_(ids))
        .options(
            joinedload(EvidenceItem.party),
            selectinload(EvidenceItem.files),
            selectinload(EvidenceItem.tags),
        )
    )
    return {
        item.id: Document(
            kind="item",
            object_id=item.id,
            team_id=item.team_id,
            title=f"{item.exhibit_number} {item.title}",
            body=_item_text(item),
            occurred_at=item.collected_at,
            readers=item_readers(item),
            party=item.party.short_label,
            handling_code=item.handling_code,
            exhibit=item.exhibit_number,
            evidence_type=item.item_type,
            ref=item.exhibit_number,
            identifiers=_item_identifiers(item),
            language=item.language,
        )
        for item in items
    }


# What a person wrote into an event's details, found by the case search (a serial
# number, a receipt number, a seal); digests are left out.
SEARCHED_DETAILS = (
    "notes",
    "method",
    "seal_number",
    "packaging",
    "condition",
    "storage_location",
    "receipt_number",
    "device_make",
    "device_model",
    "device_serial",
    "late_entry_reason",
)


def custody_documents(ids: list[int]) -> dict:
    from search.registry import Document

    rows = db.session.scalars(
        select(CustodyEvent)
        .where(CustodyEvent.id.in_(ids))
        .options(joinedload(CustodyEvent.item).joinedload(EvidenceItem.party))
    )
    documents = {}
    for event in rows:
        item = event.item
        people = [event.actor_name, event.released_by, event.received_by]
        # The person's own words (notes, method, seal number); file hashes are left out.
        noted = [
            str(event.details.get(key))
            for key in SEARCHED_DETAILS
            if (event.details or {}).get(key)
        ]
        # A derivation's purpose names the other item ("Analysis product made: HR-0006"),
        # an export's the request ("Annexed to … REQ-3"), which some of this note's
        # readers may not open: the note is found without them.
        purpose = custody_shown.without(
            event.purpose or "", custody_shown.named_items(item, event), "another item"
        )
        request = custody_shown.named_request(event)
        if request:
            purpose = custody_shown.without(purpose, [request], "a request")
        parts = [purpose, *noted, event.location, event.legal_basis, *people]
        body = "\n".join(part for part in parts if part)
        documents[event.id] = Document(
            kind="custody",
            object_id=event.id,
            team_id=item.team_id,
            title=f"{item.exhibit_number} custody #{event.seq}: {event.event_type}",
            body=body,
            occurred_at=event.occurred_at,
            readers=item_readers(item),
            party=item.party.short_label,
            handling_code=item.handling_code,
            exhibit=item.exhibit_number,
            evidence_type=item.item_type,
            ref=f"{item.exhibit_number}#{event.seq}",
        )
    return documents


def _events_of(item: EvidenceItem) -> list[int]:
    # Visibility lives on the item: its custody notes follow a change of it.
    return list(db.session.scalars(select(CustodyEvent.id).where(CustodyEvent.item_id == item.id)))


def search_kinds(_app):
    """Register evidence items and custody notes with the case search."""
    from search.registry import SearchKind

    return [
        SearchKind(
            name="item",
            label="Evidence item",
            documents=item_documents,
            ids_of_team=lambda team_id: db.session.scalars(
                select(EvidenceItem.id).where(EvidenceItem.team_id == team_id)
            ),
            reader_tokens=reader_tokens,
            link=lambda code, ref: url_for("evidence.item", code=code, exhibit=ref),
            watch={
                EvidenceItem: lambda item: [item.id],
                EvidenceFile: lambda stored: [stored.item_id],
                EvidenceTag: lambda tag: [tag.item_id],
            },
        ),
        SearchKind(
            name="custody",
            label="Custody event",
            documents=custody_documents,
            ids_of_team=lambda team_id: db.session.scalars(
                select(CustodyEvent.id)
                .join(EvidenceItem, EvidenceItem.id == CustodyEvent.item_id)
                .where(EvidenceItem.team_id == team_id)
            ),
            reader_tokens=reader_tokens,
            link=_custody_link,
            watch={CustodyEvent: lambda event: [event.id], EvidenceItem: _events_of},
        ),
    ]


def _custody_link(code: str, ref: str) -> str:
    exhibit, _, seq = ref.partition("#")
    return url_for("evidence.item", code=code, exhibit=exhibit, _anchor=f"custody-{seq}")
