"""The embedded backend: one Whoosh index directory per team under the instance folder.

Only the outbox drainer (one thread in the one process holding the writer lock, see
search/outbox.py) and ``jit search reindex`` call the writing methods; Whoosh allows
one writer per index.
"""

import shutil
import time
from datetime import UTC
from pathlib import Path

from whoosh import fields, index, query, sorting
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter

from search import highlight, identifiers, languages
from search import query as q
from search.backends import Hit, Results, Scope, digest
from search.registry import Document

PER_TEAM = "team-{}"
_FACET_FIELDS = {
    "kind": "kind",
    "party": "party",
    "handling": "code",
    "type": "evidence_type",
    "month": "month",
}
_FILTER_FIELDS = {
    "party": "party",
    "kind": "kind",
    "exhibit": "exhibit",
    "code": "code",
    "type": "evidence_type",
    "lang": "language",
}


class FoldFilter(Filter):
    """Lower-case and strip accents from every token ("Medellín" → "medellin")."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = languages.fold(token.text)
            yield token


def _analyzer(language: str | None = None):
    # Stem before folding: stemmers know their language's accented suffixes ("-ación").
    if language:
        return RegexTokenizer(r"\w+") | LowercaseFilter() | StemFilter(lang=language) | FoldFilter()
    return RegexTokenizer(r"\w+") | FoldFilter()


# "name:value" tokens (search/identifiers.py, search.query.identifier_tokens) hold no
# space, so whitespace separates them; stored for "also appears in".
IDENTIFIERS = fields.KEYWORD(lowercase=False, stored=True)
# Their types ("phone ip sent"), for has:phone and the identifier-type facet: a few
# terms, where a prefix over IDENTIFIERS expands to every phone number of the team.
IDENTIFIER_TYPES = fields.KEYWORD(lowercase=False)
ADDED_FIELDS = {"identifiers": IDENTIFIERS, "identifier_types": IDENTIFIER_TYPES}


def schema() -> fields.Schema:
    stemmed = {
        f"text_{code}": fields.TEXT(analyzer=_analyzer(code), phrase=True)
        for code in languages.STEMMED
    }
    return fields.Schema(
        uid=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True, sortable=True),
        object_id=fields.STORED,
        team_id=fields.STORED,
        title=fields.STORED,
        body=fields.STORED,
        text=fields.TEXT(analyzer=_analyzer(), phrase=True),
        readers=fields.KEYWORD(lowercase=False),
        identifiers=IDENTIFIERS,
        identifier_types=IDENTIFIER_TYPES,
        party=fields.ID(stored=True, sortable=True),
        code=fields.ID(stored=True, sortable=True),
        exhibit=fields.ID(stored=True),
        evidence_type=fields.ID(stored=True, sortable=True),
        language=fields.ID(stored=True),
        month=fields.ID(stored=True, sortable=True),
        occurred_at=fields.DATETIME(stored=True, sortable=True),
        ref=fields.STORED,
        digest=fields.STORED,
        **stemmed,
    )


# Whoosh opens an index by listing its newest generation, then reading that generation's
# table of contents. A commit by the index writer (another thread or process) between
# the two replaces the generation and deletes the old file: the read fails with
# FileNotFoundError although the index is fine. Listing again finds the new generation.
OPEN_ATTEMPTS = 5


def _raced(attempt: int, error: FileNotFoundError) -> None:
    """Wait a moment before listing again; give up after the last attempt."""
    if attempt == OPEN_ATTEMPTS - 1:
        raise error
    time.sleep(0.01 * (attempt + 1))


def _searcher(ix):
    """Return a searcher over ``ix``'s newest generation, outliving a concurrent commit."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return ix.searcher()
        except FileNotFoundError as error:
            _raced(attempt, error)
    raise AssertionError("unreachable")


def _leading(found, wanted: int, sort: str) -> list:
    """Return the hits of ``found`` that can take one of the first ``wanted`` places.

    Faceting makes Whoosh collect every match (ranked by score, then document number),
    but only these are turned into hits and highlighted: a common word matching
    thousands of documents must not highlight them all. Results are ordered by score,
    then uid (:meth:`WhooshBackend.query`), so hits tied with the last place's score are
    ordered by uid here too, and the page is the one all the matches would give.
    """
    ranked = found.top_n  # (score, docnum), best first; already cut when sorted by date
    if sort == "date" or len(ranked) <= wanted:
        return found[:wanted]
    last = ranked[wanted - 1][0]
    first_tied = wanted - 1
    while first_tied > 0 and ranked[first_tied - 1][0] == last:
        first_tied -= 1
    end_tied = wanted
    while end_tied < len(ranked) and ranked[end_tied][0] == last:
        end_tied += 1
    if end_tied == wanted:
        return found[:wanted]
    tied = sorted(found[first_tied:end_tied], key=lambda hit: hit["uid"])
    return found[:first_tied] + tied[: wanted - first_tied]


