"""Handling codes H1–H3: the conditions are shown and confirmed before any byte leaves."""

import pytest
from sqlalchemy import select

from evidence.models import CustodyEvent
from jit import codes
from jit.extensions import db


def _events(item):
    return db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
    ).all()


@pytest.mark.parametrize("code", ["H1", "H2", "H3"])
def test_a_restricted_download_needs_the_conditions_confirmed(
    client, auth, nl_member, make_item, code
):
    item = make_item(
        nl_member,
        handling_code=code,
        handling_conditions="Only with the written consent of the Landelijk Parket.",
        files=[("secret.txt", b"restricted bytes")],
    )
    auth.login(nl_member.user)
    url = f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}/files/{item.files[0].id}"

    shown = client.get(url)
    assert shown.status_code == 200
    assert b"restricted bytes" not in shown.data
    page = shown.get_data(as_text=True)
    assert "Only with the written consent of the Landelijk Parket." in page
    assert f"{code} —" in page

    refused = client.post(url, data={})
    assert refused.status_code == 400
    assert b"restricted bytes" not in refused.data
    assert "downloaded" not in [event.event_type for event in _events(item)]

    accepted = client.post(url, data={"acknowledge": "y"})
    assert accepted.status_code == 200
    assert accepted.data == b"restricted bytes"
    downloaded = _events(item)[-1]
    assert downloaded.event_type == "downloaded"
    assert downloaded.details["handling_acknowledged"] == code


def test_an_h0_download_needs_no_confirmation(client, auth, nl_member, make_item):
    item = make_item(nl_member, files=[("open.txt", b"open bytes")])
    auth.login(nl_member.user)
    url = f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}/files/{item.files[0].id}"
    assert client.get(url).data == b"open bytes"
    assert "handling_acknowledged" not in _events(item)[-1].details


def test_the_item_page_and_list_show_the_handling_code(client, auth, nl_member, make_item):
    make_item(nl_member, handling_code="H2", handling_conditions="Not beyond the JIT.")
    auth.login(nl_member.user)
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert codes.handling_label("H2") in page  # the wording of jit/codes.py
    assert "Not beyond the JIT." in page
    listing = client.get(f"/t/{nl_member.team.code}/evidence/").get_data(as_text=True)
    assert "handling--h2" in listing
