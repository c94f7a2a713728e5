"""Bad input to the core's pages is a 404 or a form error with a message, never a 500."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.routing import Map, Rule

from jit.extensions import db
from jit.inputs import (
    DB_INT_MAX,
    BoundedIntegerConverter,
    parse_bounded_int,
    parse_plain_int,
    safe_local_path,
)
from jit.teams.models import Team

HUGE = [str(2**63), str(2**64), str(10**30), "9" * 5000, str(2**31)]


@pytest.mark.parametrize("number", HUGE)
def test_an_integer_beyond_the_database_in_a_path_is_a_404(app, client, auth, make_user, number):
    admin = make_user(is_platform_admin=True)
    auth.login(admin)
    response = client.post(f"/admin/users/{number}/disable")
    assert response.status_code == 404


def test_the_int_converter_is_bounded_for_every_rule(app):
    bounded = [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, BoundedIntegerConverter) for c in rule._converters.values())
    ]
    plain_int = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "<int:" in rule.rule and rule not in bounded
    ]
    assert bounded
    assert not plain_int


@pytest.mark.parametrize("page", [*HUGE, "-1", "abc", "١٢"])
def test_a_query_integer_out_of_range_is_ignored_with_a_message(app, client, auth, make_user, page):
    admin = make_user(is_platform_admin=True)
    auth.login(admin)
    response = client.get(f"/admin/audit?page={page}")
    assert response.status_code == 200
    assert "Ignored “page”" in response.get_data(as_text=True)


@pytest.mark.parametrize("party_id", HUGE)
def test_a_huge_party_id_in_the_membership_form_is_a_form_error(
    app, client, auth, make_team, make_user, party_id
):
    team = make_team()
    newcomer = make_user()
    auth.login(team.memberships[0].user)
    response = client.post(
        f"/t/{team.code}/members",
        data={"email": newcomer.email, "party_id": party_id, "role": "member"},
    )
    assert response.status_code == 400
    # The refused id leaves no party chosen, which the form then names.
    assert "Choose the party the person acts for." in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(team.memberships) == 1


def test_a_huge_party_row_for_the_coordinator_is_a_form_error(app, client, auth, make_user):
    admin, coordinator = make_user(is_platform_admin=True), make_user()
    auth.login(admin)
    response = client.post(
        "/admin/teams",
        data={
            "name": "Operation Overflow",
            "code": "OVERFLOW-1",
            "description": "",
            "parties-0-party": "state:NL",
            "parties-1-party": "state:DE",
            "coordinator_email": coordinator.email,
            "coordinator_party": str(2**64),
        },
    )
    assert response.status_code == 400
    assert "Choose one of the listed options." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Team)) == 0


def test_a_missing_description_on_a_new_team_is_a_form_error(app, client, auth, make_user):
    admin, coordinator = make_user(is_platform_admin=True), make_user()
    auth.login(admin)
    response = client.post(
        "/admin/teams",
        data={
            "name": "Operation Missing",
            "code": "MISSING-1",
            "parties-0-party": "state:NL",
            "parties-1-party": "state:DE",
            "coordinator_email": coordinator.email,
            "coordinator_party": "0",
        },
    )
    assert response.status_code == 400
    assert "missing from the form" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Team)) == 0


@pytest.mark.parametrize(
    "target",
    [
        "/account\r\nSet-Cookie: injected=1",
        "/account\nX: y",
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "/a\x00b",
    ],
)
def test_login_drops_a_next_that_is_not_a_safe_local_path(app, client, make_user, target):
    user = make_user()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response.location == "/"


def test_login_keeps_a_safe_next(app, client, make_user):
    user = make_user()
    response = client.post(
        "/login?next=/account",
        data={"email": user.email, "password": "correct horse battery staple"},
    )
    assert response.location == "/account"


# --- The parsers, for any input -----------------------------------------------------


@settings(deadline=None)  # timing on a shared machine says nothing
@given(st.one_of(st.text(), st.integers(), st.binary().map(lambda b: b.decode("latin-1"))))
def test_parse_bounded_int_returns_a_number_in_range_or_none(value):
    number = parse_bounded_int(value)
    assert number is None or -(2**31) <= number <= DB_INT_MAX


@pytest.mark.parametrize(
    "text",
    # str.isdigit() takes each of the first six; int() refuses three and reads three.
    ["²", "①", "²²²²", "٣", "١٢٣", "۱۲۳", "9" * 5000, "-1", "+1", " 1", "1 ", "", "1.0", "0x1"],
)
def test_parse_plain_int_takes_ascii_digits_only(text):
    assert parse_plain_int(text) is None
    if not text.isascii():
        assert parse_bounded_int(text) is None


def test_parse_plain_int_keeps_to_its_bounds():
    assert parse_plain_int("0") == 0
    assert parse_plain_int("007") == 7
    assert parse_plain_int("0" * 50 + "7") == 7  # leading zeros are not digits of the size
    assert parse_plain_int("2147483647") == DB_INT_MAX
    assert parse_plain_int("2147483648") is None
    assert parse_plain_int("1987", 1900, 2100) == 1987
    assert parse_plain_int("1899", 1900, 2100) is None
    assert parse_plain_int(5) is None  # text only: an int is not what a request sends


@settings(deadline=None)  # timing on a shared machine says nothing
@given(st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1"))))
def test_parse_plain_int_returns_what_the_text_says_or_none(text):
    number = parse_plain_int(text)
    assert number is None or (0 <= number <= DB_INT_MAX and int(text, 10) == number)
    assert number is None or text.isascii()


@settings(deadline=None)  # timing on a shared machine says nothing
@given(st.text())
def test_the_bounded_converter_matches_only_numbers_in_range(segment):
    adapter = Map([Rule("/x/<int:id>", endpoint="x")], converters={"int": BoundedIntegerConverter})
    adapter = adapter.bind("localhost")
    try:
        _endpoint, arguments = adapter.match(f"/x/{segment}")
    except Exception as refused:
        assert getattr(refused, "code", None) in (404, 308), refused  # noqa: PT017
    else:
        assert 0 <= arguments["id"] <= DB_INT_MAX


@settings(deadline=None)  # timing on a shared machine says nothing
@given(st.text())
def test_safe_local_path_never_lets_a_header_breaking_or_foreign_target_through(target):
    kept = safe_local_path(target)
    if kept is not None:
        assert kept.startswith("/")
        assert not kept.startswith("//")
        assert not any(char in kept for char in "\r\n\x00\\")


@pytest.mark.parametrize("body", [{"email": [1, 2], "party_id": {"a": 1}}, "text", [1, 2, 3]])
def test_a_json_body_is_refused_not_read_as_form_fields(app, client, auth, make_team, body):
    team = make_team()
    auth.login(team.memberships[0].user)
    response = client.post(
        f"/t/{team.code}/members", json=body, headers={"X-CSRFToken": client.csrf_token()}
    )
    assert response.status_code == 415
    assert "not JSON" in response.get_data(as_text=True)


def test_a_deeply_nested_json_body_is_refused(app, client, auth, make_team):
    team = make_team()
    auth.login(team.memberships[0].user)
    response = client.post(
        f"/t/{team.code}/members",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf_token()},
        csrf=False,
    )
    assert response.status_code == 415


@pytest.mark.parametrize("suffix", ["/", "/agreement/v1.json", "/audit/export.csv"])
def test_a_nul_in_a_team_code_is_a_400_with_a_message(app, client, auth, make_team, suffix):
    team = make_team()
    auth.login(team.memberships[0].user)
    response = client.get(f"/t/{team.code}%00x{suffix}")
    assert response.status_code == 400  # PostgreSQL refuses NUL in text: once a 500
    assert "NUL character" in response.get_data(as_text=True)


def test_a_nul_in_the_log_in_e_mail_is_a_form_error(app, client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email + "\x00", "password": "x"})
    assert response.status_code == 200  # PostgreSQL refuses NUL in text: once a 500
    page = response.get_data(as_text=True)
    assert "The e-mail address contains a NUL character; type it again." in page
