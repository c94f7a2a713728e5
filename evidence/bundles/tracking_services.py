"""Record a step in a sent request's life, with its reply kept as evidence of the team.

Everything is checked before anything is written; the change, the reply item (through
the evidence service, with its own custody and audit records) and the audit entry of
the change go into the caller's one transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from evidence import services as evidence_services
from evidence import storage
from evidence.bundles import tracking
from evidence.bundles.access import may_track
from evidence.bundles.models import Bundle, BundleStatusChange
from evidence.bundles.services import BundleError
from evidence.models import Visibility
from evidence.uploads import max_upload_bytes
from jit import signals
from jit.audit.services import record
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.access import TeamAccess

MAX_REFERENCE = 200
MAX_NOTE = 5000


@dataclass(frozen=True)
class Reply:
    """A reply file as received on the form (already read, within the size limit)."""

    filename: str
    media_type: str
    data: bytes
    visibility: str = "party"  # who in the team opens it, as for any item


# The form's other fields beside the reply file, and the multipart framing around them.
FORM_ROOM = 64 * 1024


def reply_limit() -> int:
    """The largest reply accepted: the upload limit, within the request body limit less
    room for the form's other fields (so a reply at the limit is taken whole)."""
    request_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not request_limit:
        return max_upload_bytes()
    return max(min(max_upload_bytes(), request_limit - FORM_ROOM), 0)


def too_large_message() -> str:
    return (
        f"The reply is larger than {reply_limit() / 2**20:.1f} MiB ({reply_limit():,} bytes), "
        "the most a reply may be "
        "(JIT_MAX_REQUEST_MB and JIT_MAX_UPLOAD_MB set it). Nothing was recorded."
    )


def _text(value: str, name: str, limit: int, label: str) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise BundleError(f"The {label} contains a NUL character; type it again.", name)
    if len(value) > limit:
        raise BundleError(f"The {label} is longer than {limit:,} characters.", name)
    return value


def _check_date(value: date | None, name: str, label: str, earliest, on: date) -> None:
    """Refuse ``value`` in the future or before ``earliest`` (a day, and what it is)."""
    if value is None:
        return
    if value > on:
        raise BundleError(f"The {label} is in the future.", name)
    day, what = earliest
    if value < day:
        raise BundleError(f"The {label} is before {what} ({day.isoformat()}).", name)


