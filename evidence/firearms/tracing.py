"""Tracing requests: incoming ones recorded as crime notices, their lifecycle and deadline,
and the values an outgoing request is drafted from.

Writes add to the caller's transaction with their audit entry and never commit.
"""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from evidence.access import openable_exhibits
from evidence.custody_shown import without
from evidence.firearms.access import visible_firearms
from evidence.firearms.models import (
    Direction,
    Firearm,
    FirearmType,
    TracingRequest,
    TracingStatus,
)
from evidence.firearms.serials import SerialError, normalise_make, normalise_serial
from evidence.firearms.services import (
    FirearmsError,
    _check_writable,
    _country,
    _Errors,
    _text,
    answer_days,
    due_date,
    local_today,
)
from jit.audit import services as audit
from jit.clock import utcnow
from jit.directory import services as directory
from jit.directory.models import AuthorityFunction
from jit.extensions import db
from jit.permissions import Permission, Role
from jit.teams.access import TeamAccess, teams_of
from jit.teams.reference import country_name

S = TracingStatus
# Each status may move only to the next one (ITI: acknowledge, trace, answer; then close).
NEXT_STATUS = {
    S.RECEIVED: S.ACKNOWLEDGED,
    S.ACKNOWLEDGED: S.BEING_TRACED,
    S.BEING_TRACED: S.ANSWERED,
    S.ANSWERED: S.CLOSED,
}
EARLIEST_RECEIPT_YEARS = 10  # Firearms Protocol art. 7 keeps records ten years


@dataclass
class IncomingInput:
    """An incoming tracing request as entered."""

    counterpart_country: str = ""
    counterpart_authority: str = ""
    counterpart_reference: str = ""
    received_on: date | None = None
    manufacturer: str = ""
    model: str = ""
    firearm_type: str = ""
    calibre: str = ""
    serial_as_read: str = ""
    country_of_manufacture: str = ""
    other_marks: str = ""
    circumstances: str = ""
    intended_use: str = ""
    linked_team_code: str = ""
    proposes_new_team: bool = False
    proposal_note: str = ""
    firearm_id: int | None = None


def _next_number(team_id: int, direction: str, year: int) -> str:
    prefix = f"TR-{'IN' if direction == Direction.INCOMING else 'OUT'}-{year}-"
    count = db.session.scalar(
        select(func.count())
        .select_from(TracingRequest)
        .where(TracingRequest.team_id == team_id, TracingRequest.number.startswith(prefix))
    )
    return f"{prefix}{count + 1:03d}"


