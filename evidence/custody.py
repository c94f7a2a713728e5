"""The chain of custody: appending signed events and verifying chains and stored files.

Each item has one chain: events numbered from 1, each holding the hash of the one before
(``prev_hash``) and its own SHA-256 over a canonical serialisation of every field. The
chain head (last seq and hash) is signed with the instance's Ed25519 key, so a chain
rewritten end to end with consistent hashes is caught by the signature.
"""

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from evidence import storage
from evidence.errors import EvidenceError
from evidence.models import (
    CLOSING_EVENT_TYPES,
    CustodyChainHead,
    CustodyEvent,
    CustodyEventType,
    EvidenceFile,
    EvidenceItem,
)
from jit import signals
from jit.canonical import GENESIS_HASH
from jit.chains import SignedHeads
from jit.clock import utcnow
from jit.extensions import db


def _chain_name(item_id: int) -> dict:
    return {"chain": "custody", "item_id": item_id}


HEADS = SignedHeads(CustodyChainHead, "item_id", _chain_name)


def head_payload(item_id: int, seq: int, head_hash: str, key_id: str, signed_at) -> bytes:
    """Return the bytes the server signs for an item's custody chain head."""
    return HEADS.payload(item_id, seq, head_hash, key_id, signed_at)


def agreement_version(team) -> str | None:
    """Return the version of the team's agreement in force, once the agreements package says.

    The agreements package answers through ``signals.agreement_version``; with no
    answer, no version is recorded.
    """
    return signals.first_value(signals.agreement_version, team)


@dataclass(frozen=True)
class AgreementReference:
    """An agreement version as events name it, with its text's full SHA-256 where known.

    Events store a label that fits 40 characters (``v1 sha256:`` and the start of the
    hash); a reader is shown the full hash, or, failing that, told the label is shortened.
    """

    label: str
    number: int | None = None
    sha256: str | None = None


def agreement_references(team, events: Iterable[CustodyEvent]) -> dict[str, AgreementReference]:
    """Return the agreement versions ``events`` name, by label, in order of first mention."""
    labels = list(dict.fromkeys(e.agreement_version for e in events if e.agreement_version))
    if not labels:
        return {}
    known = signals.merged(signals.agreement_version_hashes, team, labels=labels)
    return {label: AgreementReference(label, **known.get(label, {})) for label in labels}


def agreement_reference(team, label: str | None) -> AgreementReference | None:
    """Return the agreement version ``label`` names (its number and full hash if known)."""
    if not label:
        return None
    known = signals.merged(signals.agreement_version_hashes, team, labels=[label])
    return AgreementReference(label, **known.get(label, {}))


# The note appended once to a chain that holds ``viewed`` events: why they stop there.
VIEWS_MOVED = "views-in-audit-log"
VIEWS_MOVED_TEXT = (
    "From this event on, views of the item are not custody events: they are kept in the "
    "audit log and shown in the access section of the item page and the custody report. "
    "The views above were recorded before this change and are left as they were."
)


class ChainClosed(EvidenceError):
    """The item was destroyed or returned: its chain takes no further event."""


