"""An outgoing tracing request is a register row: made by 'Request tracing', linked to the
firearm and the bundle, moved along by the bundle's tracking, and shown only to who may
see both the firearm and the bundle."""

import csv
import io
import re

import pytest
from sqlalchemy import select

from evidence.firearms.models import TracingRequest
from jit import clock
from jit.audit.models import AuditEntry
from jit.directory import services as directory
from jit.extensions import db
from tests.bundles.conftest import SIGNATURE
from tests.firearms.conftest import count

TRACING_VALUES = {
    "requested_agency": "MUP Firearms Unit",
    "requesting_agency": "Politie Rotterdam",
    "reference": "OP-1/NL/TR-7",
    "legal_bases": ["iti"],
    "is_urgent": "no",
    "illicit_grounds": ["national_law"],
    "legal_justification": "Possession without licence, Art. 26 Wet wapens en munitie.",
    "recovery_circumstances": "Found in the van during the search.",
    "information_sought": ["transfers", "last_owner"],
    "intended_use": "To identify the point of diversion.",
    "is_confidential": "no",
    "contact_name": "Insp. P. Bakker",
    "contact_email": "p.bakker@politie.example",
    **SIGNATURE,
}


@pytest.fixture
def nl(make_team, make_membership):
    team = make_team()
    return {
        "member": make_membership(team, "member", "NL"),
        "leader": make_membership(team, "leader", "NL"),
    }


def _token(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert match, "no Request tracing form on the page"
    return match.group(1)


def _press_request_tracing(client, auth, membership, firearm):
    auth.login(membership.user)
    url = f"/t/{membership.team.code}/firearms/{firearm.id}"
    response = client.post(f"{url}/request-tracing", data={"submission_token": _token(client, url)})
    assert response.status_code == 303
    return db.session.scalar(select(TracingRequest).where(TracingRequest.firearm_id == firearm.id))


def _outgoing_tab(client, team) -> str:
    response = client.get(f"/t/{team.code}/tracing/?direction=outgoing")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_request_tracing_registers_an_outgoing_request_for_the_firearm_and_bundle(
    client, auth, nl, make_firearm_item, make_firearm
):
    member = nl["member"]
    firearm = make_firearm(member, make_firearm_item(member))
    directory.create_entry(
        {"country": "RS", "function": "firearms-focal-point", "name": "MUP Firearms Unit"},
        actor=None,
    )
    db.session.commit()
    team = member.team
    auth.login(member.user)
    assert "TR-OUT" not in _outgoing_tab(client, team)
    assert "HR-" not in client.get(f"/t/{team.code}/firearms/?traced=yes").get_data(as_text=True)

    row = _press_request_tracing(client, auth, member, firearm)
    assert row is not None
    assert (row.direction, row.status) == ("outgoing", "draft")
    assert (row.firearm_id, row.bundle.request_type) == (firearm.id, "tracing")
    assert row.party_id == member.party_id
    assert row.number == f"TR-OUT-{clock.utcnow().year}-001"
    assert (row.counterpart_country, row.counterpart_authority) == ("RS", "MUP Firearms Unit")
    assert (row.manufacturer, row.calibre, row.serial_as_read) == (
        "Zastava",
        "7.62×25",
        "12-M57-48221",
    )
    assert row.due_on is None
    assert row.sent_on is None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "firearms.tracing_outgoing")
    )
    assert entry.new_values["bundle"] == row.bundle.label
    assert entry.new_values["firearm"] == firearm.label

    tab = _outgoing_tab(client, team)
    assert row.number in tab
    assert row.bundle.label in tab
    assert firearm.label in tab
    assert "MUP Firearms Unit (RS)" in tab
    assert "not sent" in tab
    traced = client.get(f"/t/{team.code}/firearms/?traced=yes").get_data(as_text=True)
    assert firearm.label in traced
    page = client.get(f"/t/{team.code}/firearms/{firearm.id}").get_data(as_text=True)
    assert row.number in page
    assert row.bundle.label in page
    detail = client.get(f"/t/{team.code}/tracing/{row.id}").get_data(as_text=True)
    assert row.bundle.label in detail
    assert "follows the request" in detail
    assert "Mark as" not in detail