def record_incoming(access: TeamAccess, data: IncomingInput) -> TracingRequest:
    """Record a tracing request received from another state as a crime notice."""
    _check_writable(access, Permission.RECORD_TRACING)
    today = local_today(access.user.time_zone)
    errors = _Errors()
    country = _country(errors, "counterpart_country", data.counterpart_country, "Requesting state")
    if not (data.counterpart_country or "").strip():
        errors.add("counterpart_country", "Give the requesting state.")
    authority = _text(
        errors, "counterpart_authority", data.counterpart_authority, 300, "Requesting authority"
    )
    if not authority:
        errors.add("counterpart_authority", "Give the requesting authority.")
    received = data.received_on
    if received is None:
        errors.add("received_on", "Give the date the request was received.")
    elif received > today:
        errors.add("received_on", "The date of receipt is in the future.")
    elif received.year < today.year - EARLIEST_RECEIPT_YEARS:
        errors.add("received_on", "The date of receipt is more than ten years ago.")
    if data.firearm_type not in {t.value for t in FirearmType}:
        errors.add("firearm_type", "Choose the type the request describes.")
    calibre = _text(errors, "calibre", data.calibre, 60, "Calibre")
    if not calibre:
        errors.add("calibre", "Give the calibre the request states.")
    serial_as_read = _text(errors, "serial_as_read", data.serial_as_read, 100, "Serial")
    serial = ""
    if data.serial_as_read and not serial_as_read:
        errors.add("serial_as_read", "The serial is only spaces. Leave it empty if none is given.")
    elif serial_as_read:
        try:
            serial = normalise_serial(serial_as_read)
        except SerialError as wrong:
            errors.add("serial_as_read", str(wrong))
    linked_team_id = None
    code = (data.linked_team_code or "").strip()
    if code:
        mine = {a.team.code: a.team.id for a in teams_of(access.user)}
        if code not in mine:
            errors.add("linked_team_code", "Link only a team you are a member of.")
        else:
            linked_team_id = mine[code]
    if linked_team_id and data.proposes_new_team:
        errors.add("proposes_new_team", "Link an existing team or propose a new one, not both.")
    firearm = None
    if data.firearm_id is not None:
        firearm = db.session.scalar(visible_firearms(access).where(Firearm.id == data.firearm_id))
        if firearm is None:
            errors.add("firearm_id", "Choose one of this team's firearm records.")
    request = TracingRequest(
        team_id=access.team.id,
        party_id=access.party.id,
        direction=Direction.INCOMING.value,
        counterpart_country=country or "",
        counterpart_authority=authority,
        counterpart_reference=_text(
            errors, "counterpart_reference", data.counterpart_reference, 200, "Their reference"
        ),
        received_on=received,
        status=S.RECEIVED.value,
        manufacturer=_text(errors, "manufacturer", data.manufacturer, 200, "Manufacturer"),
        model=_text(errors, "model", data.model, 200, "Model"),
        firearm_type=data.firearm_type,
        calibre=calibre,
        serial_as_read=serial_as_read,
        serial_normalised=serial,
        country_of_manufacture=_country(
            errors, "country_of_manufacture", data.country_of_manufacture, "Country of manufacture"
        ),
        other_marks=_text(errors, "other_marks", data.other_marks, 2000, "Other marks"),
        circumstances=_text(errors, "circumstances", data.circumstances, 5000, "Circumstances"),
        intended_use=_text(errors, "intended_use", data.intended_use, 2000, "Intended use"),
        linked_team_id=linked_team_id,
        proposes_new_team=bool(data.proposes_new_team),
        proposal_note=_text(errors, "proposal_note", data.proposal_note, 2000, "Proposal"),
        firearm_id=firearm.id if firearm else None,
        created_by_id=access.user.id,
    )
    errors.raise_if_any()
    request.make_key = normalise_make(request.manufacturer)
    request.due_on = due_date(received, answer_days())
    request.number = _next_number(access.team.id, Direction.INCOMING, received.year)
    request.created_at = request.updated_at = utcnow()
    db.session.add(request)
    db.session.flush()
    audit.record(
        "firearms.tracing_received",
        team=access.team,
        actor=access.user,
        target=request,
        new=request.snapshot(),
    )
    return request


# How an outgoing request's answer names the reply kept as evidence
# (evidence.firearms.outgoing._answer): "REQ-3 executed on 2026-06-12; reply kept as NL-0009."
_REPLY_KEPT = re.compile(r"reply kept as ([A-Za-z0-9]+-[0-9]+)")


def shown_answer(access: TeamAccess, request: TracingRequest) -> str:
    """Return the request's answer as ``access`` reads it.

    An outgoing request's answer is written from its bundle's tracking and names the reply
    kept as evidence, whose visibility its recorder chose (its party only by default): to
    who may not open that item it says "an item you may not open".
    """
    answer = request.answer or ""
    if not request.is_outgoing:
        return answer
    named = set(_REPLY_KEPT.findall(answer))
    if not named:
        return answer
    return without(answer, named - openable_exhibits(access, request.team_id, named))


def may_advance(access: TeamAccess, request: TracingRequest) -> bool:
    """Whether the member may move the request on: a member of the party that answers it.

    As a request bundle is tracked by its drafting party only (bundles.access.may_track).
    """
    return access.can(Permission.RECORD_TRACING) and access.party.id == request.party_id


def only_its_party(request: TracingRequest) -> str:
    """Say who may move the request on, to who may not."""
    return f"Only {request.party.short_label}'s members record the steps of {request.number}."


