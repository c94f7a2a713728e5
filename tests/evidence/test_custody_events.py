"""Manual custody events: each type asks for what it needs; nothing half-written."""

import pytest
from sqlalchemy import select

from evidence.models import CustodyEvent
from jit import gates, signals
from jit.extensions import db
from tests.evidence.conftest import counts


def _grant(team, user=None):
    return True  # the agreement lets participants read evidence


@pytest.fixture
def item(nl_member, make_item):
    return make_item(nl_member, files=[("a.txt", b"content")])


def _post(client, nl_member, **fields):
    data = {
        "event_type": "transferred",
        "occurred_at": "2026-04-01T10:00",
        "time_zone": "Europe/Amsterdam",
        "location": "Landelijk Parket, Rotterdam",
        "purpose": "Handed to the prosecutor",
        "released_by": "Sanne Jansen",
        "released_by_party": "NL — Politie",
        "received_by": "Pieter de Vries",
        "received_by_party": "NL — OM",
        "packaging": "Sealed evidence bag NL-4471",
        "condition": "Seal intact",
        "receipt_number": "OM-ROT-2026-118",
    } | fields
    return client.post(f"/t/{nl_member.team.code}/evidence/NL-0001/custody", data=data)


def test_a_transfer_names_both_sides(client, auth, nl_member, item):
    auth.login(nl_member.user)
    response = _post(client, nl_member)
    assert response.status_code == 303
    event = db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
    ).all()[-1]
    assert event.event_type == "transferred"
    assert (event.released_by, event.received_by) == ("Sanne Jansen", "Pieter de Vries")
    assert event.occurred_at.isoformat() == "2026-04-01T08:00:00+00:00"
    assert event.actor_time_zone == "Europe/Amsterdam"
    assert event.actor_name == nl_member.user.display_name
    assert event.actor_party.startswith("NL — ")
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "Sanne Jansen" in page
    assert "Pieter de Vries" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"received_by": ""}, "Name who received the item."),
        ({"released_by": ""}, "Name who released the item."),
        ({"event_type": "sealed", "location": "Vault"}, "Give the seal or bag number."),
        ({"event_type": "analysed", "method": ""}, "Name the method or tool used."),
        ({"event_type": "destroyed", "legal_basis": ""}, "Give the decision or legal basis"),
        ({"packaging": ""}, "Describe the packaging it was handed over in."),
        ({"condition": ""}, "Describe its condition at the hand-over."),
        ({"receipt_number": ""}, "or choose the receiving member, who then confirms"),
        ({"event_type": "checked_in"}, "Name the storage facility and place"),
        ({"event_type": "checked_out", "storage_location": "Vault 2"}, "Say why it was checked"),
        ({"event_type": "unsealed", "seal_number": "S-1"}, "Say in what state the seal was"),
        ({"event_type": "resealed", "location": "Vault"}, "Give the number of the new seal."),
        ({"event_type": "viewed"}, "cannot be recorded by hand"),
        ({"event_type": "collected"}, "cannot be recorded by hand"),
        ({"occurred_at": ""}, "Give the date and time it happened."),
        ({"occurred_at": "2031-05-01T10:00"}, "The time given is in the future."),
    ],
)
def test_missing_fields_are_explained_and_nothing_is_recorded(
    client, auth, nl_member, item, fields, message
):
    auth.login(nl_member.user)
    before = counts()
    response = _post(client, nl_member, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts() == before


def test_the_agreement_gate_is_asked_before_recording(client, auth, nl_member, item):
    refuse = lambda team, action: gates.Decision(  # noqa: E731
        action != "record_custody", "The JIT expired on 2026-05-01; only an extension reopens it."
    )
    with signals.gate.connected_to(refuse):
        auth.login(nl_member.user)
        before = counts()
        response = _post(client, nl_member)
        assert response.status_code == 400
        assert "The JIT expired on 2026-05-01" in response.get_data(as_text=True)
        assert counts() == before


@pytest.mark.parametrize("role", ["coordinator", "participant", "reviewer"])
def test_roles_without_the_permission_cannot_record(
    client, auth, nl_member, item, make_membership, role, app
):
    with signals.participants_read_evidence.connected_to(_grant):
        team = nl_member.team
        if role == "coordinator":
            person = next(m.user for m in team.memberships if m.role == "coordinator")
        else:
            person = make_membership(team, role, "EUROJUST" if role == "participant" else "NL").user
        auth.login(person)
        before = counts()
        response = _post(client, nl_member)
        assert response.status_code in (403, 404)
        assert counts() == before
