"""The scale-out backend: PostgreSQL full-text search over the ``search_documents`` table.

Each document is stored with a ``tsvector`` built in its language's configuration
(``jit_<language>``: unaccent, then that language's stemmer; created by the
migration), indexed with GIN. A query word is parsed with ``websearch_to_tsquery`` in
every configuration and the alternatives ORed, so it finds its stem in any language.
Ranking is ``ts_rank`` over all matches and ``ts_rank_cd`` over the first hundred
(``_rescored_page``), fragments ``ts_headline``. Writes share the caller's
transaction: the outbox rows are deleted in the same commit.

Fuzzy terms and "did you mean" take their candidates from ``search_vocabulary``, the
team's lexemes, which ``apply`` keeps in the same transaction (see ``_words_near``).
"""

import difflib
import functools
import re

from sqlalchemy import (
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY

from jit.extensions import db
from search import highlight, languages
from search import query as q
from search.backends import Hit, Results, Scope, digest
from search.models import SearchDocument, SearchWord
from search.registry import Document

D = SearchDocument
V = SearchWord
# Candidates of one fuzzy word ORed into its tsquery, nearest first.
MAX_FUZZY_CANDIDATES = 20
# The edit distance "did you mean" looks within (as Whoosh's corrector does).
SUGGESTION_DISTANCE = 2
# fuzzystrmatch's levenshtein functions refuse strings longer than this.
LEVENSHTEIN_MAX_CHARS = 255
# How many of the first matches by ts_rank a relevance page orders by ts_rank_cd.
RESCORE_WINDOW = 100
MAX_TSV_CHARS = 400_000
MAX_BODY_CHARS = 1_000_000
HEADLINE_OPTIONS = (
    f"StartSel={highlight.START}, StopSel={highlight.STOP}, MaxFragments=2, "
    'MaxWords=30, MinWords=10, FragmentDelimiter=" … "'
)
_FILTER_COLUMNS = {
    "party": D.party,
    "kind": D.kind,
    "exhibit": D.exhibit,
    "code": D.handling_code,
    "type": D.evidence_type,
    "lang": D.language,
}
_FACET_COLUMNS = {
    "kind": D.kind,
    "party": D.party,
    "handling": D.handling_code,
    "type": D.evidence_type,
    "month": D.month,
    "team": D.team_id,
}
_CONFIGURATION_NAME = re.compile(r"[a-z_]+")
_WEIGHT_A = literal_column("'A'::\"char\"")
_WEIGHT_B = literal_column("'B'::\"char\"")


def configuration(language: str) -> str:
    return f"jit_{languages.LANGUAGES.get(language, 'simple')}"


def plain_configuration(language: str) -> str:
    """The configuration that stems words with their accents ("-ación"), folding none."""
    name = languages.LANGUAGES.get(language, "simple")
    return "simple" if name == "simple" else f"jit_{name}_accented"


# Each document holds its words folded-then-stemmed (jit_*) and stemmed as written
# (jit_*_accented), since unaccent runs before the stemmer and hides accented
# suffixes from it; a query word is looked up both ways in every language. None of
# them drops stop words, so a phrase or NOT keeps every word in every language.
CONFIGURATIONS = [
    *(f"jit_{name}" for name in dict.fromkeys(languages.LANGUAGES.values())),
    *(plain_configuration(code) for code in languages.STEMMED),
]


def _regconfig(name: str):
    """A configuration as a constant of the statement (``'jit_dutch'::regconfig``).

    Not a bound parameter cast to regconfig: that cast (a name looked up on the search
    path) is only stable, so PostgreSQL would not fold ``websearch_to_tsquery(config,
    text)`` into a constant; it evaluated it again for every row, in a sequential scan,
    instead of searching the GIN index (benchmarks/search). The names are ours
    (:data:`CONFIGURATIONS`), never the user's.
    """
    if not _CONFIGURATION_NAME.fullmatch(name):
        raise ValueError(f"not a text search configuration name: {name!r}")
    return literal_column(f"'{name}'::regconfig", REGCONFIG)


def _words_only(text: str) -> str:
    return " ".join(languages.WORD.findall(text))


def _weighted(config, plain, text, weight):
    vector = func.to_tsvector(config, text).op("||")(func.to_tsvector(plain, text))
    return func.setweight(vector, weight)


def _in_every_language(text: str):
    """``text`` parsed by ``websearch_to_tsquery`` in every configuration, ORed, as a constant.

    The fifteen readings are mostly the same (a name, a number, a word no stemmer
    changes), so they are parsed in one round trip and only the distinct ones are ORed:
    a phrase is then matched, ranked and highlighted once or twice a row, not fifteen
    times. The result is a tsquery literal, which PostgreSQL plans as the constant it is.
    """
    known = db.session.info.setdefault("search_readings", {})  # this query's, by text
    if text in known:
        return known[text]
    configurations = ", ".join(f"'{name}'" for name in CONFIGURATIONS)
    config = literal_column(f"unnest(ARRAY[{configurations}]::regconfig[])").label("config")
    parsed = select(config).subquery()
    readings = db.session.scalars(
        select(cast(func.websearch_to_tsquery(parsed.c.config, text), Text)).distinct()
    )
    alternatives = sorted(reading for reading in readings if reading)
    # Stop words or signs only read as the empty query, which matches nothing.
    combined = " | ".join(f"( {reading} )" for reading in alternatives)
    known[text] = cast(literal(combined), TSQUERY)
    return known[text]


def _row(document: Document) -> dict:
    """A document's row of ``search_documents``, and the words its ``tsv`` is made of."""
    title = highlight.clean(document.title)
    body = highlight.clean(document.body)[:MAX_BODY_CHARS]
    return {
        "uid": document.uid,
        "team_id": document.team_id,
        "kind": document.kind,
        "object_id": document.object_id,
        "ref": document.ref,
        "title": title,
        "body": body,
        "party": document.party.upper(),
        "readers": list(document.readers),
        "identifiers": list(document.identifiers),
        "handling_code": document.handling_code.upper(),
        "exhibit": document.exhibit.upper(),
        "evidence_type": document.evidence_type,
        "language": document.language,
        "occurred_at": document.occurred_at,
        "month": document.occurred_at.strftime("%Y-%m"),
        "digest": digest(document),
        # Words only, as the Whoosh tokenizer sees them: PostgreSQL's parser would keep
        # "rotterdam.txt" or "a@b.nl" whole, and a query for "rotterdam" would miss it.
        "title_words": _words_only(title),
        "body_words": _words_only(body[:MAX_TSV_CHARS]),
    }


# Every column but ``tsv``, which PostgreSQL makes from the words (a column added to the
# table and not to _row() fails loudly, at the first write).
_ROW_COLUMNS = tuple(column.name for column in D.__table__.columns if column.name != "tsv")


@functools.cache
def _upsert_statement(config_name: str, plain_name: str):
    """INSERT … ON CONFLICT (uid) DO UPDATE of :func:`_row`'s rows for one language's
    configurations, ``tsv`` made by PostgreSQL from the rows' ``title_words`` and
    ``body_words``. Built once per pair (at most one per language) and kept."""
    config, plain = _regconfig(config_name), _regconfig(plain_name)
    table = D.__table__
    tsv = _weighted(config, plain, bindparam("title_words", type_=Text), _WEIGHT_A).op("||")(
        _weighted(config, plain, bindparam("body_words", type_=Text), _WEIGHT_B)
    )
    values = {name: bindparam(name, type_=table.c[name].type) for name in _ROW_COLUMNS}
    statement = postgresql.insert(table).values(**values, tsv=tsv)
    update = {name: statement.excluded[name] for name in [*_ROW_COLUMNS, "tsv"] if name != "uid"}
    return statement.on_conflict_do_update(index_elements=[table.c.uid], set_=update)


class PostgresBackend:
    name = "postgresql"

    # --- the writer's side ---------------------------------------------------------

    def apply(self, team_id: int, upserts: list[Document], deletes: list[str]) -> None:
        if deletes:
            db.session.execute(delete(D).where(D.uid.in_(deletes)))
        if upserts:
            self._upsert(upserts)
            self._add_words([document.uid for document in upserts])

    def _add_words(self, uids: list[str]) -> None:
        """Add the lexemes of the documents just written to their team's vocabulary.

        Read back from the rows' ``tsv``, so the vocabulary holds exactly what a
        document's words were indexed as (each language's folded and accented stems),
        the words ``ts_stat`` listed before. Words are never removed here: a deleted
        document's words stay candidates until ``clear_team`` (reindex).
        """
        lexeme = _lexemes_of_row()
        words = (
            select(D.team_id, lexeme.c.lexeme, func.char_length(lexeme.c.lexeme))
            .select_from(D)
            .join(lexeme, true())
            .where(D.uid.in_(uids), D.tsv.is_not(None))
            .distinct()
        )
        statement = postgresql.insert(V).from_select(["team_id", "word", "length"], words)
        db.session.execute(statement.on_conflict_do_nothing(index_elements=[V.team_id, V.word]))

    def _upsert(self, documents: list[Document]) -> None:
        """Write the documents: one statement per pair of configurations, each executed
        once for all of its rows.

        A statement built for each document cost the writer more than PostgreSQL's work
        did (SQLAlchemy making its ``excluded`` columns and cache key: 3 of a chat
        message's 4.5 ms, benchmarks/search); the statements are now built once per
        process (:func:`_upsert_statement`) and their rows sent together.
        """
        rows: dict[tuple[str, str], list[dict]] = {}
        for document in documents:
            pair = (configuration(document.language), plain_configuration(document.language))
            rows.setdefault(pair, []).append(_row(document))
        # The driver runs the statement once per row, in order: a document given twice
        # ends as its last version (tests/search/test_postgresql_writes.py).
        for (config, plain), pair_rows in sorted(rows.items()):
            db.session.execute(_upsert_statement(config, plain), pair_rows)

    def delete_everywhere(self, uids: list[str]) -> None:
        self.apply(0, [], uids)

    def clear_team(self, team_id: int) -> None:
        db.session.execute(delete(D).where(D.team_id == team_id))
        db.session.execute(delete(V).where(V.team_id == team_id))

    def missing_words(self, team_id: int) -> int:
        """How many lexemes of the team's documents its vocabulary lacks (``jit search check``).

        Reads every document of the team, as the fuzzy terms once did at each query: a
        check, not a search.
        """
        lexeme = _lexemes_of_row()
        held = select(V.word).where(V.team_id == team_id, V.word == lexeme.c.lexeme).exists()
        words = (
            select(lexeme.c.lexeme)
            .select_from(D)
            .join(lexeme, true())
            .where(D.team_id == team_id, ~held)
            .distinct()
            .subquery()
        )
        return db.session.scalar(select(func.count()).select_from(words)) or 0

    def tidy(self, stop=lambda: False) -> int:
        """Nothing to merge: PostgreSQL keeps its own indexes (autovacuum)."""
        return 0

    def optimize(self, team_id: int) -> None:
        """PostgreSQL merges GIN pending lists itself (autovacuum)."""

    def indexed(self, team_id: int) -> dict[str, str]:
        return dict(db.session.execute(select(D.uid, D.digest).where(D.team_id == team_id)).all())

    # --- the reader's side ---------------------------------------------------------

    def _tsquery(self, node):
        """The term as a tsquery: its readings in every language, ORed."""
        if isinstance(node, q.Prefix):
            words = [languages.fold(w) for w in languages.WORD.findall(node.text)]
            expression = " & ".join([*words[:-1], f"{words[-1]}:*"])
            return func.to_tsquery(_regconfig("jit_simple"), expression)
        words = languages.WORD.findall(node.text)
        # Several words (a phrase, or "NL-0007") must stand next to each other.
        text = f'"{" ".join(words)}"' if len(words) > 1 else " ".join(words)
        return _in_every_language(text)

    def _fuzzy(self, node, scopes):
        words = [languages.fold(w) for w in languages.WORD.findall(node.text)]
        conditions = []
        for word in words:
            near = self._words_near(scopes, word, node.fuzzy)
            alternatives = [word, *near[:MAX_FUZZY_CANDIDATES]]
            expression = " | ".join(alternatives)
            conditions.append(
                D.tsv.bool_op("@@")(func.to_tsquery(_regconfig("jit_simple"), expression))
            )
        return and_(*conditions) if conditions else false()

    def compile(self, node, scopes):
        """Turn a parsed query tree into a SQL condition on search_documents."""
        if isinstance(node, q.Everything):
            return true()
        if isinstance(node, q.And):
            return and_(*(self.compile(child, scopes) for child in node.children))
        if isinstance(node, q.Or):
            return or_(*(self.compile(child, scopes) for child in node.children))
        if isinstance(node, q.Not):
            return not_(self.compile(node.child, scopes))
        if isinstance(node, q.Field):
            value = (
                node.value.upper()
                if node.name in ("party", "exhibit", "code")
                else (node.value.lower())
            )
            return _FILTER_COLUMNS[node.name] == value
        if isinstance(node, q.Identifier):
            if "?" in node.token:  # a partly legible serial: ? stands for one character
                pattern = node.token.replace("_", "\\_").replace("%", "\\%").replace("?", "_")
                token = func.unnest(D.identifiers).column_valued("token")
                return select(1).where(token.like(pattern)).exists()
            return D.identifiers.bool_op("@>")(
                cast(postgresql.array([node.token]), postgresql.ARRAY(Text))
            )
        if isinstance(node, q.IdentifierType):
            token = func.unnest(D.identifiers).column_valued("token")
            return select(1).where(token.startswith(f"{node.name}:", autoescape=True)).exists()
        if isinstance(node, q.DateRange):
            conditions = []
            if node.start:
                conditions.append(D.occurred_at >= node.start)
            if node.end:
                conditions.append(D.occurred_at < node.end)
            return and_(*conditions)
        if isinstance(node, q.Word) and node.fuzzy:
            return self._fuzzy(node, scopes)
        if not languages.WORD.search(node.text):
            return false()
        return D.tsv.bool_op("@@")(self._tsquery(node))

    def _allowed(self, scopes: list[Scope]):
        conditions = [
            and_(
                D.team_id == scope.team_id,
                D.readers.bool_op("&&")(
                    cast(postgresql.array(sorted(scope.tokens)), postgresql.ARRAY(Text))
                ),
            )
            for scope in scopes
            if scope.tokens
        ]
        return or_(*conditions) if conditions else false()

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
        db.session.info["search_readings"] = {}  # each term parsed once per query
        condition = and_(self._allowed(scopes), self.compile(tree, scopes))
        terms = [
            term
            for term in q.positive_terms(tree)
            if not (isinstance(term, q.Word) and term.fuzzy) and languages.WORD.search(term.text)
        ]
        ranked = _either([self._tsquery(term) for term in terms])
        by_date = sort == "date"
        rescored = ranked is not None and not by_date
        # Every match gets ts_rank (cheap: how often the words occur, by weight), and the
        # first RESCORE_WINDOW of them are put in order by ts_rank_cd (see _rescored_page).
        # By date, no match needs a rank.
        rank = func.ts_rank(D.tsv, ranked) if rescored else literal(0.0)
        # The matches are read from the table once, into a materialised CTE that the
        # facets, the identifier types and the page are each counted or sorted from. As
        # three statements, each read the whole table again for a broad word (a
        # sequential scan: 130-190 ms each at 100,000 documents, benchmarks/search).
        matches = (
            select(
                *(column for column in _FACET_COLUMNS.values()),
                D.uid,
                D.identifiers,
                D.occurred_at,
                rank.label("rank"),
            )
            .where(condition)
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )
        start = (page - 1) * per_page
        if rescored:
            page_part = _rescored_page(matches, ranked, start, per_page)
        else:
            page_part = _plain_page(matches, by_date, start, per_page)
        parts = [_facet_part(matches), page_part]
        if identifier_types:
            parts.append(_identifier_part(matches, identifier_types))
        # For this transaction only: the matches of a broad word (some 10 MB at 100,000
        # documents) stay in memory, and no LLVM compilation (~20 ms) for a statement
        # that runs once.
        db.session.execute(
            select(func.set_config("work_mem", "32MB", True), func.set_config("jit", "off", True))
        )
        rows = db.session.execute(union_all(*parts)).all()

        results = Results()
        results.facets = {name: {} for name in _FACET_COLUMNS}
        if identifier_types:
            results.facets["idtype"] = {}
        placed: dict[str, tuple[int, float]] = {}
        for part, key, n, score in rows:
            if part == "page":
                placed[key] = (n, float(score or 0.0))
            elif key or part == "team":
                results.facets[part][key] = n
        results.per_team = {int(k): v for k, v in results.facets.pop("team").items()}
        results.total = sum(results.per_team.values())
        if placed:
            results.hits = self._hits(placed, terms, ranked is not None)
        return results

    def _hits(self, placed: dict[str, tuple[int, float]], terms, highlighted: bool) -> list[Hit]:
        """The page's rows (``placed``: uid -> (position, score)), with their fragments."""
        if highlighted:
            # The terms' distinct readings, as they matched: another language's stem
            # of a word can be the row's ("pistolen" is "pistol" in Dutch, and so is
            # an English row's "pistols"). The row's text is parsed in its language.
            readings = _either([self._tsquery(term) for term in terms])
            config = _configuration_of(D.language)
            fragment = func.ts_headline(config, D.body, readings, HEADLINE_OPTIONS)
        else:
            fragment = func.left(D.body, highlight.PLAIN_PREVIEW_CHARS)
        rows = db.session.execute(
            select(D, fragment.label("fragment")).where(D.uid.in_(list(placed)))
        ).all()
        hits = []
        for document, text in sorted(rows, key=lambda row: placed[row[0].uid][0]):
            hits.append(
                Hit(
                    uid=document.uid,
                    kind=document.kind,
                    object_id=document.object_id,
                    team_id=document.team_id,
                    title=document.title,
                    fragment=highlight.marked_fragment(text or "")
                    if highlighted
                    else highlight.preview(document.body or ""),
                    occurred_at=document.occurred_at,
                    party=document.party,
                    handling_code=document.handling_code,
                    exhibit=document.exhibit,
                    evidence_type=document.evidence_type,
                    ref=document.ref,
                    score=placed[document.uid][1],
                )
            )
        return hits

    def _words_near(self, scopes: list[Scope], word: str, distance: int) -> list[str]:
        """The scopes' vocabulary words within ``distance`` edits of ``word``, nearest first.

        The rule is ``highlight._distance`` (Levenshtein: insert, delete, substitute),
        which fuzzystrmatch's ``levenshtein_less_equal`` computes in the database; only
        the words whose length is within ``distance`` of the word's are read, from the
        (team_id, length, word) index. Ties are broken by the word, so the same data
        gives the same candidates.
        """
        team_ids = sorted({scope.team_id for scope in scopes})
        # PostgreSQL text cannot hold NUL, and no indexed word has one.
        if not team_ids or not word or "\x00" in word:
            return []
        length = len(word)
        band = and_(
            V.team_id.in_(team_ids),
            V.length.between(max(1, length - distance), length + distance),
        )
        if length + distance <= LEVENSHTEIN_MAX_CHARS:
            edits = func.levenshtein_less_equal(V.word, word, distance)
            rows = db.session.execute(
                select(V.word, func.min(edits).label("edits"))
                .where(band, edits <= distance)
                .group_by(V.word)
                .order_by("edits", V.word)
            ).all()
            return [candidate for candidate, _edits in rows]
        # Past fuzzystrmatch's limit (a word of some 250 characters): the same rule in
        # Python, over the words of that length band only.
        words = db.session.scalars(select(V.word).where(band).distinct())
        scored = sorted(
            (highlight._distance(word, candidate, distance), candidate) for candidate in words
        )
        return [candidate for edits, candidate in scored if edits <= distance]

    def vocabulary(self, scopes: list[Scope], word: str, limit: int = 5) -> list[str]:
        """Words within two edits of ``word`` ("did you mean"): nearest, then likest, first.

        Two edits, as Whoosh's corrector; before the vocabulary table this ranked every
        lexeme of the team with difflib, which read them all at each no-hit search.
        """
        folded = languages.fold(word)
        near = self._words_near(scopes, folded, SUGGESTION_DISTANCE)
        like = difflib.SequenceMatcher()
        like.set_seq2(folded)  # as difflib.get_close_matches compares

        def rank(candidate: str) -> tuple:
            like.set_seq1(candidate)
            edits = highlight._distance(folded, candidate, SUGGESTION_DISTANCE)
            return (edits, -like.ratio(), candidate)

        return sorted(near, key=rank)[:limit]


def _lexemes_of_row():
    """The lexemes of a search_documents row's ``tsv``, one per row (join it laterally)."""
    lexeme = func.unnest(func.tsvector_to_array(D.tsv)).table_valued("lexeme")
    return lexeme.render_derived(name="lexemes")


def _plain_page(matches, by_date: bool, start: int, per_page: int):
    """The page's rows, by date (or by nothing but uid): ("page", uid, n, rank) rows.

    The page is taken first (a top-N sort), then numbered: a window over all the
    matches would sort every one of them, on disk for a broad word.
    """
    if by_date:
        order = (matches.c.occurred_at.desc(), matches.c.uid)
    else:
        order = (matches.c.rank.desc(), matches.c.uid)
    top = select(matches.c.uid, matches.c.rank, matches.c.occurred_at)
    top = top.order_by(*order).limit(per_page).offset(start).subquery()
    top_order = (top.c.occurred_at.desc(), top.c.uid) if by_date else (top.c.rank.desc(), top.c.uid)
    return select(
        literal("page").label("part"),
        top.c.uid.label("key"),
        func.row_number().over(order_by=top_order).label("n"),
        top.c.rank.label("rank"),
    )


def _rescored_page(matches, ranked, start: int, per_page: int):
    """The page's rows by relevance: the first RESCORE_WINDOW matches by ``ts_rank``, in
    the order of ``ts_rank_cd`` (cover density: the words near one another), then the
    rest by ``ts_rank``.

    ``ts_rank_cd`` over every match took most of a broad or phrase query: a phrase with
    16,438 hits at 100,000 documents spent ~440 ms in it, against ~10 ms for ``ts_rank``
    (benchmarks/search, 2026-12-05). A search engine's rescoring window does the same:
    the costly order for the rows a person looks at, a cheap one to find them. The
    window does not depend on the page, so pages never overlap or skip a match.
    """
    window = RESCORE_WINDOW
    first = (
        select(matches.c.uid, matches.c.rank)
        .order_by(matches.c.rank.desc(), matches.c.uid)
        .limit(max(window, start + per_page))
        .subquery()
    )
    position = func.row_number().over(order_by=(first.c.rank.desc(), first.c.uid))
    numbered = select(first.c.uid, first.c.rank, position.label("position")).subquery()
    outside = numbered.c.position > window
    # Only the window's rows are joined to their tsvector and ranked again.
    score = case((outside, numbered.c.rank), else_=func.ts_rank_cd(D.tsv, ranked))
    scored = (
        select(numbered.c.uid, outside.label("outside"), score.label("score"))
        .select_from(numbered.outerjoin(D, and_(D.uid == numbered.c.uid, ~outside)))
        .subquery()
    )
    order = (scored.c.outside, scored.c.score.desc(), scored.c.uid)
    page_rows = (
        select(scored.c.uid, scored.c.outside, scored.c.score)
        .order_by(*order)
        .offset(start)
        .limit(per_page)
        .subquery()
    )
    return select(
        literal("page").label("part"),
        page_rows.c.uid.label("key"),
        func.row_number()
        .over(order_by=(page_rows.c.outside, page_rows.c.score.desc(), page_rows.c.uid))
        .label("n"),
        page_rows.c.score.label("rank"),
    )


def _facet_part(matches):
    """The facet counts of the matches, as (part, key, count, NULL) rows: one pass."""
    columns = [matches.c[column.key] for column in _FACET_COLUMNS.values()]
    part = case(
        *(
            (func.grouping(column) == 0, literal(name))
            for name, column in zip(_FACET_COLUMNS, columns, strict=True)
        )
    )
    key = case(*((func.grouping(column) == 0, cast(column, Text)) for column in columns))
    return select(
        part.label("part"), key.label("key"), func.count().label("n"), null().label("rank")
    ).group_by(func.grouping_sets(*(tuple_(column) for column in columns)))


def _identifier_part(matches, types):
    """How many matches hold at least one identifier of each type: (idtype, type, n, NULL).

    One pass over the matches' tokens, counting each document once per type (measured
    3-6 times faster than one EXISTS per type over 100,000 rows).
    """
    tokens = func.unnest(matches.c.identifiers).table_valued("token").render_derived(name="tokens")
    type_ = func.split_part(tokens.c.token, ":", 1)
    return (
        select(
            literal("idtype").label("part"),
            type_.label("key"),
            func.count(matches.c.uid.distinct()).label("n"),
            null().label("rank"),
        )
        .select_from(matches)
        .join(tokens, true())
        # Nine documents in ten hold no identifier: no unnest for them.
        .where(func.cardinality(matches.c.identifiers) > 0, type_.in_(types))
        .group_by(type_)
    )


def _either(queries: list):
    """OR tsqueries together; None for none."""
    if not queries:
        return None
    combined = queries[0]
    for part in queries[1:]:
        combined = combined.op("||", return_type=TSQUERY)(part)
    return combined


def _configuration_of(language_column):
    """The text search configuration of each row's language, as ``regconfig``."""
    cases = [(language_column == code, configuration(code)) for code in languages.LANGUAGES]
    return cast(case(*cases, else_=configuration("")), REGCONFIG)
