"""Every core team route × every role, a non-member, a platform admin and an anonymous user."""

import pytest

from jit.teams.models import Membership
from tests.conftest import DEFAULT_PASSWORD

ROLES = ["coordinator", "leader", "member", "participant", "reviewer"]
WHO = [*ROLES, "non-member", "platform-admin", "anonymous"]


@pytest.fixture
def team_world(app, make_team, make_user, make_membership):
    """A team with one person per role (all for NL but the coordinator) and outsiders."""
    coordinator = make_user(name="Cora Coordinator")
    team = make_team(code="MATRIX-1", coordinator=coordinator)
    people = {"coordinator": coordinator}
    for role in ROLES[1:]:
        people[role] = make_membership(team, role, "NL").user
    people["non-member"] = make_user(name="Olaf Outsider")
    people["platform-admin"] = make_user(name="Ada Admin", is_platform_admin=True)
    # A second NL member whom the matrix's POST routes act on.
    target = make_membership(team, "member", "NL")
    return team, people, target


def _sign_in(client, person):
    if person is not None:
        response = client.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302


# (method, path, data, expected status per WHO). 302 for a POST means "done, redirected".
def _routes(team, target, party_ids):
    code = team.code
    member_id = target.id
    anon_get, anon_post = 302, 302
    return [
        (
            "GET",
            f"/t/{code}/",
            None,
            {
                "coordinator": 200,
                "leader": 200,
                "member": 200,
                "participant": 200,
                "reviewer": 200,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_get,
            },
        ),
        (
            "GET",
            f"/t/{code}/members",
            None,
            {
                "coordinator": 200,
                "leader": 200,
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_get,
            },
        ),
        (
            "POST",
            f"/t/{code}/members/{member_id}",
            {f"m{member_id}-party_id": party_ids["NL"], f"m{member_id}-role": "participant"},
            {
                "coordinator": 302,
                "leader": 302,
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_post,
            },
        ),
        (
            "POST",
            f"/t/{code}/members/{member_id}/remove",
            {},
            {
                "coordinator": 302,
                "leader": 302,
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_post,
            },
        ),
        (
            "GET",
            f"/t/{code}/audit",
            None,
            {
                "coordinator": 200,
                "leader": 403,
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_get,
            },
        ),
        (
            "POST",
            f"/t/{code}/audit/verify",
            {},
            {
                "coordinator": 302,
                "leader": 403,
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_post,
            },
        ),
        (
            "GET",
            f"/t/{code}/audit/export.csv",
            None,
            {
                "coordinator": 200,
                "leader": 403,
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_get,
            },
        ),
        (
            "GET",
            f"/t/{code}/audit/export.jsonl",
            None,
            {
                "coordinator": 200,
                "leader": 403,
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_get,
            },
        ),
        (
            "GET",
            f"/t/{code}/closeout",
            None,
            {
                "coordinator": 200,
                "leader": 200,
                "member": 200,
                "participant": 200,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_get,
            },
        ),
        (
            "POST",
            f"/t/{code}/closeout/archive",
            {},
            {
                "coordinator": 403,
                "leader": 302,  # refused with a message: the team has not ended
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_post,
            },
        ),
        (
            "GET",
            f"/t/{code}/closeout/archive.zip",
            None,
            {
                "coordinator": 403,
                "leader": 404,  # no archive taken yet
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_get,
            },
        ),
        (
            "POST",
            f"/t/{code}/closeout/hold",
            {"reason": "Appeal pending"},
            {
                "coordinator": 302,
                "leader": 403,
                "member": 403,
                "participant": 403,
                "reviewer": 403,
                "non-member": 404,
                "platform-admin": 404,
                "anonymous": anon_post,
            },
        ),
    ]


ROUTE_NAMES = [
    "overview",
    "members",
    "change-member",
    "remove-member",
    "audit",
    "audit-verify",
    "audit-csv",
    "audit-jsonl",
    "closeout",
    "closeout-take",
    "closeout-download",
    "closeout-hold",
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route_index", range(len(ROUTE_NAMES)), ids=ROUTE_NAMES)
def test_permission_matrix(app, client, team_world, who, route_index):
    team, people, target = team_world
    party_ids = {p.short_label: p.id for p in team.parties}
    method, path, data, expected = _routes(team, target, party_ids)[route_index]
    _sign_in(client, people.get(who))
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data=data)
    assert response.status_code == expected[who], (who, method, path)
    if response.status_code == 302 and who == "anonymous":
        assert "/login" in response.headers["Location"]


def test_nonexistent_team_looks_like_a_team_one_may_not_see(client, team_world):
    _team, people, _target = team_world
    _sign_in(client, people["non-member"])
    assert client.get("/t/MATRIX-1/").status_code == 404
    missing = client.get("/t/NO-SUCH-TEAM/")
    assert missing.status_code == 404
    assert missing.get_data() == client.get("/t/MATRIX-1/").get_data()


def test_every_team_route_is_hidden_from_non_members(app, client, team_world):
    """Whatever a domain package adds under /t/<code>/, a non-member gets 404 (GET and POST)."""
    _team, people, _target = team_world
    _sign_in(client, people["non-member"])
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/t/<code>"):
            continue
        values = {
            argument: sorted(getattr(converter, "items", None) or ["1"])[0]
            for argument, converter in rule._converters.items()
        }
        values["code"] = "MATRIX-1"
        path = rule.build(values)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.get(path) if method == "GET" else client.post(path, data={})
            assert response.status_code == 404, (method, path, response.status_code)
            checked += 1
    assert checked >= 8


def test_reviewer_sees_parties_but_not_members_or_activity(client, team_world):
    _team, people, _target = team_world
    _sign_in(client, people["reviewer"])
    page = client.get("/t/MATRIX-1/").get_data(as_text=True)
    assert "Parties" in page
    assert "Cora Coordinator" not in page
    assert "Recent activity" not in page
    # What is shared (or why nothing is yet) is on the review page this links to.
    assert "Requests shared with you" in page


def test_leader_manages_only_own_party(app, client, team_world, make_membership):
    team, people, _target = team_world
    german = make_membership(team, "member", "DE")
    _sign_in(client, people["leader"])
    response = client.post(f"/t/MATRIX-1/members/{german.id}/remove", data={})
    assert response.status_code == 400
    assert "You may not remove this membership" in response.get_data(as_text=True)
    assert app.extensions["sqlalchemy"].session.get(Membership, german.id) is not None
