"""Drafting an outgoing tracing request (ITI para. 17) from a firearm record in one step,
and keeping its register row in step with the bundle.

The draft is an ordinary tracing bundle: :func:`evidence.firearms.tracing.outgoing_prefill`
supplies the markings and the addressee, the bundle service writes it with its audit
entry, and the firearm's evidence item is selected as the request's evidence. A
:class:`TracingRequest` of direction *outgoing* links the firearm to the bundle, so the
register lists it and the firearm counts as traced. Its status follows the bundle's
tracking (:func:`follow_bundle`, connected to ``jit.signals.bundle_status_changed``):
bundles never import firearms.
"""

from datetime import date

from sqlalchemy import select

from evidence.bundles import services as bundles
from evidence.bundles import tracking
from evidence.bundles.instruments.common import OTHER_STATE
from evidence.bundles.models import Bundle, BundleStatusChange
from evidence.firearms.models import (
    Alteration,
    Condition,
    Direction,
    Firearm,
    FirearmType,
    MarkedPart,
    TracingRequest,
    TracingStatus,
)
from evidence.firearms.serials import normalise_make
from evidence.firearms.services import local_today
from evidence.firearms.tracing import _next_number, outgoing_prefill
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.access import TeamAccess
from jit.teams.reference import country_name

# The register's status of an outgoing request for each step of the bundle's tracking.
# Acknowledged or asked for more information, it is still awaiting the answer.
FOLLOWS = {
    tracking.SENT: TracingStatus.SENT,
    tracking.ACKNOWLEDGED: TracingStatus.SENT,
    tracking.MORE_INFORMATION: TracingStatus.SENT,
    tracking.EXECUTED: TracingStatus.ANSWERED,
    tracking.PARTIALLY_EXECUTED: TracingStatus.ANSWERED,
    tracking.REFUSED: TracingStatus.ANSWERED,
    tracking.WITHDRAWN: TracingStatus.CLOSED,
}
# A step never moves the row back (partially executed, then executed: still answered).
_ORDER = [TracingStatus.DRAFT, TracingStatus.SENT, TracingStatus.ANSWERED, TracingStatus.CLOSED]

# The firearms register's types, as the tracing form's choices name them.
WEAPON_TYPES = {
    FirearmType.PISTOL: "pistol",
    FirearmType.REVOLVER: "revolver",
    FirearmType.RIFLE: "rifle",
    FirearmType.CARBINE: "rifle",
    FirearmType.SHOTGUN: "shotgun",
    FirearmType.SUB_MACHINE_GUN: "submachine_gun",
    FirearmType.MACHINE_GUN: "machine_gun",
    FirearmType.OTHER: "other",
}
SERIAL_FIELDS = {
    MarkedPart.FRAME: "serial_frame",
    MarkedPart.SLIDE: "serial_slide",
    MarkedPart.BARREL: "serial_barrel",
}


def tracing_values(firearm: Firearm, party_states: set[str]) -> dict:
    """Return the tracing form's values that the firearm record answers."""
    known = outgoing_prefill(firearm)
    values: dict = {}
    country = known["addressee_country"]
    if country:
        if country in party_states:
            values["executing_state"] = country
        else:
            values["executing_state"], values["executing_state_other"] = OTHER_STATE, country
    if known["addressee_name"]:
        values["requested_agency"] = known["addressee_name"]
    values["weapon_type"] = WEAPON_TYPES.get(firearm.firearm_type, "other")
    values["manufacturer"] = known["manufacturer"]
    values["model"] = known["model"]
    values["calibre"] = known["calibre"]
    values["country_of_manufacture"] = known["country_of_manufacture"]
    if known["year_of_manufacture"]:
        values["year_of_manufacture"] = known["year_of_manufacture"]
    alterations = []
    for serial in known["serials"]:
        key = SERIAL_FIELDS.get(serial["part"])
        if key and not values.get(key):
            values[key] = serial["as_read"]
        if serial["alteration"] != Alteration.NONE:
            alterations.append(
                f"Serial on the {MarkedPart(serial['part']).label.lower()} "
                f"({serial['as_read']}): {Alteration(serial['alteration']).label.lower()}."
            )
    if firearm.condition != Condition.COMPLETE:
        alterations.insert(0, f"Condition: {Condition(firearm.condition).label}.")
    if alterations:
        values["alterations"] = "\n".join(alterations)
    marks = known["import_marks"]
    if marks["country"]:
        values["import_marks"] = ", ".join(
            str(part) for part in (country_name(marks["country"]), marks["year"]) if part
        )
    other = [text for text in (known["proof_marks"], known["other_marks"]) if text]
    if other:
        values["other_marks"] = "\n".join(other)
    values["recovered_on"] = known["recovered_at"][:10]
    values["recovered_at"] = known["recovered_where"]
    return {key: value for key, value in values.items() if value not in (None, "")}


