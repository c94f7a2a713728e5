"""Team spaces: creation by the platform admin, memberships, isolation between teams."""

from jit.audit.models import AuditEntry
from jit.extensions import db
from jit.teams.models import Membership, Party, Team


def _team_form(**overrides):
    data = {
        "name": "Operation Northern Lights",
        "code": "northern-lights",
        "description": "Firearms from the Western Balkans.",
        "parties-0-party": "state:SE",
        "parties-0-authority": "Åklagarmyndigheten",
        "parties-1-party": "state:FI",
        "parties-1-authority": "Syyttäjälaitos",
        "parties-2-party": "body:EUROJUST",
        "parties-2-authority": "",
        "coordinator_email": overrides.pop("coordinator_email"),
        "coordinator_party": "2",
    }
    data.update(overrides)
    return data


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_admin_opens_a_team_space(client, auth, make_user):
    admin, coordinator = make_user(is_platform_admin=True), make_user(name="Maria Lind")
    auth.login(admin)
    response = client.post("/admin/teams", data=_team_form(coordinator_email=coordinator.email))
    assert response.status_code == 302
    team = db.session.scalar(db.select(Team).where(Team.code == "NORTHERN-LIGHTS"))
    assert [(p.short_label, p.authority) for p in team.parties] == [
        ("SE", "Åklagarmyndigheten"),
        ("FI", "Syyttäjälaitos"),
        ("Eurojust", "Eurojust"),
    ]
    (membership,) = team.memberships
    assert (membership.user_id, membership.role, membership.party.body) == (
        coordinator.id,
        "coordinator",
        "EUROJUST",
    )
    assert db.session.scalar(
        db.select(AuditEntry).where(
            AuditEntry.team_id == team.id, AuditEntry.operation == "team.created"
        )
    )
    # The admin is not a member: the space exists for them only as a line in a list.
    assert client.get("/t/NORTHERN-LIGHTS/").status_code == 404
    assert "Operation Northern Lights" in client.get("/admin/teams").get_data(as_text=True)
    assert "Operation Northern Lights" not in client.get("/").get_data(as_text=True)


def test_bad_team_input_is_refused_with_a_clear_message_and_nothing_written(
    client, auth, make_user, make_team
):
    admin, coordinator = make_user(is_platform_admin=True), make_user()
    make_team(code="TAKEN-1")
    auth.login(admin)
    teams_before, parties_before = _count(Team), _count(Party)
    cases = [
        ({"code": "OP/1"}, "letters, digits or hyphens"),
        ({"code": "<script>x</script>"}, "letters, digits or hyphens"),
        ({"code": "taken-1"}, "already exists"),
        ({"parties-1-party": "state:XX"}, "is not an ISO 3166-1 alpha-2 country code"),
        ({"parties-1-party": "body:NASA"}, "Unknown body"),
        ({"parties-1-party": "state:SE"}, "Each party may appear once; repeated: SE"),
        (
            {"parties-1-party": "", "parties-1-authority": ""},
            "party row is empty",
        ),
        ({"parties-0-authority": ""}, "Name the competent authority for SE"),
        ({"coordinator_email": "ghost@example.org"}, "No account uses the coordinator"),
    ]
    for overrides, message in cases:
        form = _team_form(
            coordinator_email=overrides.pop("coordinator_email", coordinator.email), **overrides
        )
        if "parties-1-party" in overrides and overrides["parties-1-party"] == "":
            form["coordinator_party"] = "1"
            form["parties-2-party"] = ""
        response = client.post("/admin/teams", data=form)
        assert response.status_code == 400, overrides
        page = response.get_data(as_text=True)
        assert message in page, (overrides, message)
        assert "<script>x</script>" not in page
    assert (_count(Team), _count(Party)) == (teams_before, parties_before)


