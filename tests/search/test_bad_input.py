"""Bad search input gets a clear message or an empty page, never a 500, and only an audit entry."""

import pytest
from sqlalchemy import func, select

from jit.audit.models import AuditEntry
from jit.extensions import db
from search.models import OutboxEntry

BAD = [
    ({"q": ""}, "Type the words to search for."),
    ({"q": "x" * 10_000}, "The query is too long"),
    ({"q": '"unbalanced quote'}, "A quotation mark is not closed"),
    ({"q": "(unbalanced"}, "A parenthesis is not closed"),
    ({"q": "unbalanced)"}, "A closing parenthesis has no opening one"),
    ({"q": "*"}, "before the * wildcard"),
    ({"q": "colour:blue"}, "There is no field colour:"),
    ({"q": "date:2026-05..2026-01"}, "The date range runs backwards"),
    ({"q": "date:2026-13"}, "is not a date that exists"),
    ({"q": "van", "page": "-1"}, "The page must be a whole number from 1."),
    ({"q": "van", "page": "abc"}, "The page must be a whole number from 1."),
    ({"q": "van", "page": "99999999999999999999"}, "Only the first"),
    # Beyond Python's 4,300-digit limit for int(): a ValueError, once a 500.
    ({"q": "van", "page": "9" * 5000}, "Only the first"),
    # Digits of another script pass str.isdigit() and int() but are not a page number.
    ({"q": "van", "page": "١٢٣"}, "The page must be a whole number from 1."),
    ({"q": "van", "sort": "price"}, "Sort by relevance or by date."),
    ({"q": "van", "kind": "<script>"}, "The kind filter is not a value that exists."),
    ({"q": "van AND"}, "The query ends where a word was expected"),
    ({"q": "OR van"}, "OR needs a word on each side."),
    ({"q": "medel*x*"}, "A wildcard may only end a word"),
    ({"q": "van~5"}, "A fuzzy term allows 1 or 2 typos"),
]


def _counts():
    return (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(~AuditEntry.operation.like("auth.%"))
        ),
        db.session.scalar(select(func.count()).select_from(OutboxEntry)),
    )


@pytest.mark.parametrize(("params", "message"), BAD)
def test_bad_input_gets_a_message(app, case, search_as, params, message):
    code = case.team.code
    audit_before, outbox_before = _counts()
    status, body = search_as(case.nl_member.user, team=code, **params)
    assert status == 400
    assert message in body["error"]
    audit_after, outbox_after = _counts()
    assert outbox_after == outbox_before  # nothing written but (at most) the audit entry
    assert audit_after - audit_before <= 1

    from tests.conftest import Auth

    page = app.test_client()
    Auth(page).login(case.nl_member.user)
    response = page.get(f"/t/{code}/search", query_string=params)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="search-error"' in html
    assert "<script>" not in html.split('id="search-error"')[1].split("</div>")[0]


def test_a_page_past_the_end_is_an_empty_page(app, case, make_item, index, search_as):
    make_item(case.nl_member, title="Ledger", description="van")
    index()
    status, body = search_as(case.nl_member.user, "van", team=case.team.code, page="7")
    assert status == 200
    assert body["hits"] == []
    assert body["total"] == 1

    from tests.conftest import Auth

    page = app.test_client()
    Auth(page).login(case.nl_member.user)
    html = page.get(f"/t/{case.team.code}/search?q=van&page=7").get_data(as_text=True)
    assert "There is no page 7" in html


def test_a_search_is_recorded_as_a_read_with_its_count(app, case, make_item, index, search_as):
    make_item(case.nl_member, title="Ledger", description="Kingfisher")
    index()
    search_as(case.nl_member.user, "kingfisher", team=case.team.code)
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.operation == "search.query")
        .order_by(AuditEntry.id.desc())
    )
    assert entry.team_id == case.team.id
    assert entry.user_id == case.nl_member.user.id
    assert entry.new_values["query"] == "kingfisher"
    assert entry.new_values["results"] == 1


def test_the_cross_team_search_without_teams_is_empty(app, make_user, search_as):
    loner = make_user()
    status, body = search_as(loner, "anything")
    assert status == 200
    assert body["total"] == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # The day after 9999-12-31 is no date Python holds: once a 500 on every route.
        ("date:9999", "Search dates run from 1900 to 2100"),
        ("date:9999-12-31", "Search dates run from 1900 to 2100"),
        ("date:..9999-12-31", "Search dates run from 1900 to 2100"),
        ("date:2026..9999", "Search dates run from 1900 to 2100"),
        ("date:0001..2026", "Search dates run from 1900 to 2100"),
        # Digits of another script that int() reads: not a date as the help writes it.
        ("date:٢٠٢٦", "is not a date: write 2026"),
        ("sent:٢٠٢٦-٠٢", "sent: takes a date"),
    ],
)
def test_dates_out_of_range_get_a_message_on_every_search_route(app, case, query, message):
    from tests.conftest import Auth

    client = app.test_client()
    Auth(client).login(case.nl_member.user)
    code = case.team.code
    for url in (f"/t/{code}/search.json", "/search.json"):
        response = client.get(url, query_string={"q": query})
        assert response.status_code == 400, url
        assert message in response.get_json()["error"], url
    for url in (f"/t/{code}/search", "/search"):
        response = client.get(url, query_string={"q": query})
        assert response.status_code == 400, url
        assert message in response.get_data(as_text=True), url