def advance(
    access: TeamAccess, request: TracingRequest, to_status: str, answer: str = ""
) -> TracingRequest:
    """Move a tracing request to its next status; answering needs the answer given."""
    _check_writable(access, Permission.RECORD_TRACING)
    if request.direction == Direction.OUTGOING.value:
        raise FirearmsError(
            "An outgoing request follows its request bundle: record the step on the "
            "request's tracking."
        )
    if not may_advance(access, request):
        raise FirearmsError(only_its_party(request))
    current = TracingStatus(request.status)
    expected = NEXT_STATUS.get(current)
    if expected is None or to_status != expected.value:
        target = TracingStatus(to_status).label if to_status in set(S) else to_status
        allowed = f" It can only become “{expected.label}” next." if expected else ""
        raise FirearmsError(
            f"A request that is “{current.label}” cannot become “{target}”.{allowed}"
        )
    before = request.snapshot()
    if expected is S.ANSWERED:
        answer = (answer or "").strip()
        if not answer:
            raise FirearmsError("Write the answer given before marking the request answered.")
        if len(answer) > 10000:
            raise FirearmsError("The answer has at most 10,000 characters.")
        request.answer = answer
        request.answered_on = local_today(access.user.time_zone)
    request.status = expected.value
    request.updated_at = utcnow()
    old, new = audit.diff(before, request.snapshot())
    audit.record(
        "firearms.tracing_status",
        team=access.team,
        actor=access.user,
        target=request,
        old=old,
        new=new,
    )
    return request


# ---------------------------------------------------------------------------
# Outgoing: the values a tracing request bundle is drafted from (ITI para. 17)


def outgoing_prefill(firearm: Firearm) -> dict:
    """Return the tracing request's fields pre-filled from a firearm record.

    The addressee is the firearms focal point of the state of manufacture, or its
    INTERPOL NCB when no focal point is listed (``None`` when neither is).
    """
    item = firearm.item
    country = firearm.country_of_manufacture
    addressee = None
    if country:
        addressee = directory.addressee(
            country, AuthorityFunction.FIREARMS_FOCAL_POINT
        ) or directory.addressee(country, AuthorityFunction.INTERPOL_NCB)
    return {
        "addressee_country": country or "",
        "addressee_id": addressee.id if addressee else None,
        "addressee_name": addressee.name if addressee else "",
        "addressee_function": addressee.function_label if addressee else "",
        "manufacturer": firearm.manufacturer,
        "model": firearm.model,
        "firearm_type": firearm.firearm_type,
        "calibre": firearm.calibre,
        "country_of_manufacture": country or "",
        "year_of_manufacture": firearm.year_of_manufacture,
        "serials": [
            {"part": s.part, "as_read": s.as_read, "alteration": s.alteration}
            for s in firearm.serials
        ],
        "import_marks": {"country": firearm.import_country, "year": firearm.import_year},
        "proof_marks": firearm.proof_marks,
        "other_marks": firearm.other_marks,
        "condition": firearm.condition,
        "recovered_at": item.collected_at.isoformat(),
        "recovered_where": item.collected_location,
        "recovered_from": item.seized_from,
        "legal_basis": item.legal_basis,
        "exhibit": item.exhibit_number,
    }


# ---------------------------------------------------------------------------
# Overdue answers, for the dashboard of the receiving party's leaders


def overdue_for(user) -> list[tuple[TeamAccess, TracingRequest]]:
    """Return incoming requests of the parties ``user`` leads whose answer is late."""
    today = local_today(user.time_zone)
    found = []
    for access in teams_of(user):
        if access.role is not Role.LEADER:
            continue
        rows = db.session.scalars(
            select(TracingRequest)
            .where(
                TracingRequest.team_id == access.team.id,
                TracingRequest.party_id == access.party.id,
                TracingRequest.direction == Direction.INCOMING.value,
                TracingRequest.status.in_([S.RECEIVED, S.ACKNOWLEDGED, S.BEING_TRACED]),
                TracingRequest.due_on < today,
            )
            .order_by(TracingRequest.due_on)
        )
        found += [(access, row) for row in rows]
    return found


def describe_counterpart(request: TracingRequest) -> str:
    return f"{request.counterpart_authority} ({country_name(request.counterpart_country)})"
