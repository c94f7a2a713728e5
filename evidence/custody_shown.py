"""Custody events as a reader reads them: another item named only if they may open it.

A derivation is recorded on both chains: the parent's says "Analysis product made:
HR-0006", the child's "Analysis product of HR-0003", and the details of both name the
two items (``parent_exhibit``, ``child_exhibit``); a copy handed over names its original
(``copy_of``), an extract the container file it came from. The other item may be one the
reader may not open (another party's analysis product of a team item, a party-only
original of a team copy): its number, and its file's name and hash, are what its
visibility protects.

The chain itself is signed and hash-chained as recorded and never changes. What a page,
a custody report or the case search shows a reader says "an item you may not open" in
the other item's place (:func:`as_read_by`); a copy of the chain as JSON lines holds such
an event back to its place in the chain (:func:`evidence.reports.custody_jsonl`).
"""

import re
from collections.abc import Iterable

from sqlalchemy import select

from evidence.access import visible_items_filter
from evidence.models import CustodyEvent, EvidenceItem
from jit.extensions import db

# The details that name another item of the team by its exhibit number.
NAMING_DETAILS = ("parent_exhibit", "child_exhibit", "copy_of")
# What an extract's events say of its parent's container file.
CONTAINER_DETAILS = ("container_file_id", "container_filename", "container_sha256")
NOT_OPEN = "an item you may not open"


def named_items(item: EvidenceItem, event: CustodyEvent) -> set[str]:
    """Return the exhibit numbers of the other items ``event`` (on ``item``'s chain) names."""
    details = event.details or {}
    named = {details.get(key) for key in NAMING_DETAILS}
    return {number for number in named if isinstance(number, str) and number} - {
        item.exhibit_number
    }


def hidden_items(access, item: EvidenceItem, events: Iterable[CustodyEvent]) -> set[str]:
    """Return the numbers of the items the events name that ``access`` may not open."""
    named: set[str] = set()
    for event in events:
        named |= named_items(item, event)
    if not named:
        return set()
    opened = set(
        db.session.scalars(
            select(EvidenceItem.exhibit_number).where(
                EvidenceItem.team_id == item.team_id,
                EvidenceItem.exhibit_number.in_(named),
                visible_items_filter(access),
            )
        )
    )
    return named - opened


def names_hidden(item: EvidenceItem, event: CustodyEvent, hidden: set[str]) -> bool:
    return bool(hidden) and bool(named_items(item, event) & hidden)


def without(text: str, numbers: Iterable[str], said_as: str = NOT_OPEN) -> str:
    """Return ``text`` with each of ``numbers`` (whole exhibit numbers) said as ``said_as``."""
    for number in numbers:
        text = re.sub(rf"(?<![\w-]){re.escape(number)}(?!\w)", said_as, text)
    return text


class ShownEvent:
    """An event as one reader reads it: as recorded, but for the items they may not open."""

    def __init__(self, event: CustodyEvent, hidden: set[str]):
        self._event = event
        self._hidden = hidden

    def __getattr__(self, name):
        return getattr(self._event, name)

    @property
    def purpose(self) -> str:
        return without(self._event.purpose or "", self._hidden)

    @property
    def details(self) -> dict:
        details = dict(self._event.details or {})
        for key in NAMING_DETAILS:
            if details.get(key) in self._hidden:
                details[key] = NOT_OPEN
        if details.get("parent_exhibit") == NOT_OPEN:  # the container is the parent's file
            for key in CONTAINER_DETAILS:
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