def change_status(
    access: TeamAccess,
    bundle: Bundle,
    status: str,
    *,
    occurred_on: date,
    reference: str = "",
    note: str = "",
    arrested_on: date | None = None,
    recognised_on: date | None = None,
    reply: Reply | None = None,
) -> BundleStatusChange:
    """Move the sent request to ``status``; refuse a step the table does not allow.

    ``status`` may be the current one when the change records only the date that starts
    the request's time limit (:func:`tracking.date_to_record`).
    """
    if not may_track(access, bundle):
        raise BundleError(f"Only {bundle.party.short_label}'s members track {bundle.label}.")
    changes = tracking.changes_of(bundle)
    current = tracking.current_status(bundle, changes)
    if status not in tracking.LABELS:
        raise BundleError("Choose one of the statuses offered.", "status")
    starting = {"arrested_on": arrested_on, "recognised_on": recognised_on}
    for field, value in starting.items():
        if value is not None and tracking.STARTING_DATES.get(bundle.request_type) != field:
            kind = "a European arrest warrant" if field == "arrested_on" else "an EIO"
            label = tracking.STARTING_DATE_LABELS[field]
            raise BundleError(f"A {label} belongs to {kind} only.", field)
    to_record = tracking.date_to_record(bundle, changes)
    for field, value in starting.items():
        if value is not None and field != to_record:
            already = tracking.recorded_date(changes, field)
            label = tracking.STARTING_DATE_LABELS[field]
            raise BundleError(f"The {label} is recorded already ({already.isoformat()}).", field)
    if status == current and tracking.may_record_date_alone(bundle, changes):
        if starting[to_record] is None:
            label = tracking.STARTING_DATE_LABELS[to_record]
            raise BundleError(
                f"To keep the status, give the {label}; or choose a new status.", to_record
            )
    elif status not in tracking.TRANSITIONS[current]:
        allowed = ", ".join(
            tracking.LABELS[s].lower() for s in sorted(tracking.TRANSITIONS[current])
        )
        raise BundleError(
            f"{bundle.label} is {tracking.LABELS[current].lower()}; it cannot become "
            f"{tracking.LABELS[status].lower()} now"
            + (f" (next: {allowed})." if allowed else " (no further step)."),
            "status",
        )
    on = tracking.today(utcnow())
    finalised = (tracking.today(bundle.finalised_at), "the request was finalised")
    earliest = finalised
    if changes and changes[-1].occurred_on > earliest[0]:
        earliest = (changes[-1].occurred_on, "the last step recorded")
    _check_date(occurred_on, "occurred_on", "date", earliest, on)
    # A starting date may lie before the last step recorded (an arrest learned late),
    # not before the request existed; recognition not before it was sent.
    _check_date(arrested_on, "arrested_on", "date of arrest", finalised, on)
    sent = next((change.occurred_on for change in changes if change.status == tracking.SENT), None)
    if sent is None and status == tracking.SENT:
        sent = occurred_on
    _check_date(
        recognised_on,
        "recognised_on",
        "date of the decision on recognition",
        (sent, "the request was sent") if sent else finalised,
        on,
    )
    reference = _text(reference, "reference", MAX_REFERENCE, "reference")
    note = _text(note, "note", MAX_NOTE, "note")
    reply_item = _store_reply(access, bundle, status, occurred_on, reply) if reply else None
    change = BundleStatusChange(
        bundle_id=bundle.id,
        status=status,
        previous_status=current,
        occurred_on=occurred_on,
        arrested_on=arrested_on,
        recognised_on=recognised_on,
        reference=reference,
        note=note,
        reply_item_id=reply_item.id if reply_item else None,
        recorded_by_id=access.user.id,
        recorded_by_name=access.user.display_name,
    )
    db.session.add(change)
    db.session.flush()
    record(
        "bundle.status",
        team=access.team,
        actor=access.user,
        target=bundle,
        old={"status": current},
        new={
            "bundle": bundle.label,
            "status": status,
            "occurred_on": occurred_on.isoformat(),
            "reference": reference,
        }
        | ({"arrested_on": arrested_on.isoformat()} if arrested_on else {})
        | ({"recognised_on": recognised_on.isoformat()} if recognised_on else {})
        | ({"reply": reply_item.exhibit_number} if reply_item else {}),
    )
    signals.bundle_status_changed.send(bundle, access=access, change=change)
    return change


def _store_reply(access, bundle, status, occurred_on, reply: Reply):
    """Keep the other side's reply as an evidence item of the drafting party, seen by whom
    the recorder chose (the drafting party only unless they widen it)."""
    if len(reply.data) > reply_limit():
        raise BundleError(too_large_message(), "reply")
    if not reply.data:
        raise BundleError("The reply file is empty.", "reply")
    if reply.visibility not in Visibility.__members__.values():
        raise BundleError("Choose who in the team may open the reply.", "reply_visibility")
    data = evidence_services.ItemInput(
        title=f"Reply to {bundle.label}: {tracking.LABELS[status].lower()}",
        description=f"Answer received to {bundle.label} ({bundle.request_type.upper()}).",
        item_type="document",
        collected_by=access.user.display_name,
        collected_at=datetime.combine(occurred_on, datetime.min.time(), tracking.deadline_zone()),
        collected_time_zone=str(tracking.deadline_zone()),
        collected_location="Received in reply to a request sent from the workspace",
        legal_basis=f"Reply to {bundle.label}",
        visibility=reply.visibility,
    )
    upload = evidence_services.Upload(
        blob=storage.store_bytes(reply.data),
        original_filename=evidence_services.clean_filename(reply.filename),
        media_type=reply.media_type or "application/octet-stream",
    )
    try:
        return evidence_services.create_item(access, data, [upload])
    except evidence_services.EvidenceError as refused:
        raise BundleError(f"The reply could not be kept as evidence: {refused}", "reply") from None
