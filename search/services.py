"""Searching for a person: parse, scope to what they may read, query, suggest, audit.

Permissions are applied inside the backend query (reader tokens per team), so totals
and facet counts never include what the caller may not see. Every search that runs is
recorded in each searched team's audit log with that team's own count, as a read.
"""

import math
import re
from dataclasses import dataclass, field

from jit.audit import services as audit
from jit.inputs import NUL
from jit.permissions import Permission
from jit.teams.access import TeamAccess
from search import query as q
from search.backends import FACETS, SORTS, Hit, Results, Scope, get_backend
from search.registry import identifier_fields, kinds, reader_tokens

PER_PAGE = 20
MAX_PAGE = 500
# URL parameter → query field. "handling" because ``code`` names the team in URLs.
FILTERS = {
    "kind": "kind",
    "party": "party",
    "handling": "code",
    "type": "type",
    "lang": "lang",
    "exhibit": "exhibit",
    "idtype": "has",  # the identifier-type facet: idtype=phone is has:phone
}
MAX_SUGGESTED_WORDS = 3


class SearchError(ValueError):
    """The search request cannot be run; the message says why."""


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1

    def query_filters(self) -> dict:
        """Return the filters as query fields (``handling`` → ``code``)."""
        return {FILTERS[name]: value for name, value in self.filters.items()}

    def args(self, **changes) -> dict:
        """Return the URL parameters of this request with ``changes`` (None drops one)."""
        values = {"q": self.text, "sort": self.sort, **self.filters}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "", "relevance")}


def parse_request(args) -> SearchRequest:
    """Read a search request from URL parameters; bad values raise :class:`SearchError`."""
    text = args.get("q", "") or ""
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise SearchError("Sort by relevance or by date.")
    raw_page = (args.get("page") or "1").strip()
    digits = raw_page.lstrip("0")
    if not re.fullmatch(r"[0-9]+", raw_page) or not digits:
        raise SearchError("The page must be a whole number from 1.")
    # A long number is only measured: int() refuses more than 4,300 digits.
    page = int(digits) if len(digits) <= 12 else MAX_PAGE + 1
    if page > MAX_PAGE:
        raise SearchError(f"Only the first {MAX_PAGE} pages can be shown: refine the search.")
    filters = {}
    for name in FILTERS:
        value = (args.get(name) or "").strip()
        if value:
            if len(value) > 64 or not re.fullmatch(r"[\w.-]+", value):
                raise SearchError(f"The {name} filter is not a value that exists.")
            filters[name] = value
    return SearchRequest(text=text, filters=filters, sort=sort, page=page)


@dataclass
class Outcome:
    request: SearchRequest
    results: Results = field(default_factory=Results)
    error: str | None = None
    suggestion: str | None = None
    links: dict[str, str] = field(default_factory=dict)
    team_codes: dict[int, str] = field(default_factory=dict)
    ran: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.results.total / PER_PAGE))

    @property
    def past_the_end(self) -> bool:
        return self.ran and self.request.page > self.pages

    def link(self, hit: Hit) -> str:
        return self.links.get(hit.uid, "")

    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """Facet values by count (then name), for display."""
        return {
            name: sorted(self.results.facets.get(name, {}).items(), key=lambda i: (-i[1], i[0]))
            for name in FACETS
        }


def searchable(accesses: list[TeamAccess]) -> list[TeamAccess]:
    """Return the accesses whose role may search."""
    return [access for access in accesses if access.can(Permission.SEARCH)]


def scopes_for(accesses: list[TeamAccess]) -> list[Scope]:
    """Return the search scope (team and reader tokens) of each access that may search."""
    return [
        Scope(access.team.id, access.team.code, frozenset(reader_tokens(access)))
        for access in searchable(accesses)
    ]


def run(accesses: list[TeamAccess], request: SearchRequest) -> Outcome:
    """Search the teams of ``accesses`` for ``request`` and audit it (caller commits)."""
    outcome = Outcome(request=request)
    accesses = searchable(accesses)
    outcome.team_codes = {access.team.id: access.team.code for access in accesses}
    try:
        tree = q.parse(request.text, request.query_filters(), identifier_fields())
    except q.QueryError as problem:
        outcome.error = str(problem)
        if request.text.strip() or request.filters:
            _audit(accesses, request, outcome)
        return outcome
    scopes = scopes_for(accesses)
    backend = get_backend()
    outcome.results = backend.query(
        scopes,
        tree,
        sort=request.sort,
        page=request.page,
        per_page=PER_PAGE,
        identifier_types=tuple(identifier_fields()),
    )
    outcome.ran = True
    registered = kinds()
    for hit in outcome.results.hits:
        kind = registered.get(hit.kind)
        if kind is not None:
            outcome.links[hit.uid] = kind.link(outcome.team_codes[hit.team_id], hit.ref)
    if outcome.results.total == 0:
        outcome.suggestion = suggest(scopes, request, tree)
    _audit(accesses, request, outcome)
    return outcome


def suggest(scopes: list[Scope], request: SearchRequest, tree) -> str | None:
    """Return a corrected query that finds something the caller may read, or None.

    A candidate word comes from the index's vocabulary; it is offered only if the
    corrected query has hits under the caller's own permissions, so a suggestion never
    reveals a word of a document they cannot read.
    """
    words = [
        term.text for term in q.positive_terms(tree) if isinstance(term, q.Word) and not term.fuzzy
    ][:MAX_SUGGESTED_WORDS]
    if not words or not scopes:
        return None
    backend = get_backend()
    corrected = request.text
    for word in words:
        candidates = [c for c in backend.vocabulary(scopes, word) if c != word.lower()]
        for candidate in candidates[:3]:
            attempt = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", candidate, corrected, count=1)
            try:
                tree = q.parse(attempt, request.query_filters(), identifier_fields())
            except q.QueryError:
                continue
            found = backend.query(scopes, tree, sort="relevance", page=1, per_page=1)
            if found.total:
                corrected = attempt
                break
    return corrected if corrected != request.text else None


def _shown(value):
    """Return ``value`` with each NUL shown as U+FFFD.

    A refused search is audited as typed, but the log's JSON would keep a NUL (escaped,
    even on PostgreSQL) and hand it back to every reader of the log, its exports too.
    """
    if isinstance(value, str):
        return value.replace(NUL, "\ufffd")
    if isinstance(value, dict):
        return {_shown(key): _shown(part) for key, part in value.items()}
    return value


def _audit(accesses: list[TeamAccess], request: SearchRequest, outcome: Outcome) -> None:
    for access in accesses:
        audit.record(
            "search.query",
            team=access.team,
            object_type="search",
            new={
                "query": _shown(request.text[: q.MAX_QUERY_CHARS]),
                "filters": _shown(request.filters),
                "sort": request.sort,
                "page": request.page,
                "results": outcome.results.per_team.get(access.team.id, 0),
                **({"error": outcome.error} if outcome.error else {}),
            },
            actor=access.user,
        )