def test_an_outgoing_request_is_not_moved_by_hand(
    client, auth, nl, make_firearm_item, make_firearm
):
    member = nl["member"]
    row = _press_request_tracing(
        client, auth, member, make_firearm(member, make_firearm_item(member))
    )
    before = count(AuditEntry)
    response = client.post(
        f"/t/{member.team.code}/tracing/{row.id}/status", data={"status": "closed"}
    )
    assert response.status_code == 400
    assert "follows its request bundle" in response.get_data(as_text=True)
    db.session.refresh(row)
    assert row.status == "draft"
    assert count(AuditEntry) == before


def _finalise(membership, bundle):
    from evidence.bundles import forms, services
    from evidence.bundles.pdf import request_pdf
    from tests.firearms.conftest import access_of

    access = access_of(membership.user, membership.team)
    services.save_values(
        access, bundle, forms.from_mapping(bundle.values | TRACING_VALUES), bundle.language
    )
    db.session.commit()
    assert services.problems(bundle) == []
    services.finalise(access, bundle, lambda document: request_pdf(document, sign=True))
    db.session.commit()


def _step(client, team, bundle, status, reference=""):
    from evidence.bundles import tracking

    on = tracking.today(clock.utcnow()).isoformat()
    response = client.post(
        f"/t/{team.code}/requests/{bundle.number}/status",
        data={"status": status, "occurred_on": on, "reference": reference},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_the_outgoing_request_follows_its_bundle_from_draft_to_sent_to_answered(
    client, auth, nl, make_firearm_item, make_firearm
):
    from evidence.bundles import tracking

    member, leader = nl["member"], nl["leader"]
    firearm = make_firearm(member, make_firearm_item(member))
    row = _press_request_tracing(client, auth, member, firearm)
    bundle = row.bundle
    _finalise(leader, bundle)
    db.session.refresh(row)
    assert row.status == "draft"  # final is not sent yet

    today = tracking.today(clock.utcnow())
    team = member.team
    auth.login(member.user)
    _step(client, team, bundle, "sent")
    db.session.refresh(row)
    assert (row.status, row.sent_on) == ("sent", today)
    # The addressee is the one the request went to, as completed in the draft.
    assert (row.counterpart_country, row.counterpart_authority) == ("RS", "MUP Firearms Unit")
    tab = _outgoing_tab(client, team)
    assert f"<td>{today.isoformat()}</td>" in tab
    assert "<td>0</td>" in tab  # days since sent

    _step(client, team, bundle, "acknowledged", "MUP-TR-2026/44")
    db.session.refresh(row)
    assert (row.status, row.counterpart_reference) == ("sent", "MUP-TR-2026/44")
    assert "MUP-TR-2026/44" in _outgoing_tab(client, team)

    _step(client, team, bundle, "executed")
    db.session.refresh(row)
    assert (row.status, row.answered_on) == ("answered", today)
    assert f"{bundle.label} executed on {today.isoformat()}" in row.answer
    steps = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.operation == "firearms.tracing_status")
        .order_by(AuditEntry.id)
    ).all()
    assert [entry.new_values.get("status") for entry in steps] == ["sent", None, "answered"]
    assert [entry.new_values["bundle_status"] for entry in steps] == [
        "sent",
        "acknowledged",
        "executed",
    ]
    assert all(entry.user_id == member.user.id for entry in steps)
    page = client.get(f"/t/{team.code}/firearms/{firearm.id}").get_data(as_text=True)
    assert f"answered on {today.isoformat()}" in page


@pytest.mark.parametrize(
    ("steps", "status"),
    [
        (("sent", "refused"), "answered"),
        (("sent", "partially"), "answered"),
        (("withdrawn",), "closed"),
    ],
)
def test_a_refusal_or_partial_execution_answers_and_a_withdrawal_closes(
    client, auth, nl, make_firearm_item, make_firearm, steps, status
):
    member = nl["member"]
    row = _press_request_tracing(
        client, auth, member, make_firearm(member, make_firearm_item(member))
    )
    _finalise(nl["leader"], row.bundle)
    auth.login(member.user)
    for step in steps:
        _step(client, member.team, row.bundle, step)
    db.session.refresh(row)
    assert row.status == status


