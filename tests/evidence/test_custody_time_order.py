"""Time order: nothing before the collection; an earlier event only as a late entry."""

import pytest
from sqlalchemy import select

from evidence.models import CustodyEvent
from jit.extensions import db
from tests.evidence.conftest import counts


@pytest.fixture
def item(nl_member, make_item):
    # Collected 2026-03-14 09:30 UTC; stored today, so the upload is not on the time line.
    return make_item(nl_member, files=[("a.txt", b"content")])


def _seal(client, nl_member, when: str, **fields):
    data = {
        "event_type": "sealed",
        "occurred_at": when,
        "time_zone": "UTC",
        "location": "Evidence room, Rotterdam",
        "seal_number": "NL-S-1001",
    } | fields
    return client.post(f"/t/{nl_member.team.code}/evidence/NL-0001/custody", data=data)


def _last(item) -> CustodyEvent:
    return db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
    ).all()[-1]


def test_an_event_before_the_collection_is_refused(client, auth, nl_member, item):
    auth.login(nl_member.user)
    before = counts()
    response = _seal(client, nl_member, "2026-03-14T09:29", late_entry_reason="Forgot it")
    assert response.status_code == 400
    assert "nothing can have happened to it before" in response.get_data(as_text=True)
    assert counts() == before


def test_an_event_after_the_upload_but_in_the_items_time_order_is_not_late(
    client, auth, nl_member, item
):
    auth.login(nl_member.user)
    assert _seal(client, nl_member, "2026-03-14T11:00").status_code == 303
    assert _last(item).late_entry_reason == ""


def test_an_event_before_the_latest_one_needs_a_reason(client, auth, nl_member, item):
    auth.login(nl_member.user)
    assert _seal(client, nl_member, "2026-03-20T10:00").status_code == 303
    before = counts()
    response = _seal(client, nl_member, "2026-03-15T10:00", seal_number="NL-S-0999")
    assert response.status_code == 400
    assert "recorded as a late entry: say why" in response.get_data(as_text=True)
    assert counts() == before


def test_a_late_entry_is_kept_with_its_reason_and_shown_as_such(client, auth, nl_member, item):
    auth.login(nl_member.user)
    _seal(client, nl_member, "2026-03-20T10:00")
    response = _seal(
        client,
        nl_member,
        "2026-03-15T10:00",
        seal_number="NL-S-0999",
        late_entry_reason="Found on the paper form during the file review",
    )
    assert response.status_code == 303
    late = _last(item)
    assert late.late_entry_reason == "Found on the paper form during the file review"
    assert late.details["late_entry_reason"] == late.late_entry_reason
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "late entry" in page
    assert "Found on the paper form during the file review" in page
