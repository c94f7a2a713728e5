"""What the index holds: the kinds of document domain packages register, and their shape.

A domain package adds a kind with one receiver on ``jit.signals.search_kinds``,
connected in its own ``init_app``, that returns a :class:`SearchKind`. Nothing in
``search/`` names a domain model.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import Flask, current_app

from jit import signals


@dataclass(frozen=True)
class Document:
    """One searchable document, as a kind renders a row for the index."""

    kind: str
    object_id: int
    team_id: int
    title: str
    body: str
    occurred_at: datetime
    # Tokens naming who may read it; a reader matches when one of theirs is here.
    readers: tuple[str, ...]
    party: str = ""
    handling_code: str = ""
    exhibit: str = ""
    evidence_type: str = ""
    # ISO 639-1 code; detected from the text when the row does not say.
    language: str = ""
    # What the kind's ``link`` needs to point at the row (exhibit number, "channel/id"…).
    ref: str = ""
    # "name:value" tokens: the kind's own (a file's headers and properties, from
    # search.query.identifiers; a weapon's "serial:12M5748221"). Phones, IBANs, e-mail
    # and IP addresses, VINs and serials written as such in the text are added by
    # :func:`load` (search/identifiers.py).
    identifiers: tuple[str, ...] = ()

    @property
    def uid(self) -> str:
        return f"{self.kind}:{self.object_id}"


@dataclass(frozen=True)
class SearchKind:
    """A kind of document: how to load its rows as documents and who may read them.

    - ``documents(ids)`` returns ``{id: Document or None}`` for the rows that exist;
      ``None`` for a row that must not be found (e.g. a retracted message).
    - ``ids_of_team(team_id)`` lists every row of a team that should be indexed.
    - ``reader_tokens(access)`` returns the tokens a member holds for this kind.
    - ``link(team_code, ref)`` returns the URL of a hit.
    - ``watch`` maps a model to a function ``(obj) -> ids of this kind`` that a change
      to ``obj`` may alter; the outbox is filled from it on every flush.
    - ``identifier_fields`` maps a query field (``serial``) to a function normalising
      what was typed into the value of the kind's ``field:value`` identifier tokens;
      it raises ``ValueError`` with a message for a value that cannot be one.
    """

    name: str
    label: str
    documents: Callable[[list[int]], dict[int, Document | None]]
    ids_of_team: Callable[[int], Iterable[int]]
    reader_tokens: Callable[[object], set[str]]
    link: Callable[[str, str], str]
    watch: dict[type, Callable[[object], Iterable[int]]] = field(default_factory=dict)
    identifier_fields: dict[str, Callable[[str], str]] = field(default_factory=dict)


def kinds(app: Flask | None = None) -> dict[str, SearchKind]:
    """Return the app's registered kinds by name, asking the packages once per app."""
    app = app or current_app._get_current_object()
    registered = app.extensions.get("search_kinds")
    if registered is None:
        registered = {}
        for kind in signals.values(signals.search_kinds, app):
            if kind.name in registered:
                raise RuntimeError(f"two packages registered the search kind {kind.name!r}")
            registered[kind.name] = kind
        app.extensions["search_kinds"] = registered
    return registered


def collect(app: Flask) -> None:
    """Forget what an earlier app collected; kinds are asked for at first use.

    Packages initialised after ``search`` (chat) connect their receivers later than
    this runs, so the answer is gathered lazily.
    """
    app.extensions.pop("search_kinds", None)


def identifier_fields(app: Flask | None = None) -> dict[str, Callable[[str], str]]:
    """Return every identifier query field: the search's own and the kinds'."""
    from search import identifiers

    merged = dict(identifiers.FIELDS)
    for kind in kinds(app).values():
        merged.update(kind.identifier_fields)
    return merged


def load(kind: SearchKind, ids: list[int]) -> dict[int, Document | None]:
    """Return the kind's documents for ``ids``, language settled and identifiers found."""
    from search import identifiers, languages

    found = kind.documents(list(ids))
    # A serial written in text is normalised by the registered serial: field, the
    # function that made the serial tokens of the kind that owns serials.
    serial = identifier_fields().get("serial")
    settled = {}
    for object_id, document in found.items():
        if document is None:
            settled[object_id] = None
            continue
        text = f"{document.title}\n{document.body}"
        # A national number ("06 1234 5678") is read as the writing party's.
        extracted = identifiers.extract(text, document.party, serial)
        settled[object_id] = replace(
            document,
            language=languages.normalise(document.language, text),
            identifiers=tuple(dict.fromkeys((*document.identifiers, *extracted))),
        )
    return settled


def reader_tokens(access) -> set[str]:
    """Every token ``access`` holds, over all kinds."""
    tokens: set[str] = set()
    for kind in kinds().values():
        tokens |= set(kind.reader_tokens(access))
    return tokens
