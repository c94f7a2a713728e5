"""Mid-term and final evaluation: each party writes its part; totals; PDF; finalising."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from agreements import evaluations
from agreements.models import EvaluationContribution
from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import access_of, at

NL_PART = {
    "setting_up": "Quick national approval.",
    "operational": "Controlled delivery in Rotterdam.",
    "prosecution": "Admissibility of intercepts to be confirmed.",
    "arrests": "4",
    "searches": "6",
    "firearms_seized": "9",
    "ammunition_seized": "1150",
    "drugs_seized": "Cocaine: 212 kg",
    "convictions": "",
    "assets_eur": "310500.5",
    "other_results": "",
    "added_value": "Direct exchange without MLA requests.",
    "lessons_learned": "Agree the media line early.",
}


@pytest.fixture
def opened(in_force):
    with frozen(at("2026-11-01")):
        evaluation = evaluations.start(access_of(in_force.coordinator), "mid_term")
        db.session.commit()
    in_force.evaluation = evaluation
    return in_force


def url(jit, suffix=""):
    return f"/t/{jit.team.code}/evaluation/mid_term{suffix}"


def test_each_party_writes_its_own_part(client, auth, opened):
    jit = opened
    auth.login(jit.nl_leader.user)
    response = client.post(url(jit), data=NL_PART)
    assert response.status_code == 302
    auth.logout()
    auth.login(jit.de_leader.user)
    client.post(url(jit), data=NL_PART | {"arrests": "2", "assets_eur": "1000", "drugs_seized": ""})
    contributions = db.session.scalars(select(EvaluationContribution)).all()
    by_party = {c.party.country_code: c.answers for c in contributions}
    assert by_party["NL"]["arrests"] == 4
    assert by_party["NL"]["assets_eur"] == "310500.50"
    assert by_party["NL"]["convictions"] is None
    assert by_party["DE"]["arrests"] == 2
    page = client.get(url(jit)).get_data(as_text=True)  # the DE part, filled in again
    assert 'name="assets_eur"' in page
    assert 'value="1000.00"' in page
    totals = evaluations.totals(jit.evaluation)
    assert totals["arrests"] == 6
    assert totals["firearms_seized"] == 18
    assert totals["assets_eur"] == "311,500.50"


def test_a_member_reads_but_does_not_write_the_evaluation(client, auth, opened):
    auth.login(opened.nl_member.user)
    assert client.get(url(opened)).status_code == 200
    response = client.post(url(opened), data=NL_PART)
    assert response.status_code == 400
    assert "Your role does not write the evaluation" in response.get_data(as_text=True)
    assert db.session.scalars(select(EvaluationContribution)).all() == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("arrests", "-1", "Arrests"),
        ("arrests", "many", "Arrests"),
        ("assets_eur", "lots", "Assets"),
    ],
)
def test_bad_numbers_are_refused(client, auth, opened, field, value, message):
    auth.login(opened.nl_leader.user)
    response = client.post(url(opened), data=NL_PART | {field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(EvaluationContribution)).all() == []


def test_the_pdf_has_every_section_each_part_and_the_results(client, auth, opened):
    jit = opened
    auth.login(jit.nl_leader.user)
    client.post(url(jit), data=NL_PART)
    response = client.get(url(jit, ".pdf"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    for heading in ("Identification", "Results (all parties)", *evaluations.TEXT_SECTIONS.values()):
        assert heading in text, heading
    for answer in (
        "Controlled delivery in Rotterdam.",
        "Cocaine: 212 kg",
        "Agree the media line early.",
    ):
        assert answer in text
    assert "310,500.50" in text
    assert jit.version.content["reference"] in text


def test_finalising_locks_every_part(client, auth, opened):
    jit = opened
    auth.login(jit.nl_leader.user)
    client.post(url(jit), data=NL_PART)
    assert client.post(url(jit, "/finalise")).status_code == 403
    auth.logout()
    auth.login(jit.coordinator.user)
    assert client.post(url(jit, "/finalise")).status_code == 302
    auth.logout()
    auth.login(jit.nl_leader.user)
    response = client.post(url(jit), data=NL_PART | {"arrests": "40"})
    assert response.status_code == 400
    assert "finalised" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(EvaluationContribution)).answers["arrests"] == 4


def test_an_evaluation_needs_a_signed_agreement_and_opens_once(jit, opened):
    with pytest.raises(evaluations.EvaluationError, match="already open"):
        evaluations.start(access_of(opened.coordinator), "mid_term")
    with pytest.raises(evaluations.EvaluationError, match="Unknown evaluation"):
        evaluations.start(access_of(opened.coordinator), "yearly")


def test_no_evaluation_before_the_agreement_is_signed(jit):
    with pytest.raises(evaluations.EvaluationError, match="signed by all"):
        evaluations.start(access_of(jit.coordinator), "final")


def test_reviewers_do_not_see_the_evaluation(client, auth, opened, make_membership):
    judge = make_membership(opened.team, "reviewer", "NL")
    auth.login(judge.user)
    assert client.get(url(opened)).status_code == 403
    assert client.get(url(opened, ".pdf")).status_code == 403
