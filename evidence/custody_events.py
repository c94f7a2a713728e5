"""Custody events recorded by hand, and a receiver's acknowledgement of a transfer.

Each event type asks for what it must name (:mod:`evidence.custody_fields`); its time
must not precede the collection, and an event dated before the latest one already on
the item's time line is a late entry, accepted only with a reason and shown as such.
The event is appended to the item's signed chain (:mod:`evidence.custody`) with its
audit entry, in the caller's transaction. A refused event raises
:class:`EvidenceError` before anything is written.
"""

from datetime import timedelta

from sqlalchemy import func, select

from evidence import custody, custody_fields
from evidence.access import visible_item_by_id
from evidence.custody_copies import transfer_copy
from evidence.custody_fields import (
    MANUAL_EVENT_TYPES,
    REQUIRED_FIELDS,
    STATED_EVENT_TYPES,
    EventInput,
    check_fields,
    details_of,
)
from evidence.errors import EvidenceError
from evidence.models import CustodyEvent, CustodyEventType, EvidenceItem
from evidence.services import check_gate, first_message
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.permissions import Permission
from jit.teams.access import TeamAccess
from jit.teams.models import Membership

__all__ = ["MANUAL_EVENT_TYPES", "REQUIRED_FIELDS", "EventInput", "record_event"]


def record_event(access: TeamAccess, item: EvidenceItem, data: EventInput):
    """Record a custody event entered by a person, after checking its fields and time."""
    if not access.can(Permission.RECORD_CUSTODY):
        raise EvidenceError("Your role in this team does not allow recording custody events.")
    check_gate(access, "record_custody")
    if data.event_type not in REQUIRED_FIELDS:
        allowed = ", ".join(t.value for t in MANUAL_EVENT_TYPES)
        raise EvidenceError(
            f"“{data.event_type}” cannot be recorded by hand; choose one of {allowed}.",
            {"event_type": ["Choose an event type from the list."]},
        )
    errors = check_fields(data)
    _check_time(item, data, errors)
    receiver = _receiving_member(access, item, data, errors)
    if errors:
        raise EvidenceError(first_message(errors), errors)
    details = details_of(data)
    if _is_late(item, data):
        details["late_entry_reason"] = data.late_entry_reason.strip()
    if receiver is not None:
        details["receiving_member"] = receiver.user.display_name
        details["receiving_member_user_id"] = receiver.user.id
    received_by = data.received_by.strip() or (receiver.user.display_name if receiver else "")
    if data.is_copy:
        return transfer_copy(access, item, data, details)
    event = custody.append_event(
        item,
        data.event_type,
        recorded_by=access.user,
        details=details,
        **custody_fields.event_columns(data, received_by),
    )
    audit.record(
        "evidence.custody_recorded",
        team=access.team,
        actor=access.user,
        target=item,
        new={"exhibit_number": item.exhibit_number, "seq": event.seq, "type": data.event_type},
    )
    return event


def latest_stated_time(item: EvidenceItem):
    """Return the latest time a person stated on the item's chain (its time line's end)."""
    return db.session.scalar(
        select(func.max(CustodyEvent.occurred_at)).where(
            CustodyEvent.item_id == item.id, CustodyEvent.event_type.in_(STATED_EVENT_TYPES)
        )
    )


def _is_late(item: EvidenceItem, data: EventInput) -> bool:
    latest = latest_stated_time(item)
    return latest is not None and data.occurred_at is not None and data.occurred_at < latest


def _check_time(item: EvidenceItem, data: EventInput, errors: dict[str, list[str]]) -> None:
    when = data.occurred_at
    if when is None:
        errors.setdefault("occurred_at", []).append("Give the date and time it happened.")
        return
    if when > utcnow() + timedelta(minutes=5):
        errors.setdefault("occurred_at", []).append("The time given is in the future.")
    elif when < item.collected_at:
        errors.setdefault("occurred_at", []).append(
            f"{item.exhibit_number} was collected at {item.collected_at:%Y-%m-%d %H:%M} UTC; "
            "nothing can have happened to it before."
        )
    elif _is_late(item, data) and not data.late_entry_reason.strip():
        latest = latest_stated_time(item)
        errors.setdefault("late_entry_reason", []).append(
            f"The latest event on {item.exhibit_number} is dated {latest:%Y-%m-%d %H:%M} UTC. "
            "An earlier event is recorded as a late entry: say why it is entered only now."
        )


def _receiving_member(
    access: TeamAccess, item: EvidenceItem, data: EventInput, errors: dict[str, list[str]]
) -> Membership | None:
    if data.receiving_member_id is None:
        return None
    membership = db.session.scalar(
        select(Membership).where(
            Membership.team_id == access.team.id, Membership.user_id == data.receiving_member_id
        )
    )
    readable = membership is not None and (
        visible_item_by_id(TeamAccess(team=access.team, membership=membership), item.id) is not None
    )
    if not readable:
        errors.setdefault("receiving_member", []).append(
            "Choose a member of the team who may see this item, or give a paper receipt number."
        )
        return None
    return membership


def awaiting_acknowledgement(item: EvidenceItem, events: list[CustodyEvent], user) -> list:
    """Return the transfers in ``events`` that name ``user`` as receiver and await their word."""
    acknowledged = {
        e.details.get("transfer_seq")
        for e in events
        if e.event_type == CustodyEventType.ACKNOWLEDGED.value
    }
    return [
        e
        for e in events
        if e.event_type == CustodyEventType.TRANSFERRED.value
        and e.details.get("receiving_member_user_id") == user.id
        and e.seq not in acknowledged
    ]


def acknowledge_receipt(access: TeamAccess, item: EvidenceItem, seq: int) -> CustodyEvent:
    """Record that the member named as receiver of transfer ``seq`` confirms the receipt."""
    check_gate(access, "record_custody")
    events = list(
        db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
        )
    )
    pending = {e.seq: e for e in awaiting_acknowledgement(item, events, access.user)}
    transfer = pending.get(seq)
    if transfer is None:
        raise EvidenceError(
            f"Custody event #{seq} of {item.exhibit_number} is not a transfer awaiting your "
            "confirmation (it names someone else, or was confirmed already)."
        )
    event = custody.append_event(
        item,
        CustodyEventType.ACKNOWLEDGED,
        recorded_by=access.user,
        purpose=f"Receipt of the transfer in custody event #{seq} confirmed by the receiver",
        released_by=transfer.released_by,
        released_by_party=transfer.released_by_party,
        received_by=access.user.display_name,
        received_by_party=transfer.received_by_party,
        details={"transfer_seq": seq},
    )
    audit.record(
        "evidence.custody_recorded",
        team=access.team,
        actor=access.user,
        target=item,
        new={"exhibit_number": item.exhibit_number, "seq": event.seq, "type": event.event_type},
    )
    return event
