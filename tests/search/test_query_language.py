"""The query language works the same on both backends."""

from datetime import UTC, datetime

import pytest

from search import query as q


@pytest.fixture
def corpus(case, make_item, chat, index):
    make_item(
        case.nl_member,
        title="Harbour surveillance",
        description="The blue van left the container terminal at night",
        collected_at=datetime(2026, 1, 10, 8, 0, tzinfo=UTC),
    )
    make_item(
        case.de_member,
        title="Bank statement",
        description="Transfers to the container company in Hamburg",
        item_type="financial-record",
        handling_code="H2",
        collected_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
    )
    make_item(
        case.nl_member,
        title="Phone extraction",
        description="Messages about a red van and cocaine",
        item_type="device-image",
        collected_at=datetime(2026, 5, 20, 8, 0, tzinfo=UTC),
    )
    chat.post(case.de_member, "The container is late again")
    index()
    return case


def _titles(search_as, case, text, **params):
    status, body = search_as(case.nl_leader.user, text, team=case.team.code, **params)
    assert status == 200, body
    return sorted(
        hit["title"].split(" ", 1)[1] if hit["kind"] == "item" else hit["kind"]
        for hit in body["hits"]
        if hit["kind"] in ("item", "message")
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("van", ["Harbour surveillance", "Phone extraction"]),
        ("blue van", ["Harbour surveillance"]),
        ('"red van"', ["Phone extraction"]),
        ('"van red"', []),
        ("blue OR hamburg", ["Bank statement", "Harbour surveillance"]),
        ("van NOT blue", ["Phone extraction"]),
        ("van -blue", ["Phone extraction"]),
        ("(blue OR red) AND cocaine", ["Phone extraction"]),
        ("contain*", ["Bank statement", "Harbour surveillance", "message"]),
        ("hamburk~", ["Bank statement"]),
        ("container party:DE", ["Bank statement", "message"]),
        ("container kind:message", ["message"]),
        ("container code:H2", ["Bank statement"]),
        ("type:financial-record", ["Bank statement"]),
        ("exhibit:NL-0002", ["Phone extraction"]),
        ("van date:2026-05", ["Phone extraction"]),
        ("date:2026-01-01..2026-03-31 kind:item", ["Bank statement", "Harbour surveillance"]),
        ("date:..2026-02 kind:item", ["Harbour surveillance"]),
    ],
)
def test_query_syntax(app, corpus, search_as, text, expected):
    assert _titles(search_as, corpus, text) == expected


def test_filters_from_facet_links_narrow_the_query(app, corpus, search_as):
    assert _titles(search_as, corpus, "container", kind="item") == [
        "Bank statement",
        "Harbour surveillance",
    ]
    assert _titles(search_as, corpus, "container", party="DE", kind="item") == ["Bank statement"]


def test_sort_by_date_puts_the_newest_first(app, corpus, search_as):
    _status, body = search_as(
        corpus.nl_leader.user, "kind:item", team=corpus.team.code, sort="date"
    )
    dates = [hit["occurred_at"] for hit in body["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert len(dates) == 3


def test_facets_count_every_match_not_only_the_page(app, corpus, search_as):
    _status, body = search_as(corpus.nl_leader.user, "container", team=corpus.team.code)
    assert body["facets"]["kind"] == {"item": 2, "message": 1}
    assert body["facets"]["month"]["2026-01"] == 1
    assert body["total"] == 3


def test_the_parser_reads_nested_groups():
    tree = q.parse('(a OR "b c") -d party:NL')
    assert tree == q.And(
        (
            q.Or((q.Word("a"), q.Phrase("b c"))),
            q.Not(q.Word("d")),
            q.Field("party", "NL"),
        )
    )
