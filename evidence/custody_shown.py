"""Custody events as a reader reads them: another item named only if they may open it.

A derivation is recorded on both chains: the parent's says "Analysis product made:
HR-0006", the child's "Analysis product of HR-0003", and the details of both name the
two items (``parent_exhibit``, ``child_exhibit``); a copy handed over names its original
(``copy_of``), an extract the container file it came from. The other item may be one the
reader may not open (another party's analysis product of a team item, a party-only
original of a team copy): its number, and its file's name and hash, are what its
visibility protects. An ``exported`` event names the request its item went out in
(``details.bundle``, ``REQ-3``, and the package's hashes), which only the request's own
readers may open (:func:`evidence.bundles.access.visible_bundles_filter`): to the item's
other readers it says "a request you may not open".

The chain itself is signed and hash-chained as recorded and never changes. What a page,
a custody report or the case search shows a reader says "an item you may not open" in
the other item's place (:func:`as_read_by`); a copy of the chain as JSON lines holds such
an event back to its place in the chain (:func:`evidence.reports.custody_jsonl`).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from evidence.access import openable_exhibits, visible_items_filter
from evidence.models import CustodyEvent, CustodyEventType, EvidenceItem
from jit.extensions import db

# The details that name another item of the team by its exhibit number.
NAMING_DETAILS = ("parent_exhibit", "child_exhibit", "copy_of")
# What an extract's events say of its parent's container file.
CONTAINER_DETAILS = ("container_file_id", "container_filename", "container_sha256")
# What an ``exported`` event says of the request beyond its label.
REQUEST_DETAILS = ("version", "request_sha256", "package_sha256", "package_size")
NOT_OPEN = "an item you may not open"
REQUEST_NOT_OPEN = "a request you may not open"


@dataclass(frozen=True)
class Hidden:
    """What a chain names that one reader may not open: exhibit numbers, request labels."""

    items: frozenset[str] = field(default_factory=frozenset)
    requests: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.items or self.requests)


def named_items(item: EvidenceItem, event: CustodyEvent) -> set[str]:
    """Return the exhibit numbers of the other items ``event`` (on ``item``'s chain) names."""
    details = event.details or {}
    named = {details.get(key) for key in NAMING_DETAILS}
    return {number for number in named if isinstance(number, str) and number} - {
        item.exhibit_number
    }


def named_request(event: CustodyEvent) -> str | None:
    """Return the label of the request an ``exported`` event names (None for others)."""
    if event.event_type != CustodyEventType.EXPORTED.value:
        return None
    label = (event.details or {}).get("bundle")
    return label if isinstance(label, str) and label else None


def hidden_items(access, item: EvidenceItem, events: Iterable[CustodyEvent]) -> Hidden:
    """Return what the events of ``item`` name that ``access`` may not open."""
    events = list(events)
    named: set[str] = set()
    for event in events:
        named |= named_items(item, event)
    requests = {label for label in map(named_request, events) if label}
    items = named - openable_exhibits(access, item.team_id, named)
    return Hidden(frozenset(items), frozenset(requests - _openable_requests(access, requests)))


def _openable_requests(access, labels: set[str]) -> set[str]:
    from evidence.bundles.access import visible_bundles_filter
    from evidence.bundles.models import Bundle

    numbers = [int(label[4:]) for label in labels if re.fullmatch(r"REQ-[0-9]{1,9}", label)]
    if not numbers:
        return set()
    found = db.session.scalars(
        select(Bundle.number).where(Bundle.number.in_(numbers), visible_bundles_filter(access))
    )
    return {f"REQ-{number}" for number in found}


def names_hidden(item: EvidenceItem, event: CustodyEvent, hidden: Hidden) -> bool:
    if not hidden:
        return False
    return bool(named_items(item, event) & hidden.items) or named_request(event) in hidden.requests


def without(text: str, numbers: Iterable[str], said_as: str = NOT_OPEN) -> str:
    """Return ``text`` with each of ``numbers`` (whole exhibit numbers) said as ``said_as``."""
    for number in numbers:
        text = re.sub(rf"(?<![\w-]){re.escape(number)}(?!\w)", said_as, text)
    return text


class ShownEvent:
    """An event as one reader reads it: as recorded, but for what they may not open."""

    def __init__(self, event: CustodyEvent, hidden: Hidden):
        self._event = event
        self._hidden = hidden

    def __getattr__(self, name):
        return getattr(self._event, name)

    @property
    def _hides_request(self) -> bool:
        return named_request(self._event) in self._hidden.requests

    @property
    def purpose(self) -> str:
        if self._hides_request:  # "Annexed to European Investigation Order REQ-3"
            return f"Annexed to {REQUEST_NOT_OPEN}"
        return without(self._event.purpose or "", self._hidden.items)

    @property
    def details(self) -> dict:
        details = dict(self._event.details or {})
        for key in NAMING_DETAILS:
            if details.get(key) in self._hidden.items:
                details[key] = NOT_OPEN
        if details.get("parent_exhibit") == NOT_OPEN:  # the container is the parent's file
            for key in CONTAINER_DETAILS:
                details.pop(key, None)
        if self._hides_request:
            details["bundle"] = REQUEST_NOT_OPEN
            for key in REQUEST_DETAILS:
                details.pop(key, None)
        return details


def as_read_by(access, item: EvidenceItem, events: list[CustodyEvent]) -> list:
    """Return ``events`` of ``item`` as ``access`` reads them (the same objects if nothing
    they name is hidden from them)."""
    hidden = hidden_items(access, item, events)
    if not hidden:
        return events
    return [
        ShownEvent(event, hidden) if names_hidden(item, event, hidden) else event
        for event in events
    ]


def parent_openable(access, item: EvidenceItem) -> bool:
    """Whether ``access`` may open the item ``item`` was derived from (True if none)."""
    if item.parent_id is None:
        return True
    return (
        db.session.scalar(
            select(EvidenceItem.id).where(
                EvidenceItem.id == item.parent_id, visible_items_filter(access)
            )
        )
        is not None
    )