def draft_tracing_request(access: TeamAccess, firearm: Firearm) -> Bundle:
    """Start a tracing request bundle pre-filled from ``firearm``, its item as evidence."""
    party_states = bundles.party_states(access.team)
    values = tracing_values(firearm, party_states)
    bundle = bundles.create_bundle(
        access,
        "tracing",
        outgoing_prefill(firearm)["addressee_country"] or None,
        overrides=values,
    )
    bundles.select_evidence(access, bundle, [firearm.item_id])
    audit.record(
        "firearms.tracing_drafted",
        team=access.team,
        target=bundle,
        new={"bundle": bundle.label, "firearm": firearm.label},
    )
    record_outgoing(access, firearm, bundle)
    return bundle


def _addressee(values: dict) -> tuple[str, str]:
    """Return the requested state and agency a tracing bundle's values name."""
    state = values.get("executing_state") or ""
    if state == OTHER_STATE:
        state = values.get("executing_state_other") or ""
    return str(state)[:2], str(values.get("requested_agency") or "")[:300]


def record_outgoing(access: TeamAccess, firearm: Firearm, bundle: Bundle) -> TracingRequest:
    """Register ``bundle`` as the outgoing tracing request for ``firearm`` (a draft)."""
    today = local_today(access.user.time_zone)
    country, authority = _addressee(bundle.values or {})
    serial = firearm.serials[0] if firearm.serials else None
    request = TracingRequest(
        team_id=access.team.id,
        party_id=bundle.party_id,
        number=_next_number(access.team.id, Direction.OUTGOING, today.year),
        direction=Direction.OUTGOING.value,
        counterpart_country=country,
        counterpart_authority=authority,
        received_on=today,
        due_on=None,
        status=TracingStatus.DRAFT.value,
        manufacturer=firearm.manufacturer,
        make_key=normalise_make(firearm.manufacturer),
        model=firearm.model,
        firearm_type=firearm.firearm_type,
        calibre=firearm.calibre,
        serial_as_read=serial.as_read if serial else "",
        serial_normalised=serial.normalised if serial else "",
        country_of_manufacture=firearm.country_of_manufacture,
        other_marks=firearm.other_marks,
        firearm_id=firearm.id,
        bundle_id=bundle.id,
        created_by_id=access.user.id,
    )
    request.created_at = request.updated_at = utcnow()
    db.session.add(request)
    db.session.flush()
    audit.record(
        "firearms.tracing_outgoing",
        team=access.team,
        actor=access.user,
        target=request,
        new=request.snapshot() | {"bundle": bundle.label, "firearm": firearm.label},
    )
    return request


def _versions(bundle: Bundle, limit: int = 100) -> list[int]:
    """Return the ids of ``bundle`` and of the versions it replaces."""
    ids, current = [bundle.id], bundle
    while current.previous_id is not None and current.previous_id not in ids and len(ids) < limit:
        ids.append(current.previous_id)
        current = current.previous
    return ids


def follow_bundle(bundle: Bundle, *, access: TeamAccess, change: BundleStatusChange) -> None:
    """Move the outgoing tracing request drafted as ``bundle`` (or an earlier version of
    it) to the status its tracking step means; audited, in the caller's transaction."""
    if bundle.request_type != "tracing" or change.status not in FOLLOWS:
        return None
    rows = db.session.scalars(
        select(TracingRequest).where(
            TracingRequest.direction == Direction.OUTGOING.value,
            TracingRequest.bundle_id.in_(_versions(bundle)),
        )
    ).all()
    for row in rows:
        _follow(access, row, bundle, change)
    return None


def _follow(access, row: TracingRequest, bundle: Bundle, change: BundleStatusChange) -> None:
    before = row.snapshot()
    target = FOLLOWS[change.status]
    if _ORDER.index(target) > _ORDER.index(TracingStatus(row.status)):
        row.status = target.value
    row.bundle_id = bundle.id  # the version that went out
    if change.status == tracking.SENT:
        row.sent_on = change.occurred_on
        row.counterpart_country, row.counterpart_authority = _addressee(bundle.values or {})
    if change.reference:
        row.counterpart_reference = change.reference[:200]
    if target is TracingStatus.ANSWERED and row.answered_on is None:
        row.answered_on = change.occurred_on
        row.answer = _answer(bundle, change, change.occurred_on)
    old, new = audit.diff(before, row.snapshot())
    if not new:
        return
    row.updated_at = utcnow()
    audit.record(
        "firearms.tracing_status",
        team=access.team,
        actor=access.user,
        target=row,
        old=old,
        new=new | {"bundle": bundle.label, "bundle_status": change.status},
    )


def _answer(bundle: Bundle, change: BundleStatusChange, on: date) -> str:
    said = f"{bundle.label} {tracking.LABELS[change.status].lower()} on {on.isoformat()}"
    if change.reply_item is not None:
        said += f"; reply kept as {change.reply_item.exhibit_number}"
    return f"{said}." + (f"\n{change.note}" if change.note else "")
