"""Whoosh queries on kept searchers: the same answers as a search collecting every match.

A query counts its matches unscored (bit masks of each segment's documents, kept
between queries) and scores only for the page; searchers stay open between queries
and are replaced when the index has a newer generation (benchmarks/search/README.md).
"""

from datetime import UTC, datetime, timedelta

import pytest
from whoosh import collectors, query, sorting

from search import query as q
from search.backends import Scope
from search.backends import whoosh as backend
from search.registry import Document

WORDS = ["courier", "harbour", "border", "pistol", "van", "night"]
PARTIES = ["NL", "DE", "HR"]
READERS = [("team",), ("party:nl",), ("team", "item:x"), ("party:de", "leaders")]
IDENTIFIERS = [(), ("phone:+31612345678",), ("iban:NL91ABNA0417164300", "phone:+385912345678")]
TYPES = ("phone", "iban", "email")


def _document(number: int) -> Document:
    # Bodies repeat in a cycle of six, so many documents score alike (ties), and the
    # reader tokens, parties and identifiers cycle at other lengths.
    words = [WORDS[(number + i) % len(WORDS)] for i in range(number % 3 + 1)]
    return Document(
        kind="item" if number % 2 else "message",
        object_id=number,
        team_id=1,
        title=f"Report {number % 4}",
        body=" ".join(words + ["the van was searched"] * (number % 2)),
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=number % 40),
        readers=READERS[number % len(READERS)],
        party=PARTIES[number % len(PARTIES)],
        handling_code=f"H{number % 2}",
        language="en" if number % 5 else "de",
        identifiers=IDENTIFIERS[number % len(IDENTIFIERS)],
    )


@pytest.fixture
def whoosh(tmp_path):
    index = backend.WhooshBackend(tmp_path)
    documents = [_document(number) for number in range(1, 121)]
    for first in range(0, len(documents), 30):  # four commits: several segments
        index.apply(1, documents[first : first + 30], [])
    index.apply(1, [], [f"item:{n}" for n in (3, 15, 27)])  # deletions in old segments
    return index


def _reference(whoosh, tokens, tree, sort, page, per_page):
    """What the search answered before: one Whoosh search collecting every match,
    faceted and scored, the reader tokens ANDed into the query; ties at the page's
    edge by uid (as search/backends/whoosh.py did up to 5eee26d)."""
    ix = whoosh._open(1, create=False)
    wanted = page * per_page
    with ix.searcher() as searcher:
        allowed = query.Or([query.Term("readers", token) for token in sorted(tokens)])
        compiled = query.And([whoosh.compile(tree, searcher.schema), allowed])
        facets = {
            name: sorting.FieldFacet(field, maptype=sorting.Count)
            for name, field in backend._FACET_FIELDS.items()
        }
        options = {"limit": wanted, "groupedby": facets}
        if sort == "date":
            options.update(sortedby="occurred_at", reverse=True)
        found = searcher.search(compiled, **options)
        counts = {name: dict(found.groups(name)) for name in facets}
        matched = found.docs()
        counts["idtype"] = {}
        for name in TYPES:
            held = matched & set(searcher.docs_for_query(query.Term("identifier_types", name)))
            if held:
                counts["idtype"][name] = len(held)
        hits = [(hit["uid"], hit.score) for hit in found]
        if sort == "date":
            hits = hits[:wanted]
        else:
            hits.sort(key=lambda hit: (-hit[1], hit[0]))
            hits = hits[:wanted]
        return len(found), counts, hits[(page - 1) * per_page :]


QUERIES = [
    "courier",
    "van",
    '"the van was searched"',
    "cour*",
    "curier~",
    "courier -harbour",
    "harbour OR border",
    "party:NL",
    "kind:message van",
    "NOT van",
    "has:phone",
    "date:2026-01-05..2026-01-20 night",
]


@pytest.mark.parametrize("text", QUERIES)
def test_totals_facets_and_pages_are_those_of_one_search_of_every_match(whoosh, text):
    fields = {"phone": lambda value: value}  # has:phone needs the type known
    for tokens in [{"team"}, {"party:nl"}, {"team", "leaders", "party:de"}, {"item:x"}]:
        scope = [Scope(1, "T", frozenset(tokens))]
        for sort in ("relevance", "date"):
            for page in (1, 2, 3):
                tree = q.parse(text, identifiers=fields)
                found = whoosh.query(
                    scope, tree, sort=sort, page=page, per_page=7, identifier_types=TYPES
                )
                total, counts, hits = _reference(whoosh, tokens, tree, sort, page, 7)
                assert found.total == total
                facets = {name: {v: n for v, n in c.items() if v} for name, c in counts.items()}
                assert {name: found.facets.get(name, {}) for name in facets} == facets
                assert [(hit.uid, hit.score) for hit in found.hits] == hits


