"""Custody events recorded by hand: acquisition, transfer, analysis, sealing, return, destruction.

Each event type asks for what it must name (:data:`REQUIRED_FIELDS`); the event is
appended to the item's signed chain (:mod:`evidence.custody`) with its audit entry, in
the caller's transaction. A refused event raises :class:`EvidenceError` before anything
is written.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from evidence import custody
from evidence.models import CustodyEventType, EvidenceItem
from evidence.services import EvidenceError, check_gate, first_message
from jit.audit import services as audit
from jit.clock import utcnow
from jit.permissions import Permission
from jit.teams.access import TeamAccess

MANUAL_EVENT_TYPES = [
    CustodyEventType.ACQUIRED,
    CustodyEventType.TRANSFERRED,
    CustodyEventType.ANALYSED,
    CustodyEventType.SEALED,
    CustodyEventType.RETURNED,
    CustodyEventType.DESTROYED,
]

# What each manual event must name, and how to ask for it.
REQUIRED_FIELDS: dict[str, dict[str, str]] = {
    "acquired": {
        "location": "Say where it was acquired.",
        "method": "Name the acquisition method and tool (with version).",
    },
    "transferred": {
        "released_by": "Name who released the item.",
        "received_by": "Name who received the item.",
        "purpose": "Give the reason for the change of custody.",
        "location": "Say where the hand-over took place.",
    },
    "analysed": {
        "purpose": "Say what was analysed and why.",
        "method": "Name the method or tool used.",
    },
    "sealed": {
        "seal_number": "Give the seal or bag number.",
        "location": "Say where it was sealed.",
    },
    "returned": {
        "received_by": "Name who the item was returned to.",
        "purpose": "Give the reason for the return.",
    },
    "destroyed": {
        "legal_basis": "Give the decision or legal basis for destruction.",
        "purpose": "Say how and why it was destroyed.",
    },
}


@dataclass
class EventInput:
    event_type: str = ""
    occurred_at: datetime | None = None
    time_zone: str = ""
    location: str = ""
    purpose: str = ""
    legal_basis: str = ""
    released_by: str = ""
    released_by_party: str = ""
    received_by: str = ""
    received_by_party: str = ""
    method: str = ""
    seal_number: str = ""
    notes: str = ""


def record_event(access: TeamAccess, item: EvidenceItem, data: EventInput):
    """Record a custody event entered by a person, after checking its required fields."""
    if not access.can(Permission.RECORD_CUSTODY):
        raise EvidenceError("Your role in this team does not allow recording custody events.")
    check_gate(access, "record_custody")
    errors: dict[str, list[str]] = {}
    if data.event_type not in REQUIRED_FIELDS:
        allowed = ", ".join(t.value for t in MANUAL_EVENT_TYPES)
        raise EvidenceError(
            f"“{data.event_type}” cannot be recorded by hand; choose one of {allowed}.",
            {"event_type": ["Choose an event type from the list."]},
        )
    for name, message in REQUIRED_FIELDS[data.event_type].items():
        if not str(getattr(data, name) or "").strip():
            errors.setdefault(name, []).append(message)
    if data.occurred_at is None:
        errors.setdefault("occurred_at", []).append("Give the date and time it happened.")
    elif data.occurred_at > utcnow() + timedelta(minutes=5):
        errors.setdefault("occurred_at", []).append("The time given is in the future.")
    if errors:
        raise EvidenceError(first_message(errors), errors)
    details = {}
    for key in ("method", "seal_number", "notes"):
        value = getattr(data, key).strip()
        if value:
            details[key] = value
    event = custody.append_event(
        item,
        data.event_type,
        recorded_by=access.user,
        occurred_at=data.occurred_at,
        time_zone=data.time_zone,
        location=data.location.strip(),
        purpose=data.purpose.strip(),
        legal_basis=data.legal_basis.strip(),
        released_by=data.released_by.strip() or None,
        released_by_party=data.released_by_party.strip() or None,
        received_by=data.received_by.strip() or None,
        received_by_party=data.received_by_party.strip() or None,
        details=details,
    )
    audit.record(
        "evidence.custody_recorded",
        team=access.team,
        actor=access.user,
        target=item,
        new={"exhibit_number": item.exhibit_number, "seq": event.seq, "type": data.event_type},
    )
    return event
