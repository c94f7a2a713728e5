"""A coordinator sees why she cannot add evidence: beside the list and on the 403 page."""

REASON = "As coordinator you cannot add evidence: in a team, only leaders and members add evidence."


def test_the_coordinator_is_told_why_there_is_no_add_button(client, auth, make_team):
    team = make_team(code="WHY-1")
    auth.login(team.memberships[0].user)
    page = client.get("/t/WHY-1/evidence/").get_data(as_text=True)
    assert REASON in page
    assert "/t/WHY-1/evidence/new" not in page


def test_the_403_page_says_why(client, auth, make_team):
    team = make_team(code="WHY-2")
    auth.login(team.memberships[0].user)
    response = client.get("/t/WHY-2/evidence/new")
    assert response.status_code == 403
    assert REASON in response.get_data(as_text=True)


def test_a_member_gets_no_explanation_but_the_form(client, auth, make_team, make_membership):
    team = make_team(code="WHY-3")
    member = make_membership(team, "member", "NL")
    auth.login(member.user)
    assert REASON not in client.get("/t/WHY-3/evidence/").get_data(as_text=True)


def test_a_role_refusal_names_the_role_and_who_may(client, auth, make_team, make_membership):
    team = make_team(code="WHY-4")
    member = make_membership(team, "member", "NL")
    auth.login(member.user)
    response = client.get("/t/WHY-4/audit")
    assert response.status_code == 403
    assert (
        "As member you cannot read the audit log: in a team, only coordinators read the audit log."
        in response.get_data(as_text=True)
    )


def test_a_non_member_still_learns_nothing(client, auth, make_team, make_user):
    make_team(code="WHY-5")
    auth.login(make_user())
    response = client.get("/t/WHY-5/evidence/new")
    assert response.status_code == 404
    assert "coordinator" not in response.get_data(as_text=True)
