"""Who may reach which agreement page: a matrix over every route and role."""

import pytest

from jit.clock import frozen
from tests.agreements.conftest import at

ROLES = ["coordinator", "leader", "member", "participant", "reviewer", "outsider"]

# route → the roles that get the page (others: 403; outsiders: 404)
READS = {
    "/agreement": {"coordinator", "leader", "member", "participant", "reviewer"},
    "/agreement/v1": {"coordinator", "leader", "member", "participant", "reviewer"},
    "/agreement/v1.pdf": {"coordinator", "leader", "member", "participant", "reviewer"},
    "/agreement/v1.json": {"coordinator", "leader", "member", "participant", "reviewer"},
    "/agreement/diff": {"coordinator", "leader", "member", "participant", "reviewer"},
    "/agreement/v2/edit": {"coordinator", "leader"},
    "/agreement/v2/sign": {"leader"},
    "/evaluation": {"coordinator", "leader", "member", "participant"},
}


@pytest.fixture
def people(in_force, make_membership, make_user):
    with frozen(at("2026-07-01")):
        in_force.start("amendment", "Open for the matrix.")
    return {
        "coordinator": in_force.coordinator.user,
        "leader": in_force.nl_leader.user,
        "member": in_force.nl_member.user,
        "participant": make_membership(in_force.team, "participant", "EUROJUST").user,
        "reviewer": make_membership(in_force.team, "reviewer", "NL").user,
        "outsider": make_user(),
        "team": in_force.team,
    }


@pytest.mark.parametrize("role", ROLES)
def test_read_matrix(client, auth, people, role):
    auth.login(people[role])
    code = people["team"].code
    with frozen(at("2026-07-01")):
        for route, allowed in READS.items():
            status = client.get(f"/t/{code}{route}").status_code
            expected = 200 if role in allowed else (404 if role == "outsider" else 403)
            assert status == expected, (route, role, status)


WRITES = {
    "/agreement/start": ({"kind": "extension", "change_summary": "x"}, {"coordinator", "leader"}),
    "/agreement/v2/withdraw": ({"reason": "x"}, {"coordinator", "leader"}),
    "/agreement/close": ({"note": "x"}, {"coordinator"}),
    "/evaluation/start": ({"kind": "final"}, {"coordinator", "leader"}),
}


@pytest.mark.parametrize("role", ["member", "participant", "reviewer", "outsider"])
def test_write_matrix_refuses_those_without_the_right(client, auth, people, role):
    auth.login(people[role])
    code = people["team"].code
    for route, (data, allowed) in WRITES.items():
        assert role not in allowed
        status = client.post(f"/t/{code}{route}", data=data).status_code
        assert status == (404 if role == "outsider" else 403), (route, role)


def test_the_team_navigation_shows_the_agreement_to_everyone_who_may_see_it(client, auth, people):
    auth.login(people["reviewer"])
    page = client.get(f"/t/{people['team'].code}/agreement").get_data(as_text=True)
    assert ">Agreement</a>" in page
    assert "Evaluation</a>" not in page
    assert "Amend the agreement" not in page
