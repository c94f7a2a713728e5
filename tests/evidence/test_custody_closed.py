"""After an item is destroyed or returned its chain is closed: reads only."""

import pytest
from sqlalchemy import func, select

from evidence import custody
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.evidence.conftest import counts, item_fields, upload

CLOSING = {
    "destroyed": {
        "legal_basis": "Order of the Rechtbank Rotterdam, 2026-05-02",
        "purpose": "Destroyed by shredding",
    },
    "returned": {"received_by": "Owner, J. de Boer", "purpose": "Released by the prosecutor"},
}


@pytest.fixture(params=sorted(CLOSING))
def closed(request, client, auth, nl_member, make_item):
    item = make_item(nl_member, files=[("a.txt", b"content")])
    auth.login(nl_member.user)
    data = {"event_type": request.param, "occurred_at": "2026-05-02T10:00", "time_zone": "UTC"}
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody", data=data | CLOSING[request.param]
    )
    assert response.status_code == 303
    return item


def test_no_event_is_recorded_after_it(client, nl_member, closed):
    before = counts()
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody",
        data={
            "event_type": "analysed",
            "occurred_at": "2026-05-03T10:00",
            "time_zone": "UTC",
            "purpose": "Second look",
            "method": "Hex viewer",
        },
    )
    assert response.status_code == 400
    assert "chain of custody is closed" in response.get_data(as_text=True)
    assert counts() == before


def test_no_file_leaves_after_it(client, nl_member, closed):
    before = counts()
    response = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/files/{closed.files[0].id}")
    assert response.status_code == 409
    assert "chain of custody is closed" in response.get_data(as_text=True)
    assert counts() == before


def test_no_file_is_added_and_no_copy_made_after_it(client, nl_member, closed):
    before = counts()
    code = nl_member.team.code
    added = upload(client, f"/t/{code}/evidence/NL-0001/files", {}, [("files", "b.txt", b"b")])
    assert added.status_code == 400
    derived = upload(
        client,
        f"/t/{code}/evidence/new",
        item_fields(parent_exhibit="NL-0001", derivation="copy", collected_at="2026-05-03T10:00"),
    )
    assert derived.status_code == 400
    assert "chain of custody is closed" in derived.get_data(as_text=True)
    assert counts() == before


def test_it_can_still_be_read(client, nl_member, closed):
    code = nl_member.team.code
    page = client.get(f"/t/{code}/evidence/NL-0001")
    assert page.status_code == 200
    assert "its chain of custody is closed" in page.get_data(as_text=True)
    assert "Record an event" not in page.get_data(as_text=True)
    assert client.get(f"/t/{code}/evidence/NL-0001/custody-report.pdf").status_code == 200
    reads = db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.operation.in_(["evidence.item_viewed", "evidence.custody_report"])
        )
    )
    assert reads == 2
    assert custody.verify_items([closed]).is_intact
