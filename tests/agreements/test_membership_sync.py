"""Membership follows the version in force: added, changed, removed, invited — all audited."""

import pytest
from sqlalchemy import select

from agreements import membership as agreement_membership
from agreements.models import AgreementInvitation
from agreements.status import team_status
from jit.audit.models import AuditEntry
from jit.clock import frozen
from jit.extensions import db
from jit.teams.models import Membership
from tests.agreements.conftest import TODAY, access_of, at, person


def roles(team) -> dict[str, tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(Membership).where(Membership.team_id == team.id))
    return {m.user.email: (m.role, m.party.country_code or m.party.body) for m in rows}


def amend(jit, day, takes_effect_on=None, **changes):
    with frozen(at(day)):
        amendment = jit.start("amendment", "Change of members.")
        jit.save(amendment, dict(amendment.content, **changes), takes_effect_on=takes_effect_on)
        jit.sign_all(amendment)
    return amendment


def test_signing_the_first_agreement_gives_access_to_the_people_it_names(jit, make_user):
    newcomer = make_user(name="Petra Schulz")
    members = [
        person(jit.nl_member, is_seconded=False),
        {
            "party": "DE",
            "name": "Petra Schulz",
            "email": newcomer.email,
            "function": "KHK",
            "is_seconded": True,
        },
    ]
    with frozen(TODAY):
        jit.sign_all(jit.draft(members=members))
    assert roles(jit.team)[newcomer.email] == ("member", "DE")


def test_an_amendment_in_force_removes_adds_and_changes_people(
    in_force, make_user, make_membership
):
    jit = in_force
    judge = make_membership(jit.team, "reviewer", "NL")
    de_officer = make_user(name="Lea Krüger")
    members = [
        # The NL member now acts for DE (seconded there); a new DE officer joins.
        dict(person(jit.nl_member), party="DE", is_seconded=True),
        {
            "party": "DE",
            "name": "Lea Krüger",
            "email": de_officer.email,
            "function": "KOK",
            "is_seconded": False,
        },
    ]
    before = roles(jit.team)
    assert before[jit.nl_member.user.email] == ("member", "NL")
    amend(jit, "2026-07-01", members=members)
    after = roles(jit.team)
    assert after[jit.nl_member.user.email] == ("member", "DE")
    assert after[de_officer.email] == ("member", "DE")
    assert after[jit.coordinator.user.email] == ("coordinator", "EUROJUST")  # not named, kept
    assert after[judge.user.email] == ("reviewer", "NL")  # not named, kept
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.operation == "agreement.entered_into_force")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.new_values["added"] == [de_officer.email]
    assert entry.new_values["changed"] == [jit.nl_member.user.email]


def test_someone_removed_by_an_amendment_loses_access_when_it_enters_into_force(
    client, auth, in_force
):
    jit = in_force
    removed = jit.nl_member.user
    with frozen(at("2026-07-01")):
        amendment = jit.start("amendment", "Sanne leaves the team.")
        jit.save(amendment, dict(amendment.content, members=[]))
        jit.sign(amendment, jit.nl_leader)
        auth.login(removed)
        assert client.get(f"/t/{jit.team.code}/").status_code == 200  # not yet in force
        jit.sign(amendment, jit.de_leader)
        assert client.get(f"/t/{jit.team.code}/").status_code == 404
    assert removed.email not in roles(jit.team)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "membership.removed")
    )
    assert entry.old_values == {"user": removed.email, "party": "NL", "role": "member"}
    assert entry.new_values == {"reason": "not named in agreement version 2 in force"}


def test_a_future_amendment_applies_on_its_day_at_the_first_request(client, auth, in_force):
    jit = in_force
    removed = jit.nl_member.user
    amend(jit, "2026-07-01", takes_effect_on="2026-08-01", members=[])
    auth.login(removed)
    with frozen(at("2026-07-31")):
        assert client.get(f"/t/{jit.team.code}/").status_code == 200
    with frozen(at("2026-08-01", "00:05")):
        assert client.get(f"/t/{jit.team.code}/").status_code == 404
        assert team_status(jit.team).governing.number == 2
    assert removed.email not in roles(jit.team)


