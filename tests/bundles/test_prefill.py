"""A new request starts from what the workspace knows: party, agreement, executing state."""

from datetime import UTC, datetime

import pytest

from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import Jit


@pytest.fixture
def agreed(app, make_team, make_membership):
    """A team whose agreement (reference JIT <code>) entered into force on 2026-06-01."""
    from jit.teams.models import Membership

    team = make_team()
    coordinator = db.session.scalar(
        db.select(Membership).where(Membership.team_id == team.id, Membership.role == "coordinator")
    )
    jit = Jit(
        team,
        coordinator,
        make_membership(team, "leader", "NL"),
        make_membership(team, "leader", "DE"),
        make_membership(team, "member", "NL"),
    )
    with frozen(datetime(2026, 6, 1, 10, 0, tzinfo=UTC)):
        jit.version = jit.sign_all(jit.draft())
    return jit


def test_values_come_from_the_agreement_and_the_party(client, auth, agreed):
    from evidence.bundles.models import Bundle

    auth.login(agreed.nl_member.user)
    response = client.post(
        f"/t/{agreed.team.code}/requests/new",
        data={"request_type": "mla", "executing_state": "DE"},
    )
    assert response.status_code == 302
    bundle = db.session.scalar(db.select(Bundle))
    values = bundle.values
    assert values["requesting_authority"] == "Openbaar Ministerie"
    assert values["executing_state"] == "DE"
    assert values["requested_authority"] == "Staatsanwaltschaft Köln"
    assert values["proceedings_subject"] == "To investigate the trafficking of converted firearms."
    assert values["offences"] == "Firearms trafficking"
    assert values["proceedings_reference"] == "NL: 09/123456-26"
    assert f"JIT {agreed.team.code}" in values["legal_basis"]
    assert values["reference"] == f"{agreed.team.code}/NL/REQ-1"
    assert bundle.agreement_reference == f"JIT {agreed.team.code}"
    assert bundle.language == "de"  # proposed from the executing state (UNTOC art. 18(14))
    page = client.get(f"/t/{agreed.team.code}/requests/1/edit").get_data(as_text=True)
    assert "Firearms trafficking" in page


def test_a_state_outside_the_team_is_named_explicitly(client, auth, agreed):
    from evidence.bundles.models import Bundle

    auth.login(agreed.nl_member.user)
    client.post(
        f"/t/{agreed.team.code}/requests/new",
        data={"request_type": "extradition", "executing_state": "RS"},
    )
    bundle = db.session.scalar(db.select(Bundle))
    assert bundle.values["executing_state"] == "other"
    assert bundle.values["executing_state_other"] == "RS"
    assert bundle.language == "en"


def test_the_draft_pdf_cover_names_the_agreement_version(client, auth, agreed):
    import io
    import re

    from pypdf import PdfReader

    auth.login(agreed.nl_member.user)
    client.post(f"/t/{agreed.team.code}/requests/new", data={"request_type": "eio"})
    pdf = client.get(f"/t/{agreed.team.code}/requests/1/request.pdf").data
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert f"JIT {agreed.team.code}" in text
    # The version and its text's full SHA-256, not the stored "v1 sha256:…" label.
    squeezed = re.sub(r"\s+", "", text)
    assert f"version1,SHA-256{agreed.version.content_hash}" in squeezed
    assert "v1 sha256:" not in text


def test_the_create_form_sent_twice_starts_one_draft(client, auth, agreed):
    from evidence.bundles.models import Bundle

    auth.login(agreed.nl_member.user)
    page = client.get(f"/t/{agreed.team.code}/requests/new").get_data(as_text=True)
    token = page.split('name="submission_token" value="')[1].split('"')[0]
    data = {"request_type": "mla", "submission_token": token}
    first = client.post(f"/t/{agreed.team.code}/requests/new", data=data)
    again = client.post(f"/t/{agreed.team.code}/requests/new", data=data)
    assert first.status_code == 302
    assert again.status_code == 303
    assert again.headers["Location"].endswith("/requests/1/edit")
    assert db.session.scalar(db.select(db.func.count()).select_from(Bundle)) == 1
