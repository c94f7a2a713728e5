"""The two places where other packages plug into chat: exhibit links and search.

Chat does not import the evidence or search packages. Each registers itself here from
its own ``init_app``; until one does, exhibit references stay plain text and nothing is
sent to a search outbox.
"""

from collections.abc import Callable, Iterable

from jit.teams.access import TeamAccess

# (reader's access, exhibit numbers) -> {number: URL} for the items the reader may see.
ExhibitResolver = Callable[[TeamAccess, list[str]], dict[str, str]]
# (message, operation) with operation "index" or "delete"; called inside the
# transaction that writes the message, so the outbox row commits with it.
SearchOutbox = Callable[[object, str], None]

_exhibit_resolver: ExhibitResolver | None = None
_search_outbox: SearchOutbox | None = None

MAX_REFERENCES_PER_LOOKUP = 50


def register_exhibit_resolver(resolver: ExhibitResolver | None) -> None:
    """Let the evidence package say which exhibit numbers a reader may open, and where."""
    global _exhibit_resolver
    _exhibit_resolver = resolver


def register_search_outbox(outbox: SearchOutbox | None) -> None:
    """Let the search package queue chat messages for indexing in their own transaction."""
    global _search_outbox
    _search_outbox = outbox


def exhibit_links(access: TeamAccess, references: Iterable[str]) -> dict[str, str]:
    """Return links for the referenced exhibits ``access`` may see; others are left out.

    An exhibit that does not exist and one the reader may not see get the same answer
    (no link), so a reference never reveals an item's existence.
    """
    wanted = list(dict.fromkeys(str(ref) for ref in references))[:MAX_REFERENCES_PER_LOOKUP]
    if _exhibit_resolver is None or not wanted:
        return {}
    found = _exhibit_resolver(access, wanted) or {}
    return {ref: url for ref, url in found.items() if ref in wanted and isinstance(url, str)}


def evidence_exhibit_resolver(access: TeamAccess, references: list[str]) -> dict[str, str]:
    """Link the exhibits the evidence register lets ``access`` see (its own visibility rule)."""
    from flask import url_for
    from sqlalchemy import select

    from evidence.access import visible_items_filter
    from evidence.models import EvidenceItem
    from jit.extensions import db

    numbers = db.session.scalars(
        select(EvidenceItem.exhibit_number)
        .where(EvidenceItem.exhibit_number.in_([ref.upper() for ref in references]))
        .where(visible_items_filter(access))
    )
    return {
        number: url_for("evidence.item", code=access.team.code, exhibit=number)
        for number in numbers
    }


def connect_evidence() -> None:
    """Use the evidence register's visibility rule for exhibit links when it is installed."""
    from jit.app import domain_module

    access_module = domain_module("evidence", "access")
    if access_module is not None and hasattr(access_module, "visible_items_filter"):
        register_exhibit_resolver(evidence_exhibit_resolver)


def queue_for_search(message, operation: str) -> None:
    """Hand a written message to the search outbox, if a search package registered one."""
    if _search_outbox is not None:
        _search_outbox(message, operation)