def test_only_who_sees_both_the_firearm_and_the_bundle_sees_the_outgoing_request(
    client, auth, nl, make_membership, make_firearm_item, make_firearm
):
    member = nl["member"]
    team = member.team
    # Seen by the whole team, but the bundle only by NL's drafters and every leader.
    open_firearm = make_firearm(member, make_firearm_item(member, title="Open pistol"))
    # Seen only by NL, but the bundle also by DE's leader.
    closed_firearm = make_firearm(
        member, make_firearm_item(member, title="NL-only pistol", visibility="party"), serial="777"
    )
    open_row = _press_request_tracing(client, auth, member, open_firearm)
    closed_row = _press_request_tracing(client, auth, member, closed_firearm)
    auth.login(member.user)
    tab = _outgoing_tab(client, team)
    assert open_row.number in tab
    assert closed_row.number in tab

    de_member = make_membership(team, "member", "DE")
    de_leader = make_membership(team, "leader", "DE")
    for outsider, row, _firearm in (
        (de_member, open_row, open_firearm),
        (de_leader, closed_row, closed_firearm),
    ):
        auth.logout()
        auth.login(outsider.user)
        tab = _outgoing_tab(client, team)
        assert row.number not in tab
        assert row.bundle.label not in tab
        assert client.get(f"/t/{team.code}/tracing/{row.id}").status_code == 404
        assert row.number not in client.get(f"/t/{team.code}/tracing/").get_data(as_text=True)
    # DE's member sees the open firearm, but not that NL asked for it to be traced.
    auth.logout()
    auth.login(de_member.user)
    page = client.get(f"/t/{team.code}/firearms/{open_firearm.id}").get_data(as_text=True)
    assert open_row.number not in page
    traced = client.get(f"/t/{team.code}/firearms/?traced=yes").get_data(as_text=True)
    assert open_firearm.label not in traced
    untraced = client.get(f"/t/{team.code}/firearms/?traced=no").get_data(as_text=True)
    assert open_firearm.label in untraced
    exported = client.get(f"/t/{team.code}/firearms/register.csv").get_data(as_text=True)
    rows = {row["exhibit"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert rows[open_firearm.item.exhibit_number]["traced"] == "no"
    # DE's leader sees the open request (both visible) and not the NL-only firearm's.
    auth.logout()
    auth.login(de_leader.user)
    tab = _outgoing_tab(client, team)
    assert open_row.number in tab
    assert client.get(f"/t/{team.code}/firearms/{closed_firearm.id}").status_code == 404


def test_a_new_version_of_the_request_carries_the_row_when_it_is_sent(
    client, auth, nl, make_firearm_item, make_firearm
):
    from evidence.bundles import services
    from tests.firearms.conftest import access_of

    member, leader = nl["member"], nl["leader"]
    row = _press_request_tracing(
        client, auth, member, make_firearm(member, make_firearm_item(member))
    )
    first = row.bundle
    _finalise(leader, first)
    second = services.new_version(access_of(member.user, member.team), first)
    db.session.commit()
    _finalise(leader, second)
    auth.login(member.user)
    _step(client, member.team, second, "sent")
    db.session.refresh(row)
    assert (row.bundle_id, row.status) == (second.id, "sent")
    assert count(TracingRequest) == 1
    assert second.label in _outgoing_tab(client, member.team)


def test_the_answer_names_the_reply_kept_only_to_who_may_open_it(
    client, auth, nl, make_firearm_item, make_firearm, make_membership
):
    """The reply is kept for NL only (the default): DE's leader, who sees the request and
    the firearm, reads the answer without the reply's exhibit number."""
    from evidence.bundles import tracking, tracking_services
    from tests.firearms.conftest import access_of

    member, leader = nl["member"], nl["leader"]
    firearm = make_firearm(member, make_firearm_item(member))
    row = _press_request_tracing(client, auth, member, firearm)
    bundle = row.bundle
    _finalise(leader, bundle)
    today = tracking.today(clock.utcnow())
    access = access_of(member.user, member.team)
    tracking_services.change_status(access, bundle, "sent", occurred_on=today)
    change = tracking_services.change_status(
        access,
        bundle,
        "executed",
        occurred_on=today,
        reply=tracking_services.Reply("answer.txt", "text/plain", b"Traced to Kragujevac."),
    )
    db.session.commit()
    reply = change.reply_item.exhibit_number
    db.session.refresh(row)
    assert f"reply kept as {reply}" in row.answer
    url = f"/t/{member.team.code}/tracing/{row.id}"
    auth.login(member.user)
    assert f"reply kept as {reply}" in client.get(url).get_data(as_text=True)
    auth.logout()
    de_leader = make_membership(member.team, "leader", "DE")
    auth.login(de_leader.user)
    assert client.get(f"/t/{member.team.code}/evidence/{reply}").status_code == 404
    page = client.get(url).get_data(as_text=True)
    assert f"{bundle.label} executed on" in page
    assert reply not in page
    assert "reply kept as an item you may not open" in page