def _type_counts(searcher, matched: set[int], types: tuple[str, ...]) -> dict[str, int]:
    """How many of the ``matched`` documents hold an identifier of each of ``types``.

    A document counts once per type it holds, however many of that type; metadata
    types (sent, from…) are not asked for. Read from each type's postings: Whoosh's
    overlapping facet over the field (which has no column) made a list for every
    document of the index at each query, ~140 ms a query at 100,000 documents
    whatever it matched (benchmarks/search/README.md).
    """
    counts = {}
    if not matched:
        return counts
    for name in types:
        held = sum(
            1 for docnum in searcher.docs_for_query(query.Term("identifier_types", name))
            if docnum in matched
        )  # fmt: skip
        if held:
            counts[name] = held
    return counts


def _filter_value(name: str, value: str) -> str:
    return value.upper() if name in ("party", "exhibit", "code") else value.lower()


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root):
        self.root = Path(root)

    # --- the writer's side ---------------------------------------------------------

    def team_dir(self, team_id: int) -> Path:
        return self.root / PER_TEAM.format(team_id)

    def _open(self, team_id: int, *, create: bool):
        folder = self.team_dir(team_id)
        for attempt in range(OPEN_ATTEMPTS):
            try:
                if index.exists_in(folder):
                    return index.open_dir(folder)
                break
            except FileNotFoundError as error:
                _raced(attempt, error)
        if not create:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        return index.create_in(folder, schema())

    def apply(self, team_id: int, upserts: list[Document], deletes: list[str]) -> None:
        """Write one team's changes in one commit."""
        if not upserts and not deletes:
            return
        ix = self._open(team_id, create=bool(upserts))
        if ix is None:
            return
        writer = ix.writer()
        try:
            for name, field_type in ADDED_FIELDS.items():
                if name not in writer.schema:
                    # An index made before the field existed gains it.
                    writer.add_field(name, field_type)
            for uid in deletes:
                writer.delete_by_term("uid", uid)
            for document in upserts:
                writer.update_document(**self._fields(document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=True)

    def delete_everywhere(self, uids: list[str]) -> None:
        """Forget documents whose team is unknown (their row is gone)."""
        for folder in sorted(self.root.glob(PER_TEAM.format("*"))):
            team_id = int(folder.name.split("-", 1)[1])
            ix = self._open(team_id, create=False)
            if ix is None:
                continue
            with _searcher(ix) as searcher:
                held = [uid for uid in uids if searcher.document_number(uid=uid) is not None]
            self.apply(team_id, [], held)

    def clear_team(self, team_id: int) -> None:
        """Start the team's index afresh (reindex)."""
        shutil.rmtree(self.team_dir(team_id), ignore_errors=True)
        self._open(team_id, create=True)

    def optimize(self, team_id: int) -> None:
        ix = self._open(team_id, create=False)
        if ix is not None:
            ix.optimize()

    def indexed(self, team_id: int) -> dict[str, str]:
        """Return ``{uid: digest}`` of what the team's index holds."""
        ix = self._open(team_id, create=False)
        if ix is None:
            return {}
        with _searcher(ix) as searcher:
            return {stored["uid"]: stored["digest"] for stored in searcher.all_stored_fields()}

    def _fields(self, document: Document) -> dict:
        text = f"{document.title}\n{document.body}"
        values = {
            "uid": document.uid,
            "kind": document.kind,
            "object_id": document.object_id,
            "team_id": document.team_id,
            "title": document.title,
            "body": document.body,
            "text": text,
            "readers": " ".join(document.readers),
            "identifiers": " ".join(document.identifiers),
            "identifier_types": " ".join(identifiers.types_of(document.identifiers)),
            "party": document.party.upper(),
            "code": document.handling_code.upper(),
            "exhibit": document.exhibit.upper(),
            "evidence_type": document.evidence_type,
            "language": document.language,
            "month": document.occurred_at.strftime("%Y-%m"),
            "occurred_at": document.occurred_at.replace(tzinfo=None),
            "ref": document.ref,
            "digest": digest(document),
        }
        if document.language in languages.STEMMED:
            values[f"text_{document.language}"] = text
        return values

    # --- the reader's side ---------------------------------------------------------

    def _text_query(self, node, schema_):
        analysed = {}
        for name in ["text", *(f"text_{code}" for code in languages.STEMMED)]:
            tokens = [t.text for t in schema_[name].analyzer(node.text, mode="query")]
            if tokens:
                analysed[name] = tokens
        if not analysed:
            return query.NullQuery
        alternatives = []
        for name, tokens in analysed.items():
            if len(tokens) == 1:
                alternatives.append(query.Term(name, tokens[0]))
            else:
                alternatives.append(query.Phrase(name, tokens))
        return query.Or(alternatives)

    def compile(self, node, schema_):
        """Turn a parsed query tree into a Whoosh query."""
        if isinstance(node, q.Everything):
            return query.Every()
        if isinstance(node, q.And):
            return query.And([self.compile(child, schema_) for child in node.children])
        if isinstance(node, q.Or):
            return query.Or([self.compile(child, schema_) for child in node.children])
        if isinstance(node, q.Not):
            return query.Not(self.compile(node.child, schema_))
        if isinstance(node, q.Field):
            name = _FILTER_FIELDS[node.name]
            return query.Term(name, _filter_value(node.name, node.value))
        if isinstance(node, q.Identifier):
            if "identifiers" not in schema_:
                return query.NullQuery
            if "?" in node.token:  # a partly legible serial: ? stands for one character
                return query.Wildcard("identifiers", node.token)
            return query.Term("identifiers", node.token)
        if isinstance(node, q.IdentifierType):
            if "identifier_types" not in schema_:
                return query.NullQuery
            return query.Term("identifier_types", node.name)
        if isinstance(node, q.DateRange):
            start, end = (
                moment and moment.replace(tzinfo=None) for moment in (node.start, node.end)
            )
            return query.DateRange("occurred_at", start, end, endexcl=True)
        words = [languages.fold(w) for w in languages.WORD.findall(node.text)]
        if isinstance(node, q.Prefix):
            parts = [query.Term("text", w) for w in words[:-1]]
            return (
                query.And([*parts, query.Prefix("text", words[-1])])
                if parts
                else (query.Prefix("text", words[-1]))
            )
        if isinstance(node, q.Word) and node.fuzzy:
            terms = [query.FuzzyTerm("text", w, maxdist=node.fuzzy, prefixlength=1) for w in words]
            return terms[0] if len(terms) == 1 else query.And(terms)
        return self._text_query(node, schema_)

    def query(
        self,
        scopes: list[Scope],
        tree,
        *,
        sort: str,
        page: int,
        per_page: int,
        identifier_types: tuple[str, ...] = (),
    ) -> Results:
        results = Results()
        terms = q.positive_terms(tree)
        wanted = page * per_page
        for scope in scopes:
            if not scope.tokens:
                continue
            ix = self._open(scope.team_id, create=False)
            if ix is None:
                continue
            allowed = query.Or([query.Term("readers", token) for token in sorted(scope.tokens)])
            # The searcher's schema, not ix.schema: that reads the newest table of
            # contents again, which a commit may just have replaced.
            with _searcher(ix) as searcher:
                compiled = query.And([self.compile(tree, searcher.schema), allowed])
                facets = {
                    name: sorting.FieldFacet(field, maptype=sorting.Count)
                    for name, field in _FACET_FIELDS.items()
                }
                options = {"limit": wanted, "groupedby": facets}
                if sort == "date":
                    options.update(sortedby="occurred_at", reverse=True)
                found = searcher.search(compiled, **options)
                results.total += len(found)
                results.per_team[scope.team_id] = len(found)
                counts = {name: dict(found.groups(name)) for name in facets}
                if identifier_types and "identifier_types" in searcher.schema:
                    counts["idtype"] = _type_counts(searcher, found.docs(), identifier_types)
                results.add_facets(counts)
                for hit in _leading(found, wanted, sort):
                    results.hits.append(self._hit(hit, terms))
        if sort == "date":
            results.hits.sort(key=lambda hit: hit.occurred_at, reverse=True)
        else:
            results.hits.sort(key=lambda hit: (-hit.score, hit.uid))
        start = (page - 1) * per_page
        results.hits = results.hits[start : start + per_page]
        return results

    def _hit(self, hit, terms) -> Hit:
        stored = hit.fields()
        return Hit(
            uid=stored["uid"],
            kind=stored["kind"],
            object_id=stored["object_id"],
            team_id=stored["team_id"],
            title=stored["title"],
            fragment=highlight.fragments(stored["body"], terms, stored.get("language", "")),
            occurred_at=stored["occurred_at"].replace(tzinfo=UTC),
            party=stored.get("party", ""),
            handling_code=stored.get("code", ""),
            exhibit=stored.get("exhibit", ""),
            evidence_type=stored.get("evidence_type", ""),
            ref=stored.get("ref", ""),
            score=hit.score or 0.0,
        )

    def vocabulary(self, scopes: list[Scope], word: str, limit: int = 5) -> list[str]:
        """Words of the scopes' indexes close to ``word`` (candidates for "did you mean")."""
        found: list[str] = []
        for scope in scopes:
            ix = self._open(scope.team_id, create=False)
            if ix is None:
                continue
            with _searcher(ix) as searcher:
                found += searcher.corrector("text").suggest(languages.fold(word), limit=limit)
        return list(dict.fromkeys(found))[:limit]
