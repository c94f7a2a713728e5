"""The two index backends behind one interface, and what a query hands back.

A backend takes :class:`~search.registry.Document` rows to index (``apply``), forgets
documents (``apply`` with uids to delete), rebuilds a team (``clear_team``), lists
what it holds (``indexed``), and answers ``query(scopes, tree, sort, page,
per_page, identifier_types)`` with hits, an exact total and facet counts over what each
scope may read; ``idtype`` counts the hits holding an identifier of each of
``identifier_types`` (a hit with a phone number and an IBAN counts once in each).
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from markupsafe import Markup

from search import identifiers
from search.registry import Document

FACETS = ("kind", "party", "handling", "type", "idtype", "month")
SORTS = ("relevance", "date")


@dataclass(frozen=True)
class Scope:
    """One team to search, with the reader tokens the caller holds in it."""

    team_id: int
    team_code: str
    tokens: frozenset[str]


@dataclass
class Hit:
    uid: str
    kind: str
    object_id: int
    team_id: int
    title: str
    fragment: Markup
    occurred_at: datetime
    party: str
    handling_code: str
    exhibit: str
    evidence_type: str
    ref: str
    score: float = 0.0


@dataclass
class Results:
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # How many of the hits each team holds (each team's audit entry names its own count).
    per_team: dict[int, int] = field(default_factory=dict)

    def add_facets(self, other: dict[str, dict[str, int]]) -> None:
        for name, counts in other.items():
            mine = self.facets.setdefault(name, {})
            for value, count in counts.items():
                if value:
                    mine[value] = mine.get(value, 0) + count


def digest(document: Document) -> str:
    """Return a fingerprint of everything indexed for ``document``."""
    fields = {
        name: getattr(document, name)
        for name in (
            "kind",
            "object_id",
            "team_id",
            "title",
            "body",
            "party",
            "handling_code",
            "exhibit",
            "evidence_type",
            "language",
            "ref",
        )
    }
    fields["readers"] = sorted(document.readers)
    fields["occurred_at"] = document.occurred_at.isoformat()
    if document.identifiers:  # left out when empty: older documents keep their digest
        fields["identifiers"] = sorted(document.identifiers)
        # Whoosh indexes the types apart (the identifier-type facet): a document indexed
        # before that reads as stale in `jit search check` until reindexed.
        fields["identifier_types"] = identifiers.types_of(document.identifiers)
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def backend_name(app: Flask) -> str:
    """The configured backend, or the default for the database in use."""
    chosen = (app.config.get("SEARCH_BACKEND") or "").strip().lower()
    if chosen:
        if chosen not in ("whoosh", "postgresql"):
            raise RuntimeError("JIT_SEARCH_BACKEND must be whoosh or postgresql")
        return chosen
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    return "postgresql" if url.startswith("postgresql") else "whoosh"


def get_backend(app: Flask | None = None):
    """Return the app's backend (one per app, made on first use)."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get("search_backend")
    if backend is None:
        if backend_name(app) == "postgresql":
            from search.backends.postgresql import PostgresBackend

            backend = PostgresBackend()
        else:
            from search.backends.whoosh import WhooshBackend

            backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
        app.extensions["search_backend"] = backend
    return backend
