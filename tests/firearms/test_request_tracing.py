"""'Request tracing' on a firearm record drafts a tracing bundle pre-filled from its markings."""

import re

import pytest
from sqlalchemy import select

from evidence.bundles.models import Bundle
from jit.directory import services as directory
from jit.extensions import db
from tests.firearms.conftest import audit_count, count


@pytest.fixture
def member(make_team, make_membership):
    return make_membership(make_team(), "member", "NL")


def _token(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert match, "no Request tracing form on the page"
    return match.group(1)


def test_request_tracing_drafts_a_prefilled_bundle_with_the_item(
    client, auth, member, make_firearm_item, make_firearm
):
    from evidence.firearms import services

    item = make_firearm_item(member)
    firearm = make_firearm(
        member,
        item,
        year_of_manufacture=1987,
        proof_marks="Yugoslav proof",
        serials=[
            services.SerialInput("frame", "12-M57-48221"),
            services.SerialInput("slide", "48?21", "partly-legible"),
        ],
    )
    directory.create_entry(
        {"country": "RS", "function": "firearms-focal-point", "name": "MUP Firearms Unit"},
        actor=None,
    )
    db.session.commit()
    auth.login(member.user)
    url = f"/t/{member.team.code}/firearms/{firearm.id}"
    response = client.post(f"{url}/request-tracing", data={"submission_token": _token(client, url)})
    assert response.status_code == 303
    bundle = db.session.scalar(select(Bundle))
    assert response.headers["Location"].endswith(f"/requests/{bundle.number}/edit")
    assert bundle.request_type == "tracing"
    values = bundle.values
    assert values["executing_state"] == "other"
    assert values["executing_state_other"] == "RS"
    assert values["requested_agency"] == "MUP Firearms Unit"
    assert (values["manufacturer"], values["model"], values["calibre"]) == (
        "Zastava",
        "M57",
        "7.62×25",
    )
    assert values["weapon_type"] == "pistol"
    assert values["serial_frame"] == "12-M57-48221"
    assert values["serial_slide"] == "48?21"
    assert "partly legible" in values["alterations"]
    assert "Converted" in values["alterations"]
    assert values["recovered_on"] == "2026-03-14"
    assert values["recovered_at"] == "Bajakovo border crossing"
    assert values["year_of_manufacture"] == 1987
    assert values["other_marks"] == "Yugoslav proof"
    assert values["requesting_agency"]  # the workspace's own pre-fill is kept
    assert [entry.item_id for entry in bundle.items] == [item.id]
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "MUP Firearms Unit" in edit
    assert "12-M57-48221" in edit


def test_a_double_click_drafts_one_request(client, auth, member, make_firearm_item, make_firearm):
    firearm = make_firearm(member, make_firearm_item(member))
    auth.login(member.user)
    url = f"/t/{member.team.code}/firearms/{firearm.id}"
    token = _token(client, url)
    client.post(f"{url}/request-tracing", data={"submission_token": token})
    client.post(f"{url}/request-tracing", data={"submission_token": token})
    assert count(Bundle) == 1


def test_who_drafts_no_requests_sees_no_button_and_is_refused(
    client, auth, member, make_membership, make_firearm_item, make_firearm
):
    firearm = make_firearm(member, make_firearm_item(member))
    coordinator = make_membership(member.team, "coordinator", "EUROJUST")
    auth.login(coordinator.user)
    url = f"/t/{member.team.code}/firearms/{firearm.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Request tracing" not in page
    before = audit_count()
    response = client.post(f"{url}/request-tracing", data={"submission_token": "x" * 43})
    assert response.status_code in (303, 400)
    assert count(Bundle) == 0
    assert audit_count() == before


def test_outsiders_get_404_and_csrf_is_required(
    client, auth, member, make_team, make_membership, make_firearm_item, make_firearm
):
    firearm = make_firearm(member, make_firearm_item(member))
    outsider = make_membership(make_team(), "member", "NL")
    auth.login(outsider.user)
    url = f"/t/{member.team.code}/firearms/{firearm.id}/request-tracing"
    assert client.post(url, data={"submission_token": "x"}).status_code == 404
    auth.login(member.user)
    assert client.post(url, data={"submission_token": "x"}, csrf=False).status_code == 400
    assert count(Bundle) == 0