def test_a_reader_never_counts_what_their_tokens_do_not_open(whoosh):
    everything = whoosh.query(
        [Scope(1, "T", frozenset({"team", "party:nl", "party:de", "leaders", "item:x"}))],
        q.parse("van"), sort="relevance", page=1, per_page=50, identifier_types=TYPES,
    )  # fmt: skip
    # Asked after the wider set, whose masks are kept: the narrower one's own count.
    narrow = whoosh.query(
        [Scope(1, "T", frozenset({"party:nl"}))],
        q.parse("van"), sort="relevance", page=1, per_page=50, identifier_types=TYPES,
    )  # fmt: skip
    opened = {d.uid for d in map(_document, range(1, 121)) if "party:nl" in d.readers}
    van = {d.uid for d in map(_document, range(1, 121)) if "van" in d.body}
    deleted = {"item:3", "item:15", "item:27"}
    assert {hit.uid for hit in narrow.hits} == (opened & van) - deleted
    assert narrow.total == len((opened & van) - deleted) < everything.total
    assert sum(narrow.facets["party"].values()) == narrow.total
    assert narrow.facets["idtype"] == {
        name: count
        for name in TYPES
        if (
            count := sum(
                1
                for uid in (opened & van) - deleted
                if any(
                    token.startswith(name + ":")
                    for token in _document(int(uid.split(":")[1])).identifiers
                )
            )
        )
    }


def test_facets_are_counted_from_kept_masks_not_by_a_collector_per_match(whoosh, monkeypatch):
    def no_faceting(*_args, **_kwargs):
        raise AssertionError("Whoosh faceted every match")

    monkeypatch.setattr(collectors.FacetCollector, "__init__", no_faceting)
    found = whoosh.query(
        [Scope(1, "T", frozenset({"team"}))], q.parse("van"), sort="relevance", page=1,
        per_page=5,
    )  # fmt: skip
    assert found.total
    assert found.facets["kind"]


def _searchers_opened(monkeypatch) -> list:
    opened = []
    real = backend._searcher

    def counting(ix):
        opened.append(ix)
        return real(ix)

    monkeypatch.setattr(backend, "_searcher", counting)
    return opened


def _courier(whoosh, tokens=("team",)) -> int:
    scope = [Scope(1, "T", frozenset(tokens))]
    return whoosh.query(scope, q.parse("courier"), sort="relevance", page=1, per_page=5).total


def test_a_searcher_is_kept_and_a_commit_after_it_opened_is_seen(whoosh, monkeypatch):
    opened = _searchers_opened(monkeypatch)
    before = _courier(whoosh)
    assert _courier(whoosh) == before
    assert len(opened) == 1  # the second query took the kept searcher
    added = _document(1008)
    assert "courier" in added.body
    assert added.readers == ("team",)
    whoosh.apply(1, [added], [])
    assert _courier(whoosh) == before + 1
    assert len(opened) == 2  # the newer generation got a searcher of its own
    whoosh.apply(1, [], [added.uid])
    assert _courier(whoosh) == before


def test_a_rebuilt_index_at_the_same_generation_is_not_read_from_the_kept_searcher(tmp_path):
    whoosh = backend.WhooshBackend(tmp_path)
    whoosh.apply(1, [_document(n) for n in range(1, 31)], [])
    before = _courier(whoosh)
    assert before > 0
    # `jit search reindex` starts afresh: the new index's first commit has the same
    # generation number as the old one's, and no document with "courier".
    whoosh.clear_team(1)
    whoosh.apply(1, [_document(n) for n in range(1, 31) if "courier" not in _document(n).body], [])
    assert _courier(whoosh) == 0


def test_a_kept_searcher_that_meets_a_removed_file_is_replaced(whoosh, monkeypatch):
    before = _courier(whoosh)
    real = backend.WhooshBackend._query_team
    failed = []

    def once_gone(self, *args):
        if not failed:
            failed.append(True)
            raise FileNotFoundError("MAIN_segment.seg")
        return real(self, *args)

    monkeypatch.setattr(backend.WhooshBackend, "_query_team", once_gone)
    assert _courier(whoosh) == before
    assert failed == [True]


def test_kept_searchers_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(backend, "IDLE_SEARCHERS", 2)
    whoosh = backend.WhooshBackend(tmp_path)
    for team in (1, 2, 3):
        whoosh.apply(team, [_document(2)], [])
    for team in (1, 2, 3):
        scope = [Scope(team, "T", frozenset({"party:nl", "team"}))]
        whoosh.query(scope, q.parse("van"), sort="relevance", page=1, per_page=5)
    assert len(whoosh._idle) == 2
    assert [entry[0].name for entry in whoosh._idle] == ["team-2", "team-3"]


@pytest.fixture(scope="module")
def large_whoosh(tmp_path_factory):
    """Segments of more documents than Whoosh's array union reads at once (2,048)."""
    index = backend.WhooshBackend(tmp_path_factory.mktemp("large"))
    documents = [_document(number) for number in range(1, 5001)]
    for first in range(0, len(documents), 2500):
        index.apply(1, documents[first : first + 2500], [])
    assert index.segment_counts(1) == [2500, 2500]
    return index


@pytest.mark.parametrize("text", ["courier", "van", "pistol"])
def test_a_word_alone_scores_as_one_search_of_every_match(large_whoosh, text):
    """A lone word is answered with Whoosh's array union (PreloadedOr): the same totals,
    facets, hits and scores as the tree of unions the reference search uses."""
    for tokens in [{"team"}, {"party:de", "leaders"}]:
        scope = [Scope(1, "T", frozenset(tokens))]
        for page in (1, 4):
            tree = q.parse(text)
            found = large_whoosh.query(
                scope, tree, sort="relevance", page=page, per_page=10, identifier_types=TYPES
            )
            total, _counts, hits = _reference(large_whoosh, tokens, tree, "relevance", page, 10)
            assert found.total == total
            assert total > 100
            assert [(hit.uid, hit.score) for hit in found.hits] == hits
