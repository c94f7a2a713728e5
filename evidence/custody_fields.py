"""What each custody event recorded by hand must name, and the checks on its fields.

ISO/IEC 27037 and the NIST custody form (LEGAL.md §7): packaging and condition at each
transfer, the storage location at check-in and check-out, seal numbers and the seal's
state when opened, the receiver's confirmation or paper receipt, the acquisition tool's
hashes with their algorithm, the device's make, model and serial number.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from evidence.models import CustodyEventType

MANUAL_EVENT_TYPES = [
    CustodyEventType.ACQUIRED,
    CustodyEventType.TRANSFERRED,
    CustodyEventType.CHECKED_IN,
    CustodyEventType.CHECKED_OUT,
    CustodyEventType.ANALYSED,
    CustodyEventType.SEALED,
    CustodyEventType.UNSEALED,
    CustodyEventType.RESEALED,
    CustodyEventType.RETURNED,
    CustodyEventType.DESTROYED,
]

# Events whose time a person states: the item's time line, which must run forward.
# Events the workspace writes at its own clock (uploads, downloads, exports, notes,
# acknowledgements) follow the recording, not the handling, and are not compared.
STATED_EVENT_TYPES = {t.value for t in MANUAL_EVENT_TYPES} | {
    CustodyEventType.COLLECTED.value,
    CustodyEventType.COPIED.value,
}

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
        "packaging": "Describe the packaging it was handed over in.",
        "condition": "Describe its condition at the hand-over.",
    },
    "checked_in": {
        "storage_location": "Name the storage facility and place (room, locker, shelf).",
    },
    "checked_out": {
        "storage_location": "Name the storage facility and place it was taken from.",
        "purpose": "Say why it was checked out (case and purpose).",
        "legal_basis": "Give the authority it was checked out under.",
    },
    "analysed": {
        "purpose": "Say what was analysed and why.",
        "method": "Name the method or tool used.",
    },
    "sealed": {
        "seal_number": "Give the seal or bag number.",
        "location": "Say where it was sealed.",
    },
    "unsealed": {
        "seal_number": "Give the number of the seal that was opened.",
        "seal_state": "Say in what state the seal was found when opened.",
        "purpose": "Say why it was unsealed.",
    },
    "resealed": {
        "seal_number": "Give the number of the new seal.",
        "location": "Say where it was resealed.",
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

SEAL_STATES = {
    "intact": "Intact",
    "damaged": "Damaged or tampered with",
    "missing": "Missing",
}

# Hex digits of each digest an acquisition tool may report beside the workspace's SHA-256.
HASH_ALGORITHMS = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128}

# How the details a person enters are named on the page and in the report, in order.
DETAIL_LABELS = {
    "method": "Method and tool",
    "tool_hashes": "Hashes from the tool",
    "device_make": "Device make",
    "device_model": "Device model",
    "device_serial": "Device serial number",
    "packaging": "Packaging",
    "condition": "Condition",
    "storage_location": "Storage location",
    "seal_number": "Seal number",
    "seal_state": "Seal when opened",
    "receipt_number": "Paper receipt number",
    "receiving_member": "To be acknowledged by",
    "transfer_seq": "Acknowledges custody event",
    "copy_of": "Copy of",
    "late_entry_reason": "Late entry",
    "notes": "Notes",
}

_TEXT_DETAILS = (
    "method",
    "device_make",
    "device_model",
    "device_serial",
    "packaging",
    "condition",
    "storage_location",
    "seal_number",
    "receipt_number",
    "notes",
)
_HEX = re.compile(r"^[0-9a-f]+$")


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
    seal_state: str = ""
    notes: str = ""
    packaging: str = ""
    condition: str = ""
    storage_location: str = ""
    receipt_number: str = ""
    receiving_member_id: int | None = None
    is_copy: bool = False
    device_make: str = ""
    device_model: str = ""
    device_serial: str = ""
    tool_hashes: list[tuple[str, str]] = field(default_factory=list)
    late_entry_reason: str = ""


def event_columns(data: EventInput, received_by: str) -> dict:
    """Return the custody row's columns from a person's input: text trimmed, blanks None.

    The one mapping of the form to :func:`evidence.custody.append_event`, for an event on
    the item and for the first event of a copy alike.
    """
    return {
        "occurred_at": data.occurred_at,
        "time_zone": data.time_zone,
        "location": data.location.strip(),
        "purpose": data.purpose.strip(),
        "legal_basis": data.legal_basis.strip(),
        "released_by": data.released_by.strip() or None,
        "released_by_party": data.released_by_party.strip() or None,
        "received_by": received_by or None,
        "received_by_party": data.received_by_party.strip() or None,
    }


def check_fields(data: EventInput) -> dict[str, list[str]]:
    """Return what is missing or malformed in ``data``, by field."""
    errors: dict[str, list[str]] = {}
    for name, message in REQUIRED_FIELDS[data.event_type].items():
        if name == "received_by" and data.receiving_member_id is not None:
            continue  # named by the member chosen to confirm
        if not str(getattr(data, name) or "").strip():
            errors.setdefault(name, []).append(message)
    if data.seal_state and data.seal_state not in SEAL_STATES:
        errors.setdefault("seal_state", []).append("Choose the seal's state from the list.")
    if (
        data.event_type == CustodyEventType.TRANSFERRED
        and not data.receipt_number.strip()
        and data.receiving_member_id is None
    ):
        errors.setdefault("receipt_number", []).append(
            "Give the paper receipt's number, or choose the receiving member, who then "
            "confirms the receipt in the workspace."
        )
    if data.is_copy and data.event_type != CustodyEventType.TRANSFERRED:
        errors.setdefault("is_copy", []).append("Only a transfer can hand over a copy.")
    for index, (algorithm, value) in enumerate(data.tool_hashes):
        problem = hash_problem(algorithm, value)
        if problem:
            errors.setdefault(f"tool_hash_value_{index}", []).append(problem)
    return errors


def hash_problem(algorithm: str, value: str) -> str | None:
    """Say what is wrong with a digest reported by an acquisition tool, or None."""
    if algorithm not in HASH_ALGORITHMS:
        return f"Choose the algorithm ({', '.join(HASH_ALGORITHMS)})."
    digits = normal_digest(value)
    expected = HASH_ALGORITHMS[algorithm]
    if not _HEX.match(digits):
        return f"The {algorithm} value holds characters that are not hexadecimal digits."
    if len(digits) != expected:
        return (
            f"An {algorithm} value has {expected} hexadecimal digits; this one has {len(digits)}."
        )
    return None


def normal_digest(value: str) -> str:
    """Return a digest as lowercase hex, without the spaces and colons tools print."""
    return re.sub(r"[\s:]", "", value or "").lower()


def details_of(data: EventInput) -> dict:
    """Return what the event records beyond its columns, as hashed into the chain."""
    details: dict = {}
    for key in _TEXT_DETAILS:
        value = getattr(data, key).strip()
        if value:
            details[key] = value
    if data.seal_state:
        details["seal_state"] = data.seal_state
    if data.tool_hashes:
        details["tool_hashes"] = [
            {"algorithm": algorithm, "value": normal_digest(value)}
            for algorithm, value in data.tool_hashes
        ]
    return details


def detail_text(key: str, value) -> str:
    """Render one recorded detail for reading."""
    if key == "tool_hashes" and isinstance(value, list):
        return "; ".join(f"{h.get('algorithm')} {h.get('value')}" for h in value)
    if key == "seal_state":
        return SEAL_STATES.get(value, str(value))
    if key == "transfer_seq":
        return f"#{value}"
    return str(value)


def detail_rows(details: dict | None) -> list[tuple[str, str, object]]:
    """Return ``(key, label, value)`` for each detail, the known ones first and in order."""
    details = details or {}
    known = [(key, DETAIL_LABELS[key], details[key]) for key in DETAIL_LABELS if key in details]
    hidden = {"receiving_member_user_id"}
    rest = [
        (key, key.replace("_", " "), value)
        for key, value in details.items()
        if key not in DETAIL_LABELS and key not in hidden
    ]
    return known + rest
