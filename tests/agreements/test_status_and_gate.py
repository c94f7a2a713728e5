"""The agreement's state over time decides what the team may do (DESIGN §4)."""

import pytest

from agreements import services
from agreements.status import team_status
from jit import gates
from jit.clock import frozen
from tests.agreements.conftest import TODAY, access_of, at


def test_a_team_without_any_agreement_stays_open_by_default(jit):
    assert team_status(jit.team).code == "none"
    assert gates.may(jit.team, "add_evidence")


def test_a_deployment_can_require_an_agreement(app, jit):
    app.config["AGREEMENT_REQUIRED"] = True
    decision = gates.may(jit.team, "add_evidence")
    assert not decision
    assert "No agreement is recorded for this team yet" in decision.reason


def test_a_draft_refuses_with_the_reason(jit):
    with frozen(TODAY):
        jit.draft()
        decision = gates.may(jit.team, "add_evidence")
    assert team_status(jit.team).code == "draft"
    assert not decision
    assert decision.reason.startswith("Adding evidence is not possible now.")
    assert "still a draft" in decision.reason
    assert "once every party's leader has signed it" in decision.reason


def test_a_partly_signed_version_names_who_must_still_sign(jit):
    with frozen(TODAY):
        version = jit.draft()
        jit.sign(version, jit.nl_leader)
        decision = gates.may(jit.team, "draft_bundle")
        status = team_status(jit.team)
    assert status.code == "draft"
    assert not decision
    assert "still needs the signature of DE" in decision.reason


def test_states_follow_the_dates(jit):
    """draft → signed by all → in force (start ≤ today ≤ expiry) → expired."""
    period = {"entry_into_force": "date", "starts_on": "2026-07-01", "expires_on": "2026-12-31"}
    with frozen(TODAY):
        # Days counted in UTC, so 23:59 below is the last minute of each day (other zones:
        # test_model_articles.py).
        version = jit.sign_all(jit.draft(period=period, time_zone="UTC"))
    assert version.effective_from.isoformat() == "2026-07-01"
    expected = {
        "2026-06-30": ("signed", False),
        "2026-07-01": ("in_force", True),
        "2026-12-31": ("in_force", True),
        "2027-01-01": ("expired", False),
    }
    for day, (code, allowed) in expected.items():
        with frozen(at(day, "23:59")):
            assert team_status(jit.team).code == code, day
            assert bool(gates.may(jit.team, "add_evidence")) is allowed, day
    with frozen(at("2026-06-30")):
        reason = gates.may(jit.team, "add_evidence").reason
    assert "enters into force on 2026-07-01" in reason
    with frozen(at("2027-01-01")):
        reason = gates.may(jit.team, "record_custody").reason
    assert "expired on 2026-12-31" in reason
    assert "sign an extension" in reason


def test_a_set_start_date_before_the_last_signature_takes_effect_on_signature(jit):
    period = {"entry_into_force": "date", "starts_on": "2026-05-01", "expires_on": "2026-12-31"}
    with frozen(TODAY):
        version = jit.sign_all(jit.draft(period=period))
        assert team_status(jit.team).code == "in_force"
    assert version.effective_from.isoformat() == "2026-06-01"


def test_after_expiry_only_an_extension_can_be_agreed_and_it_reopens_the_team(in_force):
    jit = in_force
    with frozen(at("2027-06-02")):
        assert team_status(jit.team).code == "expired"
        with pytest.raises(services.AgreementError, match="only an extension"):
            jit.start("amendment")
        extension = jit.start("extension", "Twelve more months for the trial phase.")
        content = dict(
            extension.content, period=dict(extension.content["period"], expires_on="2028-05-31")
        )
        jit.save(extension, content)
        jit.sign_all(extension)
        status = team_status(jit.team)
        assert status.code == "in_force"
        assert status.governing.number == 2
        assert status.expires_on.isoformat() == "2028-05-31"
        assert gates.may(jit.team, "add_evidence")


def test_a_closed_team_refuses_everything(in_force):
    jit = in_force
    with frozen(at("2026-09-01")):
        services.close(access_of(jit.coordinator), "Operational phase completed.")
        status = team_status(jit.team)
        decision = gates.may(jit.team, "release_bundle")
    assert status.code == "closed"
    assert "closed on 2026-09-01" in decision.reason
    with frozen(at("2026-09-02")), pytest.raises(services.AgreementError, match="closed"):
        jit.start("amendment")


def test_only_the_coordinator_closes_and_only_with_a_reason(in_force):
    with pytest.raises(services.AgreementError, match="Only the coordinator"):
        services.close(access_of(in_force.nl_leader), "Done.")
    with pytest.raises(services.AgreementError, match="Record why"):
        services.close(access_of(in_force.coordinator), "  ")


def test_the_overview_warns_leaders_and_the_coordinator_30_days_before_expiry(
    client, auth, in_force
):
    jit = in_force
    for day, warned in (("2027-04-30", False), ("2027-05-01", True), ("2027-05-31", True)):
        for membership, sees in (
            (jit.nl_leader, True),
            (jit.coordinator, True),
            (jit.nl_member, False),
        ):
            with frozen(at(day)):
                auth.login(membership.user)
                page = client.get(f"/t/{jit.team.code}/").get_data(as_text=True)
                auth.logout()
            assert ("The agreement expires on 2027-05-31" in page) is (warned and sees), (
                day,
                membership.role,
            )
    with frozen(at("2027-05-02")):
        auth.login(jit.coordinator.user)
        page = client.get(f"/t/{jit.team.code}/agreement").get_data(as_text=True)
    assert "it expires in 29 days" in page


def test_the_overview_says_why_the_team_is_read_only(client, auth, in_force):
    with frozen(at("2027-06-01")):
        auth.login(in_force.nl_member.user)
        page = client.get(f"/t/{in_force.team.code}/").get_data(as_text=True)
    assert "The agreement expired on 2027-05-31" in page
    assert "can sign an extension to continue" in page


def test_an_agreement_that_does_not_use_the_workspace_keeps_it_closed(jit):
    with frozen(TODAY):
        jit.sign_all(jit.draft(workspace={"is_used": False, "access_rules": ""}))
        decision = gates.may(jit.team, "add_evidence")
        assert team_status(jit.team).code == "in_force"
    assert not decision
    assert "does not provide for the use of the JIT Workspace (Article 12)" in decision.reason
    assert "amend it" in decision.reason
