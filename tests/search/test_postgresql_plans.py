"""PostgreSQL plans a search's words as one constant query, and reads the matches once.

A query word is read in every language's configuration. Built as a bound parameter
cast to ``regconfig`` (a stable cast), PostgreSQL could not fold the readings into a
constant: it parsed the word fifteen times for every row of the team, in a sequential
scan (benchmarks/search: 80 ms of 100 for "rotterdam" at 2,000 documents).
"""

import pytest
from sqlalchemy import Text, cast, event, select, text

from jit.extensions import db
from tests.conftest import _backends


@pytest.fixture(params=[name for name in _backends() if name == "postgresql"])
def db_backend(request) -> str:
    return request.param


def _statements_of(app, search):
    """Run ``search()``; return the SELECTs it sent to search_documents, with parameters."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM search_documents" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        search()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return sent


def _plan(statement, parameters) -> str:
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("EXPLAIN (VERBOSE) " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())
    finally:
        connection.close()


@pytest.mark.parametrize("words", ["rotterdam", '"the van was searched"', "grenze OR border"])
def test_the_words_are_planned_as_a_constant_query(app, case, make_item, index, search_as, words):
    make_item(case.nl_member, title="Rotterdam", description="The van was searched at the border.")
    index()
    sent = _statements_of(app, lambda: search_as(case.nl_member.user, words, team=case.team.code))
    plans = [_plan(statement, parameters) for statement, parameters in sent]
    lines = [line for plan in plans for line in plan.splitlines()]
    # Where rows are matched and ranked. (The page's fragments still read the words in
    # each row's own language: ten rows, not all.)
    matched = [line for line in lines if "@@" in line]
    ranked = [line for line in lines if "ts_rank_cd" in line]
    assert matched
    assert ranked
    for line in matched + ranked:
        assert "websearch_to_tsquery" not in line, line
    # The matches are read from the table once, for the facets, the identifier types,
    # the total and the page alike.
    assert len(matched) == 1, plans
    _status, body = search_as(case.nl_member.user, words, team=case.team.code)
    assert "item" in [hit["kind"] for hit in body["hits"]], body


def test_each_distinct_reading_of_a_word_is_ored_once(app):
    from search.backends.postgresql import CONFIGURATIONS, _in_every_language

    with app.test_request_context():
        name = db.session.scalar(select(cast(_in_every_language("Zagreb"), Text)))
        searched = db.session.scalar(select(cast(_in_every_language("searched"), Text)))
        every = db.session.scalars(
            text(
                "SELECT DISTINCT websearch_to_tsquery(c::regconfig, 'searched')::text "
                "FROM unnest(CAST(:names AS text[])) AS c"
            ),
            {"names": CONFIGURATIONS},
        ).all()
    assert name == "'zagreb'"  # the same in all fifteen configurations
    assert 1 < len(every) < len(CONFIGURATIONS)
    assert sorted(part.strip("( )") for part in searched.split(" | ")) == sorted(
        part.strip("( )") for part in every
    )