def test_coordinator_adds_members_of_any_party(client, auth, make_team, make_user):
    team = make_team(code="ADD-1")
    coordinator = team.memberships[0].user
    newcomer = make_user(name="Jan Novak")
    de = next(p for p in team.parties if p.country_code == "DE")
    auth.login(coordinator)
    response = client.post(
        "/t/ADD-1/members",
        data={"email": newcomer.email.upper(), "party_id": de.id, "role": "leader"},
    )
    assert response.status_code == 302
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == newcomer.id))
    assert (membership.role, membership.party_id) == ("leader", de.id)


def test_duplicate_membership_is_refused(client, auth, make_team, make_membership):
    team = make_team(code="DUP-1")
    existing = make_membership(team, "member", "NL")
    nl = existing.party
    auth.login(team.memberships[0].user)
    before = _count(Membership)
    response = client.post(
        "/t/DUP-1/members",
        data={"email": existing.user.email, "party_id": nl.id, "role": "participant"},
    )
    assert response.status_code == 400
    assert "is already a member of this team (Member, NL)" in response.get_data(as_text=True)
    assert _count(Membership) == before


def test_leader_adds_only_to_own_party_and_only_members_or_participants(
    client, auth, make_team, make_membership, make_user
):
    team = make_team(code="LEAD-1")
    leader = make_membership(team, "leader", "NL").user
    nl = next(p for p in team.parties if p.country_code == "NL")
    de = next(p for p in team.parties if p.country_code == "DE")
    auth.login(leader)
    page = client.get("/t/LEAD-1/members").get_data(as_text=True)
    assert f'value="{de.id}"' not in page  # only their own party is offered
    refused = [
        ({"party_id": de.id, "role": "member"}, "You may only manage memberships of Netherlands"),
        ({"party_id": nl.id, "role": "leader"}, "You may not give the role Leader"),
        ({"party_id": nl.id, "role": "coordinator"}, "You may not give the role Coordinator"),
        ({"party_id": nl.id, "role": "overlord"}, "Unknown role"),
    ]
    for data, message in refused:
        response = client.post("/t/LEAD-1/members", data={"email": make_user().email, **data})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    ok = client.post(
        "/t/LEAD-1/members", data={"email": make_user().email, "party_id": nl.id, "role": "member"}
    )
    assert ok.status_code == 302


def test_removal_takes_effect_on_the_next_request(app, client, auth, make_team, make_membership):
    team = make_team(code="GONE-1")
    member = make_membership(team, "member", "NL")
    theirs = app.test_client()
    theirs.post(
        "/login", data={"email": member.user.email, "password": "correct horse battery staple"}
    )
    assert theirs.get("/t/GONE-1/").status_code == 200

    email = member.user.email
    auth.login(team.memberships[0].user)
    assert client.post(f"/t/GONE-1/members/{member.id}/remove").status_code == 302
    assert theirs.get("/t/GONE-1/").status_code == 404
    entry = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.operation == "membership.removed")
    )
    assert entry.old_values == {"user": email, "party": "NL", "role": "member"}


def test_role_change_is_audited_with_old_and_new_values(client, auth, make_team, make_membership):
    team = make_team(code="ROLE-1")
    member = make_membership(team, "member", "NL")
    auth.login(team.memberships[0].user)
    response = client.post(
        f"/t/ROLE-1/members/{member.id}",
        data={f"m{member.id}-party_id": member.party_id, f"m{member.id}-role": "leader"},
    )
    assert response.status_code == 302
    entry = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.operation == "membership.changed")
    )
    assert entry.old_values == {"user": member.user.email, "role": "member"}
    assert entry.new_values == {"user": member.user.email, "role": "leader"}


def test_the_last_coordinator_cannot_leave(client, auth, make_team):
    team = make_team(code="LAST-1")
    coordinator = team.memberships[0]
    auth.login(coordinator.user)
    response = client.post(f"/t/LAST-1/members/{coordinator.id}/remove")
    assert response.status_code == 400
    # Nobody removes themselves, so the last coordinator is refused before the count.
    assert "You cannot remove yourself" in response.get_data(as_text=True)
    assert db.session.get(Membership, coordinator.id) is not None


