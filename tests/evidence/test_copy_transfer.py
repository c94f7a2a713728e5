"""A copy handed over is a derived item with its own chain, not a transfer of the original."""

from sqlalchemy import select

from evidence import custody
from evidence.models import CustodyEvent, EvidenceItem
from jit.extensions import db
from tests.evidence.conftest import counts


def _chain(item) -> list[CustodyEvent]:
    return list(
        db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
        )
    )


def _hand_over_a_copy(client, nl_member, **fields):
    data = {
        "event_type": "transferred",
        "is_copy": "copy",
        "occurred_at": "2026-03-20T10:00",
        "time_zone": "Europe/Amsterdam",
        "location": "Eurojust, The Hague",
        "purpose": "Copy of the extraction for the German investigators",
        "released_by": "Sanne Jansen",
        "received_by": "Jonas Weber",
        "received_by_party": "DE — Staatsanwaltschaft Köln",
        "packaging": "Encrypted USB drive in bag NL-4480",
        "condition": "Seal intact",
        "receipt_number": "EJ-2026-0320-1",
    } | fields
    return client.post(f"/t/{nl_member.team.code}/evidence/NL-0001/custody", data=data)


def test_the_copy_gets_its_own_chain_and_lineage(client, auth, nl_member, make_item):
    original = make_item(
        nl_member,
        item_type="device-image",
        handling_code="H2",
        handling_conditions="Ask the Landelijk Parket first.",
        language="nl",
    )
    auth.login(nl_member.user)
    response = _hand_over_a_copy(client, nl_member)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/evidence/NL-0002")
    copy = db.session.scalar(select(EvidenceItem).where(EvidenceItem.exhibit_number == "NL-0002"))
    assert (copy.parent_id, copy.derivation) == (original.id, "copy")
    assert copy.language == "nl"  # the same text as its original's
    assert (copy.handling_code, copy.handling_conditions) == (
        "H2",
        "Ask the Landelijk Parket first.",
    )
    assert [e.event_type for e in _chain(copy)] == ["copied", "transferred"]
    transfer = _chain(copy)[-1]
    assert (transfer.released_by, transfer.received_by) == ("Sanne Jansen", "Jonas Weber")
    assert transfer.details["copy_of"] == "NL-0001"
    assert transfer.details["packaging"] == "Encrypted USB drive in bag NL-4480"
    # The original only records that a copy was made; it did not leave.
    assert [e.event_type for e in _chain(original)] == ["collected", "copied"]
    assert _chain(original)[-1].details["child_exhibit"] == "NL-0002"
    assert custody.verify_items([original, copy]).is_intact
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "NL-0002" in page[page.index("Lineage") :]


def test_a_refused_copy_transfer_leaves_nothing(client, auth, nl_member, make_item):
    make_item(nl_member)
    auth.login(nl_member.user)
    before = counts()
    response = _hand_over_a_copy(client, nl_member, condition="")
    assert response.status_code == 400
    assert counts() == before


def test_only_a_transfer_hands_over_a_copy(client, auth, nl_member, make_item):
    make_item(nl_member)
    auth.login(nl_member.user)
    before = counts()
    response = _hand_over_a_copy(
        client, nl_member, event_type="sealed", seal_number="S-1", location="Vault"
    )
    assert response.status_code == 400
    assert "Only a transfer can hand over a copy." in response.get_data(as_text=True)
    assert counts() == before