def append_event(
    item: EvidenceItem,
    event_type: str,
    *,
    recorded_by=None,
    actor_name: str | None = None,
    actor_party: str | None = None,
    occurred_at: datetime | None = None,
    time_zone: str | None = None,
    location: str = "",
    purpose: str = "",
    legal_basis: str = "",
    details: dict | None = None,
    released_by: str | None = None,
    released_by_party: str | None = None,
    received_by: str | None = None,
    received_by_party: str | None = None,
) -> CustodyEvent:
    """Append an event to ``item``'s chain in the current transaction and re-sign the head.

    ``recorded_by`` is the signed-in person writing it (None for the system); the actor
    defaults to them. ``actor_party`` defaults to the team party they act for. Raise
    :class:`ChainClosed` once the item was destroyed or returned.
    """
    if item.id is None:
        db.session.flush()
    head = HEADS.lock(item.id)
    closing = closing_event(item)
    if closing is not None:
        raise ChainClosed(
            f"{item.exhibit_number} was {closing.event_type} (custody event #{closing.seq}, "
            f"{closing.occurred_at:%Y-%m-%d %H:%M} UTC); its chain of custody is closed and "
            "nothing more can be recorded on it. It can still be read."
        )
    _note_views_moved(item, head)
    if actor_party is None and recorded_by is not None:
        actor_party = _party_label_of(item, recorded_by)
    return _append(
        item,
        head,
        event_type,
        recorded_by=recorded_by,
        actor_name=actor_name or (recorded_by.display_name if recorded_by else "JIT Workspace"),
        actor_party=actor_party or "",
        occurred_at=occurred_at,
        time_zone=time_zone or (recorded_by.time_zone if recorded_by else "UTC"),
        location=location,
        purpose=purpose,
        legal_basis=legal_basis,
        details=details or {},
        released_by=released_by,
        released_by_party=released_by_party,
        received_by=received_by,
        received_by_party=received_by_party,
    )


def _append(item: EvidenceItem, head, event_type: str, **fields) -> CustodyEvent:
    now = utcnow()
    recorded_by = fields.pop("recorded_by")
    event = CustodyEvent(
        item_id=item.id,
        seq=head.seq + 1,
        event_type=str(event_type),
        occurred_at=fields.pop("occurred_at") or now,
        actor_time_zone=fields.pop("time_zone"),
        recorded_at=now,
        recorded_by_id=recorded_by.id if recorded_by else None,
        agreement_version=agreement_version(item.team),
        prev_hash=head.hash,
        **fields,
    )
    event.hash = event.compute_hash()
    HEADS.advance(head, event.seq, event.hash, now)
    db.session.add(event)
    return event


def closing_event(item: EvidenceItem) -> CustodyEvent | None:
    """Return the event that closed the item's chain (destroyed, returned), if any."""
    return db.session.scalar(
        select(CustodyEvent)
        .where(
            CustodyEvent.item_id == item.id,
            CustodyEvent.event_type.in_([t.value for t in CLOSING_EVENT_TYPES]),
        )
        .order_by(CustodyEvent.seq)
        .limit(1)
    )


def note_views_moved(item: EvidenceItem) -> None:
    """Append, once, the note that views are no longer custody, to a chain that has views."""
    # Read first without the lock: almost every view finds nothing to do, and takes no
    # write lock on the chain's head for it.
    if item.id is None or not _needs_views_note(item):
        return
    _note_views_moved(item, HEADS.lock(item.id))


def _needs_views_note(item: EvidenceItem) -> bool:
    # This note is the only one the workspace writes, so any note means it is there.
    kinds = set(
        db.session.scalars(
            select(CustodyEvent.event_type)
            .where(
                CustodyEvent.item_id == item.id,
                CustodyEvent.event_type.in_(
                    [CustodyEventType.VIEWED.value, CustodyEventType.NOTE.value]
                ),
            )
            .distinct()
        )
    )
    return CustodyEventType.VIEWED.value in kinds and CustodyEventType.NOTE.value not in kinds


def _note_views_moved(item: EvidenceItem, head) -> None:
    # Called with the head locked (asked again under it), so two first touches cannot
    # both append the note.
    if not _needs_views_note(item):
        return
    _append(
        item,
        head,
        CustodyEventType.NOTE,
        recorded_by=None,
        actor_name="JIT Workspace",
        actor_party="",
        occurred_at=None,
        time_zone="UTC",
        location="",
        purpose=VIEWS_MOVED_TEXT,
        legal_basis="",
        details={"note": VIEWS_MOVED},
        released_by=None,
        released_by_party=None,
        received_by=None,
        received_by_party=None,
    )


def _party_label_of(item: EvidenceItem, user) -> str:
    from jit.teams.models import Membership

    membership = db.session.scalar(
        select(Membership).where(Membership.team_id == item.team_id, Membership.user_id == user.id)
    )
    if membership is None:
        return ""
    party = membership.party
    return f"{party.short_label} — {party.authority}"


