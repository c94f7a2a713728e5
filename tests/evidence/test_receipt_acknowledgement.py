"""A transfer to a member awaits their confirmation, recorded as its own custody event."""

import pytest
from sqlalchemy import select

from evidence.models import CustodyEvent
from jit.extensions import db
from tests.evidence.conftest import counts


def _chain(item) -> list[CustodyEvent]:
    return list(
        db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
        )
    )


@pytest.fixture
def handed_over(client, auth, nl_member, make_item, make_membership):
    item = make_item(nl_member)
    receiver = make_membership(nl_member.team, "leader", "NL")
    auth.login(nl_member.user)
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody",
        data={
            "event_type": "transferred",
            "occurred_at": "2026-03-20T10:00",
            "time_zone": "Europe/Amsterdam",
            "location": "Rotterdam",
            "purpose": "To the team leader",
            "released_by": nl_member.user.display_name,
            "packaging": "Evidence bag NL-4471",
            "condition": "Seal intact",
            "receiving_member": str(receiver.user.id),
        },
    )
    assert response.status_code == 303
    auth.logout()
    return item, receiver


def test_the_receiver_confirms_once(client, auth, nl_member, handed_over):
    item, receiver = handed_over
    transfer = _chain(item)[-1]
    assert transfer.received_by == receiver.user.display_name
    assert transfer.details["receiving_member_user_id"] == receiver.user.id
    auth.login(receiver.user)
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "Confirm I received it" in page
    url = f"/t/{nl_member.team.code}/evidence/NL-0001/custody/{transfer.seq}/acknowledge"
    assert client.post(url).status_code == 302
    acknowledged = _chain(item)[-1]
    assert acknowledged.event_type == "acknowledged"
    assert acknowledged.details == {"transfer_seq": transfer.seq}
    assert acknowledged.recorded_by_id == receiver.user.id
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "Confirm I received it" not in page
    before = counts()
    client.post(url)
    assert counts() == before


def test_nobody_else_confirms_for_the_receiver(client, auth, nl_member, handed_over):
    item, _receiver = handed_over
    transfer = _chain(item)[-1]
    auth.login(nl_member.user)
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "Confirm I received it" not in page
    before = counts()
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody/{transfer.seq}/acknowledge",
        follow_redirects=True,
    )
    assert "is not a transfer awaiting your confirmation" in response.get_data(as_text=True)
    assert counts() == before


def test_confirming_needs_the_csrf_token(client, auth, nl_member, handed_over):
    item, receiver = handed_over
    auth.login(receiver.user)
    before = counts()
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody/{_chain(item)[-1].seq}/acknowledge",
        csrf=False,
    )
    assert response.status_code == 400
    assert counts() == before


def test_a_receiver_who_cannot_see_the_item_is_refused(
    client, auth, nl_member, make_item, make_membership
):
    make_item(nl_member, visibility="party")
    stranger = make_membership(nl_member.team, "member", "DE")
    auth.login(nl_member.user)
    before = counts()
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody",
        data={
            "event_type": "transferred",
            "occurred_at": "2026-03-20T10:00",
            "time_zone": "UTC",
            "location": "Rotterdam",
            "purpose": "Hand-over",
            "released_by": "A",
            "received_by": "B",
            "packaging": "Bag",
            "condition": "Intact",
            "receiving_member": str(stranger.user.id),
        },
    )
    assert response.status_code == 400
    assert "Choose a member of the team who may see this item" in response.get_data(as_text=True)
    assert counts() == before
