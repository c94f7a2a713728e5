"""Mid-term and final evaluation: each party writes its part; totals; PDF; finalising."""

import io
import re

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
    "assets_seized_eur": "310500.5",
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
    client.post(
        url(jit), data=NL_PART | {"arrests": "2", "assets_seized_eur": "1000", "drugs_seized": ""}
    )
    contributions = db.session.scalars(select(EvaluationContribution)).all()
    by_party = {c.party.country_code: c.answers for c in contributions}
    assert by_party["NL"]["arrests"] == 4
    assert by_party["NL"]["assets_seized_eur"] == "310500.50"
    assert by_party["NL"]["convictions"] is None
    assert by_party["DE"]["arrests"] == 2
    page = client.get(url(jit)).get_data(as_text=True)  # the DE part, filled in again
    assert 'name="assets_seized_eur"' in page
    assert 'value="1000.00"' in page
    totals = evaluations.totals(jit.evaluation)
    assert totals["arrests"] == 6
    assert totals["firearms_seized"] == 18
    assert totals["assets_seized_eur"] == "311,500.50"


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
        ("assets_seized_eur", "lots", "Assets seized"),
        ("assets_recovered_eur", "-5", "Assets recovered"),
        ("eurojust_funding_eur", "NaN", "Eurojust funding"),
        ("eios_issued", "-1", "European Investigation Orders issued"),
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


def test_seized_and_recovered_assets_and_funding_are_separate_figures(client, auth, opened):
    jit = opened
    auth.login(jit.nl_leader.user)
    part = NL_PART | {
        "assets_recovered_eur": "12000",
        "eurojust_funding_eur": "18450.75",
        "legal_issues": "Dutch disclosure rules reach Croatian intercepts.",
    }
    assert client.post(url(jit), data=part).status_code == 302
    answers = db.session.scalar(select(EvaluationContribution)).answers
    assert answers["assets_seized_eur"] == "310500.50"
    assert answers["assets_recovered_eur"] == "12000.00"
    assert answers["eurojust_funding_eur"] == "18450.75"
    totals = evaluations.totals(jit.evaluation)
    assert totals["assets_seized_eur"] == "310,500.50"
    assert totals["assets_recovered_eur"] == "12,000.00"
    response = client.get(url(jit, ".pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Legal issues" in text
    assert "Dutch disclosure rules reach Croatian intercepts." in text
    for label in ("Assets seized (EUR)", "Assets recovered (EUR)", "Eurojust funding received"):
        assert label in text


def test_a_part_written_before_the_split_keeps_its_one_assets_figure(client, auth, opened):
    jit = opened
    auth.login(jit.nl_leader.user)
    client.post(url(jit), data=NL_PART)
    contribution = db.session.scalar(select(EvaluationContribution))
    contribution.answers = {
        k: v for k, v in contribution.answers.items() if k != "assets_seized_eur"
    } | {"assets_eur": "5000.00"}
    db.session.commit()
    page = client.get(url(jit)).get_data(as_text=True)
    assert evaluations.OLD_MONEY["assets_eur"] in page
    assert evaluations.totals(jit.evaluation)["assets_eur"] == "5,000.00"


def test_request_counts_start_from_the_requests_register(client, auth, opened):
    from evidence.bundles.models import Bundle

    jit = opened
    nl = jit.nl_leader.party
    rows = [
        ("eio", "final", 1),
        ("eio", "final", 2),  # a corrected version of the same request
        ("eio", "draft", 1),  # not issued
        ("eaw", "final", 1),
        ("mla", "final", 1),
        ("mla", "final", 1),
    ]
    for number, (kind, status, version) in enumerate(rows, start=1):
        db.session.add(
            Bundle(
                team_id=jit.team.id,
                party_id=nl.id,
                number=number,
                request_type=kind,
                status=status,
                version=version,
            )
        )
    db.session.add(
        Bundle(team_id=jit.team.id, party_id=jit.de_leader.party.id, number=9, request_type="eio")
    )
    db.session.commit()
    assert evaluations.requests_issued(jit.team, nl) == {
        "eios_issued": 1,
        "eaws_issued": 1,
        "mla_issued": 2,
    }
    auth.login(jit.nl_leader.user)
    page = client.get(url(jit)).get_data(as_text=True)
    assert _input_value(page, "eios_issued") == "1"
    assert _input_value(page, "eaws_issued") == "1"
    assert _input_value(page, "mla_issued") == "2"
    # A figure the party entered itself wins over the register's.
    client.post(url(jit), data=NL_PART | {"mla_issued": "5"})
    page = client.get(url(jit)).get_data(as_text=True)
    assert _input_value(page, "mla_issued") == "5"


def _input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else None