# ---------------------------------------------------------------------------
# Verification


@dataclass
class VerificationResult:
    items_checked: int = 0
    events_checked: int = 0
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def is_intact(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> str | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        counts = (
            f"{self.items_checked} items, {self.events_checked} custody events, "
            f"{self.files_checked} files"
        )
        if self.is_intact:
            return f"Intact: {counts} checked."
        return f"BROKEN ({len(self.problems)} problems in {counts}). First: {self.first_problem}"


def verify_signature(head: CustodyChainHead) -> str | None:
    """Return why the head's signature does not hold, or None if it does."""
    return HEADS.check(head)


def _check_chain(
    item: EvidenceItem, events: Iterable[CustodyEvent], head: CustodyChainHead | None
) -> tuple[int, str | None]:
    label = f"item {item.exhibit_number}"
    expected_seq, previous_hash, checked = 1, GENESIS_HASH, 0
    for event in events:
        where = f"{label}, custody event #{event.seq} ({event.event_type})"
        if event.seq != expected_seq:
            return checked, (
                f"{label}: custody event #{expected_seq} is missing "
                f"(found #{event.seq} next; an event was removed)"
            )
        if event.prev_hash != previous_hash:
            return checked, f"{where}: does not link to the event before it"
        if event.compute_hash() != event.hash:
            return checked, f"{where}: its content no longer matches its hash (altered)"
        previous_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    if head is None:
        return checked, f"{label}: has no signed chain head"
    if (head.seq, head.hash) != (checked, previous_hash):
        return checked, (
            f"{label}: the chain ends at event #{checked} but its signed head is at "
            f"#{head.seq} (events were removed from the end, or the head was altered)"
        )
    problem = verify_signature(head)
    if problem:
        return checked, f"{label}: {problem}"
    return checked, None


def _check_file(item: EvidenceItem, stored: EvidenceFile) -> str | None:
    where = f"item {item.exhibit_number}, file {stored.id} “{stored.original_filename}”"
    path = storage.blob_path(stored.sha256)
    if not path.is_file():
        return f"{where}: the stored file is missing from the blob store"
    digest, size = storage.hash_file(path)
    if digest != stored.sha256:
        return f"{where}: the stored bytes no longer match the recorded SHA-256 (altered)"
    if size != stored.size_bytes:
        return f"{where}: the stored size {size} differs from the recorded {stored.size_bytes}"
    return None


def verify_items(items: list[EvidenceItem], *, check_files: bool = True) -> VerificationResult:
    """Re-walk every chain, check every signature and re-hash every file of ``items``."""
    result = VerificationResult()
    if not items:
        return result
    ids = [item.id for item in items]
    heads = {}
    files: dict[int, list[EvidenceFile]] = {}
    events_by_item: dict[int, list[CustodyEvent]] = {}
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        for head in db.session.scalars(
            select(CustodyChainHead).where(CustodyChainHead.item_id.in_(batch))
        ):
            heads[head.item_id] = head
        for stored in db.session.scalars(
            select(EvidenceFile).where(EvidenceFile.item_id.in_(batch)).order_by(EvidenceFile.id)
        ):
            files.setdefault(stored.item_id, []).append(stored)
        rows = db.session.scalars(
            select(CustodyEvent)
            .where(CustodyEvent.item_id.in_(batch))
            .order_by(CustodyEvent.item_id, CustodyEvent.seq)
        )
        for item_id, group in itertools.groupby(rows, key=lambda event: event.item_id):
            events_by_item[item_id] = list(group)
        for item in items[start : start + 500]:
            checked, problem = _check_chain(
                item, events_by_item.pop(item.id, []), heads.get(item.id)
            )
            result.items_checked += 1
            result.events_checked += checked
            if problem:
                result.problems.append(problem)
            if check_files:
                for stored in files.get(item.id, []):
                    result.files_checked += 1
                    problem = _check_file(item, stored)
                    if problem:
                        result.problems.append(problem)
    return result