def test_nobody_is_offered_remove_on_their_own_row(client, auth, make_team, make_membership):
    team = make_team(code="OWN-1")
    coordinator = team.memberships[0]
    other = make_membership(team, "member", "NL")
    auth.login(coordinator.user)
    page = client.get("/t/OWN-1/members").get_data(as_text=True)
    assert f"/members/{other.id}/remove" in page
    assert f"/members/{coordinator.id}/remove" not in page
    second = make_membership(team, "coordinator", "EUROJUST")
    response = client.post(f"/t/OWN-1/members/{coordinator.id}/remove")
    assert response.status_code == 400
    assert "You cannot remove yourself" in response.get_data(as_text=True)
    assert db.session.get(Membership, coordinator.id) is not None
    assert db.session.get(Membership, second.id) is not None


def test_membership_of_another_team_is_not_found(client, auth, make_team, make_membership):
    mine, theirs = make_team(code="MINE-1"), make_team(code="THEIRS-1")
    foreign = make_membership(theirs, "member", "NL")
    auth.login(mine.memberships[0].user)
    assert client.post(f"/t/MINE-1/members/{foreign.id}/remove").status_code == 404
    assert db.session.get(Membership, foreign.id) is not None


def test_dashboard_lists_only_my_teams(client, auth, make_team, make_membership):
    mine, other = make_team(code="MINE-2", name="Mine"), make_team(code="OTHER-2", name="Other")
    membership = make_membership(mine, "participant", "NL")
    make_membership(other, "member", "NL")
    auth.login(membership.user)
    page = client.get("/").get_data(as_text=True)
    assert "MINE-2" in page
    assert "OTHER-2" not in page
    assert "Participant" in page


def test_team_page_groups_members_by_party_and_shows_activity(
    client, auth, make_team, make_membership
):
    team = make_team(code="SHOW-1")
    nl_leader = make_membership(team, "leader", "NL").user
    make_membership(team, "member", "DE")
    auth.login(nl_leader)
    page = client.get("/t/SHOW-1/").get_data(as_text=True)
    page = page[page.index("<h2>Members</h2>") :]
    assert page.index("Netherlands") < page.index(nl_leader.display_name) < page.index("Germany")
    assert "Member added" in page  # membership.created, in words
    assert "Recent activity" in page


def test_user_text_is_escaped(client, auth, make_user, make_team):
    person = make_user(name='<img src=x onerror="alert(1)">')
    team = make_team(code="XSS-1", name="<b>Bold</b> team", coordinator=person)
    auth.login(person)
    for path in ("/", "/t/XSS-1/", "/t/XSS-1/members", "/t/XSS-1/audit"):
        page = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in page, path
        assert "<b>Bold</b>" not in page, path
        assert "&lt;b&gt;Bold&lt;/b&gt; team" in page or path == "/t/XSS-1/audit"
    assert team.name.startswith("<b>")


def test_the_icc_and_other_international_judicial_bodies_can_take_part(client, auth, make_user):
    admin, coordinator = make_user(is_platform_admin=True), make_user()
    auth.login(admin)
    form = client.get("/admin/teams").get_data(as_text=True)
    assert "International Criminal Court" in form
    assert "Other international judicial body" in form
    assert "Secretariat" not in form  # the JITs Network Secretariat does not take part
    data = _team_form(
        coordinator_email=coordinator.email,
        **{"parties-3-party": "body:ICC", "parties-3-authority": "Office of the Prosecutor"},
    )
    assert client.post("/admin/teams", data=data).status_code == 302
    team = db.session.scalar(db.select(Team).where(Team.code == "NORTHERN-LIGHTS"))
    assert ("ICC", "Office of the Prosecutor") in [(p.body, p.authority) for p in team.parties]
