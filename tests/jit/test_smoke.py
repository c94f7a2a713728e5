def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_member_sees_team(client, auth, make_team, make_membership):
    team = make_team(code="EMERALD-1")
    membership = make_membership(team, "member", "NL")
    auth.login(membership.user)
    response = client.get("/t/EMERALD-1/")
    assert response.status_code == 200
    assert b"Operation Test" in response.data