def test_the_cli_applies_versions_whose_day_has_come(runner, in_force):
    jit = in_force
    amend(jit, "2026-07-01", takes_effect_on="2026-08-01", members=[])
    with frozen(at("2026-08-02")):
        result = runner.invoke(args=["agreements", "apply-due"])
    assert f"{jit.team.code}: 1 version(s) entered into force" in result.output
    assert jit.nl_member.user.email not in roles(jit.team)


def test_a_person_without_an_account_gets_a_pending_invitation(client, auth, in_force, make_user):
    jit = in_force
    members = [
        person(jit.nl_member, is_seconded=False),
        {
            "party": "DE",
            "name": "Jana Novak",
            "email": "jana.novak@bka.example",
            "function": "KHK",
            "is_seconded": True,
        },
    ]
    amend(jit, "2026-07-01", members=members)
    [invitation] = agreement_membership.open_invitations(jit.team)
    assert (invitation.email, invitation.role, invitation.party.country_code) == (
        "jana.novak@bka.example",
        "member",
        "DE",
    )
    auth.login(jit.coordinator.user)
    page = client.get(f"/t/{jit.team.code}/agreement").get_data(as_text=True)
    assert "Pending invitations" in page
    assert "jana.novak@bka.example" in page

    url = f"/t/{jit.team.code}/agreement/invitations/{invitation.id}"
    response = client.post(url, data={"email": "jana.novak@bka.example"})
    assert response.status_code == 400
    assert "Ask the platform administrator to create the account first" in response.get_data(
        as_text=True
    )
    assert "jana.novak@bka.example" not in roles(jit.team)

    account = make_user("jana.novak@bka.example", "Jana Novak")
    response = client.post(url, data={"email": account.email})
    assert response.status_code == 302
    assert roles(jit.team)[account.email] == ("member", "DE")
    db.session.expire_all()
    assert not db.session.get(AgreementInvitation, invitation.id).is_open
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "agreement.invitation_completed")
    )


def test_only_the_coordinator_completes_invitations(client, auth, in_force):
    jit = in_force
    members = [
        {
            "party": "DE",
            "name": "Jana",
            "email": "jana@bka.example",
            "function": "",
            "is_seconded": False,
        }
    ]
    amend(jit, "2026-07-01", members=members)
    [invitation] = agreement_membership.open_invitations(jit.team)
    auth.login(jit.nl_leader.user)
    assert (
        client.get(f"/t/{jit.team.code}/agreement/invitations/{invitation.id}").status_code == 403
    )
    with pytest.raises(agreement_membership.InvitationError):
        agreement_membership.complete_invitation(access_of(jit.nl_leader), invitation.id, "")


def test_an_invitation_is_completed_by_the_next_version_once_the_account_exists(
    in_force, make_user
):
    jit = in_force
    named = {
        "party": "DE",
        "name": "Jana",
        "email": "jana@bka.example",
        "function": "",
        "is_seconded": False,
    }
    amend(jit, "2026-07-01", members=[person(jit.nl_member, is_seconded=False), named])
    make_user("jana@bka.example", "Jana")
    amend(
        jit,
        "2026-08-01",
        members=[person(jit.nl_member, is_seconded=False), dict(named, function="KHK")],
    )
    assert roles(jit.team)["jana@bka.example"] == ("member", "DE")
    assert agreement_membership.open_invitations(jit.team) == []


def test_an_invitation_for_someone_no_longer_named_is_cancelled(in_force):
    jit = in_force
    named = {
        "party": "DE",
        "name": "Jana",
        "email": "jana@bka.example",
        "function": "",
        "is_seconded": False,
    }
    amend(jit, "2026-07-01", members=[person(jit.nl_member, is_seconded=False), named])
    amend(jit, "2026-08-01", members=[person(jit.nl_member, is_seconded=False)])
    assert agreement_membership.open_invitations(jit.team) == []
