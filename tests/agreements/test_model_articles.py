"""The agreement in the Model Agreement's articles: numbering, fixed text, required access
rules, derived secondment, days counted in the agreement's zone, an overdue evaluation."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from agreements import content as agreement_content
from agreements import evaluations, services, signing
from agreements.articles import ARTICLES, FIRST
from agreements.status import team_status
from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import TODAY, access_of, at


def pdf_text(client, team, number=1) -> str:
    response = client.get(f"/t/{team.code}/agreement/v{number}.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_numbers_and_titles_the_articles_as_the_model_does(client, auth, in_force):
    auth.login(in_force.nl_member.user)
    text = pdf_text(client, in_force.team)
    for heading in (
        "Article 8 — General conditions of the agreement",
        "Article 9 — Organisation of the JIT",
        "Article 10 — Investigative measures",
        "Article 11 — Information and evidence",
        "Article 12 — Specific arrangements",
        "Article 13 — Evaluation",
        "Article 14 — Other standard clauses",
    ):
        assert heading in text
    positions = [text.index(article.heading) for article in agreement_content.ARTICLES]
    assert positions == sorted(positions)
    assert "Use of the JIT Workspace and access rules" not in text  # the old Article 14


def _first_schema(content: dict) -> dict:
    """Return ``content`` as the first schema wrote it (before the Model's numbering)."""
    old = {k: v for k, v in content.items() if k not in {"general_conditions", "organisation"}}
    old.pop("time_zone")
    old["schema"] = FIRST
    old["measures"] = "Coordination meetings every month (old Article 8)."
    old["information_use"] = {
        "other_offences_with_consent": True,
        "public_security": False,
        "other_purposes": "",
        "admissibility": "",
    }
    old["members"] = [dict(p, is_seconded=True) for p in content["members"]]
    return old


def test_a_version_signed_in_the_first_numbering_is_still_shown_in_it(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
        version.content = _first_schema(version.content)
        db.session.commit()
        jit.sign_all(version)
    auth.login(jit.nl_member.user)
    text = pdf_text(client, jit.team)
    for article in ARTICLES[FIRST]:
        assert article.heading in text
    assert "Article 12 — Specific arrangements" not in text
    assert "(old Article 8)" in text
    with frozen(at("2026-07-01")):
        amendment = jit.start("amendment")
    assert amendment.content["schema"] == agreement_content.SCHEMA
    assert amendment.content["measures"] == "Coordination meetings every month (old Article 8)."
    assert "is_seconded" not in amendment.content["members"][0]
    assert amendment.content["time_zone"] == "Europe/Amsterdam"


def test_uses_b_and_c_are_fixed_text_not_options(client, auth, jit):
    with frozen(TODAY):
        jit.draft(information_use={"public_security": False, "other_offences_with_consent": ""})
        auth.login(jit.nl_leader.user)
        editor = client.get(f"/t/{jit.team.code}/agreement/v1/edit").get_data(as_text=True)
        page = client.get(f"/t/{jit.team.code}/agreement/v1").get_data(as_text=True)
    assert 'name="public_security"' not in editor
    assert 'name="other_offences_with_consent"' not in editor
    assert 'name="consent_conditions"' in editor
    for text in (page, editor):
        assert "subject to the prior consent of the State where the information became" in text
        assert "to prevent an immediate and serious threat to public security" in text


def test_access_rules_are_required_before_signing_when_the_workspace_is_used(jit):
    with frozen(TODAY):
        version = jit.draft(workspace={"is_used": True, "access_rules": "  "})
        refusal = signing.refusal_to_sign(access_of(jit.nl_leader), version)
        with pytest.raises(services.AgreementError, match="access rules"):
            jit.sign(version, jit.nl_leader)
    assert "the access rules for the JIT Workspace (Article 12)" in refusal
    db.session.rollback()
    assert version.signatures == []


def test_no_access_rules_are_needed_when_the_workspace_is_not_used(jit):
    with frozen(TODAY):
        version = jit.sign_all(jit.draft(workspace={"is_used": False, "access_rules": ""}))
    assert version.is_fully_signed


def test_seconded_follows_the_states_of_operation(client, auth, jit):
    team = jit.team
    with frozen(TODAY):
        version = jit.draft()
    member = version.content["members"][0]
    assert agreement_content.seconded_in(version.content, member) == ["DE"]
    auth.login(jit.nl_leader.user)
    page = client.get(f"/t/{team.code}/agreement/v1").get_data(as_text=True)
    assert "when the team operates in Germany" in page
    with frozen(TODAY):
        jit.save(version, dict(version.content, operating_states={"states": ["NL"], "note": ""}))
    assert agreement_content.seconded_in(version.content, version.content["members"][0]) == []


def test_days_are_counted_in_the_agreements_zone_across_midnight(in_force):
    # Expiry 2027-05-31; 22:30 UTC that day is already 1 June in Amsterdam (CEST).
    with frozen(at("2027-05-31", "21:59")):
        assert team_status(in_force.team).code == "in_force"
    with frozen(at("2027-05-31", "22:30")):
        status = team_status(in_force.team)
    assert status.time_zone == "Europe/Amsterdam"
    assert status.on == date(2027, 6, 1)
    assert status.code == "expired"


def test_days_left_across_the_change_to_summer_time(in_force):
    # 2027-03-27 23:30 UTC is 00:30 on 28 March in Amsterdam (still CET, UTC+1).
    with frozen(at("2027-03-27", "23:30")):
        status = team_status(in_force.team)
    assert status.on == date(2027, 3, 28)
    assert status.days_left == 64
    # 2027-03-28 22:30 UTC is 00:30 on 29 March (CEST, UTC+2, after the change).
    with frozen(at("2027-03-28", "22:30")):
        assert team_status(in_force.team).days_left == 63


def test_an_agreement_in_utc_counts_utc_days(jit):
    with frozen(TODAY):
        jit.sign_all(jit.draft(time_zone="UTC"))
    with frozen(at("2027-05-31", "22:30")):
        status = team_status(jit.team)
    assert status.code == "in_force"
    assert status.days_left == 0


def test_the_page_and_pdf_say_which_zone_counts(client, auth, in_force):
    auth.login(in_force.nl_member.user)
    page = client.get(f"/t/{in_force.team.code}/agreement").get_data(as_text=True)
    assert "Days counted in" in page
    assert "Europe/Amsterdam" in page
    text = pdf_text(client, in_force.team)
    assert "Days counted in Europe/Amsterdam" in " ".join(text.split())


def test_an_unknown_time_zone_is_refused(jit):
    with frozen(TODAY), pytest.raises(services.AgreementError, match="is not a time zone"):
        jit.draft(time_zone="Mars/Olympus")


def test_an_overdue_mid_term_evaluation_is_flagged(client, auth, jit):
    with frozen(TODAY):
        jit.sign_all(jit.draft(evaluation={"mid_term_on": "2026-09-30", "arrangements": ""}))
    with frozen(at("2026-09-30", "21:00")):  # 23:00 in Amsterdam: still the due day
        assert evaluations.mid_term_overdue(jit.team) is None
    with frozen(at("2026-09-30", "22:30")):  # 00:30 on 1 October in Amsterdam
        assert evaluations.mid_term_overdue(jit.team) == date(2026, 9, 30)
        auth.login(jit.nl_leader.user)
        dashboard = client.get("/").get_data(as_text=True)
        overview = client.get(f"/t/{jit.team.code}/evaluation").get_data(as_text=True)
        agreement = client.get(f"/t/{jit.team.code}/agreement").get_data(as_text=True)
    assert "Mid-term evaluation: due by 2026-09-30" in dashboard
    assert "The mid-term evaluation is overdue" in overview
    assert "The mid-term evaluation is overdue" in agreement


def test_an_overdue_evaluation_cites_the_article_of_the_numbering_it_was_signed_in(
    client, auth, jit
):
    with frozen(TODAY):
        version = jit.draft(evaluation={"mid_term_on": "2026-09-30", "arrangements": ""})
        version.content = _first_schema(version.content)
        db.session.commit()
        jit.sign_all(version)
    with frozen(at("2026-10-15")):
        auth.login(jit.nl_leader.user)
        overview = client.get(f"/t/{jit.team.code}/evaluation").get_data(as_text=True)
        agreement = client.get(f"/t/{jit.team.code}/agreement").get_data(as_text=True)
    for page in (overview, agreement):
        assert "The mid-term evaluation is overdue" in page
        assert "(Article 15)" in page  # "Evaluation" is Article 15 in the first numbering
        assert "(Article 13)" not in page


def test_the_pdf_names_states_as_a_sentence_does(client, auth, in_force):
    auth.login(in_force.nl_member.user)
    text = " ".join(pdf_text(client, in_force.team).split())
    assert "For the Netherlands" in text
    assert "For Netherlands" not in text
    assert "The Netherlands: " in text  # Article 1's list of parties
    assert "The team operates in: the Netherlands, Germany." in text


def test_a_finalised_mid_term_evaluation_is_not_overdue(jit):
    with frozen(TODAY):
        jit.sign_all(jit.draft(evaluation={"mid_term_on": "2026-09-30", "arrangements": ""}))
    with frozen(at("2026-09-01")):
        evaluation = evaluations.start(access_of(jit.coordinator), "mid_term")
        evaluations.save_contribution(access_of(jit.nl_leader), evaluation, {"arrests": 1})
        evaluations.finalise(access_of(jit.coordinator), evaluation)
        db.session.commit()
    with frozen(at("2026-10-15")):
        assert evaluations.mid_term_overdue(jit.team) is None
