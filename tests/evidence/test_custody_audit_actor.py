"""Custody recorded outside a web request (the demo, a command) still names, in the audit
record, the person who recorded it: a copy handed over and a receipt confirmed alike."""

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from evidence import custody_events
from evidence.custody_fields import EventInput
from jit.audit.models import AuditEntry
from jit.extensions import db
from jit.teams.access import TeamAccess


def test_a_copy_handed_over_and_a_receipt_confirmed_name_who_did_it(
    nl_member, make_item, make_membership
):
    item = make_item(nl_member, item_type="device-image")
    receiver = make_membership(nl_member.team, "leader", "NL")
    sender = TeamAccess(team=nl_member.team, membership=nl_member)
    to_the_leader = EventInput(
        event_type="transferred",
        occurred_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
        time_zone="Europe/Amsterdam",
        location="Rotterdam",
        purpose="To the team leader",
        released_by=nl_member.user.display_name,
        packaging="Evidence bag NL-4471",
        condition="Seal intact",
        receiving_member_id=receiver.user.id,
    )
    transfer = custody_events.record_event(sender, item, to_the_leader)
    custody_events.acknowledge_receipt(
        TeamAccess(team=nl_member.team, membership=receiver), item, transfer.seq
    )
    a_copy = replace(
        to_the_leader,
        occurred_at=datetime(2026, 3, 21, 9, 0, tzinfo=UTC),
        receiving_member_id=None,
        received_by="Jonas Weber",
        receipt_number="EJ-2026-0321-1",
        is_copy=True,
    )
    custody_events.record_event(sender, item, a_copy)
    db.session.commit()
    recorded = db.session.scalars(
        select(AuditEntry.user_id)
        .where(AuditEntry.operation == "evidence.custody_recorded")
        .order_by(AuditEntry.seq)
    ).all()
    assert recorded == [nl_member.user.id, receiver.user.id, nl_member.user.id]
