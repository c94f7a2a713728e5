"""PostgreSQL orders a relevance page by ts_rank_cd, computed for the first matches only.

Every match is ranked with ``ts_rank``; the first ``RESCORE_WINDOW`` of them are put in
the order of ``ts_rank_cd`` (cover density), then the rest follow by ``ts_rank``. The
two disagree: for PHRASE, ``ts_rank`` puts a text with many scattered "van"s
and "searched"s first, cover density the one where the two words stand together twice.
"""

import pytest
from sqlalchemy import func, select

from jit.extensions import db
from search import query as q
from search.backends import Scope, get_backend
from search.backends import postgresql as pg
from search.models import SearchDocument
from tests.conftest import _backends
from tests.search.conftest import message_document


@pytest.fixture(params=[name for name in _backends() if name == "postgresql"])
def db_backend(request) -> str:
    return request.param


TEXTS = {
    "once": "At the border the van was searched by customs; nothing was in the cargo hold.",
    "twice": "The van was searched. Then the van was searched again.",
    "thrice": "The van was searched, the van was searched, the van was searched.",
    "jumbled": "The van was searched. Searched was the van; was it searched, the van? Van, was, "
    "searched.",
    "apart": "Searched: the warehouse. Seen: a white van that was empty.",
}
PHRASE = '"van was searched"'


@pytest.fixture
def indexed(app, case):
    documents = [
        message_document(number, text, case.team.id)
        for number, text in enumerate(TEXTS.values(), start=1)
    ]
    get_backend(app).apply(case.team.id, documents, [])
    db.session.commit()
    names = {f"message:{number}": name for number, name in enumerate(TEXTS, start=1)}
    return names


def _page(app, case, words, page, per_page):
    scope = [Scope(case.team.id, case.team.code, frozenset({"team"}))]
    tree = q.parse(words)
    return get_backend(app).query(scope, tree, sort="relevance", page=page, per_page=per_page)


def _ranks(app, words):
    """Each match's ts_rank and ts_rank_cd for ``words``, as the backend's query has them."""
    backend = get_backend(app)
    tsquery = pg._either([backend._tsquery(term) for term in q.positive_terms(q.parse(words))])
    rows = db.session.execute(
        select(
            SearchDocument.uid,
            func.ts_rank(SearchDocument.tsv, tsquery),
            func.ts_rank_cd(SearchDocument.tsv, tsquery),
        ).where(SearchDocument.tsv.bool_op("@@")(tsquery))
    ).all()
    return {uid: (rank, density) for uid, rank, density in rows}


def test_the_page_is_in_the_order_of_cover_density(app, case, indexed):
    found = _page(app, case, PHRASE, page=1, per_page=10)
    order = [indexed[hit.uid] for hit in found.hits]
    assert found.total == 4
    # ts_rank alone would put "jumbled" (the words often, near, but not as the phrase) first.
    ranks = _ranks(app, PHRASE)
    by_rank = sorted(ranks, key=lambda uid: (-ranks[uid][0], uid))
    assert [indexed[uid] for uid in by_rank][:2] == ["jumbled", "thrice"]
    assert order.index("thrice") < order.index("jumbled")
    assert order == [indexed[uid] for uid in sorted(ranks, key=lambda uid: (-ranks[uid][1], uid))]
    assert [hit.score for hit in found.hits] == pytest.approx(
        sorted((density for _, density in ranks.values()), reverse=True)
    )


@pytest.mark.parametrize("per_page", [1, 2, 3])
def test_pages_across_the_window_hold_every_match_once(app, case, indexed, monkeypatch, per_page):
    monkeypatch.setattr(pg, "RESCORE_WINDOW", 2)
    ranks = _ranks(app, PHRASE)
    by_rank = sorted(ranks, key=lambda uid: (-ranks[uid][0], uid))
    window, rest = by_rank[:2], by_rank[2:]
    expected = sorted(window, key=lambda uid: (-ranks[uid][1], uid)) + rest

    seen = []
    for page in range(1, 6):
        found = _page(app, case, PHRASE, page=page, per_page=per_page)
        assert found.total == 4
        seen.extend(hit.uid for hit in found.hits)
    assert seen == expected
    assert [indexed[uid] for uid in expected[:2]] == ["thrice", "jumbled"]


def test_a_date_order_ranks_nothing(app, case, indexed):
    scope = [Scope(case.team.id, case.team.code, frozenset({"team"}))]
    found = get_backend(app).query(scope, q.parse(PHRASE), sort="date", page=1, per_page=10)
    assert found.total == 4
    matched = sorted(uid for uid, name in indexed.items() if name != "apart")
    assert [hit.uid for hit in found.hits] == matched  # the same date: by uid
