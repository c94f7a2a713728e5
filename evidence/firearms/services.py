"""Every write to firearms, ammunition and tracing requests, with its audit entry.

Functions add to the caller's transaction and never commit; a refused operation raises
:class:`FirearmsError` with a message fit for the person, before anything is written.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from evidence.firearms.models import (
    Alteration,
    Ammunition,
    Condition,
    Firearm,
    FirearmPhoto,
    FirearmSerial,
    FirearmType,
    MarkedPart,
    RecordKind,
)
from evidence.firearms.serials import SerialError, normalise_make, normalise_serial
from evidence.models import EvidenceItem, ItemType
from jit import gates
from jit.audit import services as audit
from jit.clock import local_today, utcnow
from jit.extensions import db
from jit.inputs import parse_plain_int
from jit.permissions import Permission
from jit.teams.access import TeamAccess
from jit.teams.reference import is_country_code

EARLIEST_YEAR = 1800
MAX_QUANTITY = 10_000_000
MAX_ANSWER_DAYS = 365


class FirearmsError(ValueError):
    """A refused write, with a message fit for the person and the fields at fault."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.field_errors = field_errors or {}


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            count = len(self)
            lead = "One field needs attention." if count == 1 else f"{count} fields need attention."
            message = lead + " " + " ".join(messages[0] for messages in self.values())
            raise FirearmsError(message, dict(self))


def answer_days() -> int:
    """Return the days allowed to answer an incoming tracing request (a setting)."""
    return min(max(int(current_app.config.get("TRACING_ANSWER_DAYS", 30)), 1), MAX_ANSWER_DAYS)


def due_date(received_on: date, days: int) -> date:
    """Return the answer deadline: ``days`` calendar days after receipt."""
    return received_on + timedelta(days=days)


def _check_writable(access: TeamAccess, permission: Permission) -> None:
    if not access.can(permission):
        raise FirearmsError("Your role does not allow this.")
    decision = gates.may(access.team, "add_evidence")
    if not decision:
        raise FirearmsError(decision.reason or "The team's agreement does not allow this now.")


def _country(errors: _Errors, name: str, code: str | None, label: str) -> str | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    if not is_country_code(code):
        errors.add(name, f"{label}: “{code}” is not an ISO 3166-1 country code (e.g. HR, RS).")
        return None
    return code


def _year(errors: _Errors, name: str, raw, label: str, today: date) -> int | None:
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        return None
    year = parse_plain_int(raw, 0, 9999) if len(raw) == 4 else None
    if year is None:
        errors.add(name, f"{label}: write a year with four digits, e.g. 1987.")
        return None
    if year > today.year:
        errors.add(name, f"{label}: {year} is in the future.")
        return None
    if year < EARLIEST_YEAR:
        errors.add(name, f"{label}: {year} is before {EARLIEST_YEAR}.")
        return None
    return year


def _text(errors: _Errors, name: str, raw: str | None, limit: int, label: str) -> str:
    text = (raw or "").strip()
    if len(text) > limit:
        errors.add(name, f"{label}: at most {limit} characters.")
    return text


# ---------------------------------------------------------------------------
# Firearms


@dataclass
class SerialInput:
    part: str
    as_read: str
    alteration: str = Alteration.NONE.value


@dataclass
class FirearmInput:
    """A firearm as entered, before checks; years and codes as typed."""

    kind: str = RecordKind.WEAPON.value
    manufacturer: str = ""
    model: str = ""
    firearm_type: str = ""
    calibre: str = ""
    country_of_manufacture: str = ""
    year_of_manufacture: str = ""
    import_country: str = ""
    import_year: str = ""
    proof_marks: str = ""
    other_marks: str = ""
    condition: str = Condition.COMPLETE.value
    condition_notes: str = ""
    serials: list[SerialInput] = field(default_factory=list)
    photo_file_ids: list[int] = field(default_factory=list)
    licence_reference: str = ""
    licence_issued_on: date | None = None
    licence_expires_on: date | None = None
    export_country: str = ""
    transit_countries: str = ""
    final_recipient: str = ""


def _checked_firearm(item: EvidenceItem, data: FirearmInput, today: date) -> dict:
    errors = _Errors()
    values: dict = {}
    if data.kind not in {k.value for k in RecordKind}:
        errors.add("kind", "Choose whether this is a weapon or a part.")
    values["kind"] = data.kind
    values["manufacturer"] = _text(errors, "manufacturer", data.manufacturer, 200, "Manufacturer")
    values["make_key"] = normalise_make(values["manufacturer"])
    values["model"] = _text(errors, "model", data.model, 200, "Model")
    if data.firearm_type not in {t.value for t in FirearmType}:
        errors.add("firearm_type", "Choose the type (pistol, revolver, rifle…).")
    values["firearm_type"] = data.firearm_type
    values["calibre"] = _text(errors, "calibre", data.calibre, 60, "Calibre")
    if not values["calibre"]:
        errors.add("calibre", "Give the calibre (e.g. 9×19 mm, 7.62×25, .38 Special).")
    values["country_of_manufacture"] = _country(
        errors, "country_of_manufacture", data.country_of_manufacture, "Country of manufacture"
    )
    values["year_of_manufacture"] = _year(
        errors, "year_of_manufacture", data.year_of_manufacture, "Year of manufacture", today
    )
    values["import_country"] = _country(
        errors, "import_country", data.import_country, "Country of import"
    )
    values["import_year"] = _year(errors, "import_year", data.import_year, "Year of import", today)
    made, imported = values["year_of_manufacture"], values["import_year"]
    if made and imported and imported < made:
        errors.add("import_year", f"Year of import: {imported} is before the year of manufacture.")
    values["proof_marks"] = _text(errors, "proof_marks", data.proof_marks, 2000, "Proof marks")
    values["other_marks"] = _text(errors, "other_marks", data.other_marks, 2000, "Other marks")
    if data.condition not in {c.value for c in Condition}:
        errors.add("condition", "Choose the condition.")
    values["condition"] = data.condition
    values["condition_notes"] = _text(
        errors, "condition_notes", data.condition_notes, 2000, "Condition notes"
    )
    values["licence_reference"] = _text(
        errors, "licence_reference", data.licence_reference, 200, "Licence"
    )
    values["licence_issued_on"] = data.licence_issued_on
    values["licence_expires_on"] = data.licence_expires_on
    issued, expires = data.licence_issued_on, data.licence_expires_on
    if issued and expires and expires < issued:
        errors.add("licence_expires_on", "The licence expires before it was issued.")
    values["export_country"] = _country(
        errors, "export_country", data.export_country, "Country of export"
    )
    transit = []
    for code in data.transit_countries.replace(",", ";").split(";"):
        checked = _country(errors, "transit_countries", code, "Transit state")
        if checked and checked not in transit:
            transit.append(checked)
    values["transit_countries"] = ";".join(transit)
    values["final_recipient"] = _text(
        errors, "final_recipient", data.final_recipient, 300, "Final recipient"
    )
    values["serials"] = _checked_serials(errors, data.serials)
    own_files = {stored.id for stored in item.files}
    if any(file_id not in own_files for file_id in data.photo_file_ids):
        errors.add("photo_file_ids", "A photograph must be one of this item's files.")
    values["photo_file_ids"] = list(dict.fromkeys(data.photo_file_ids))
    errors.raise_if_any()
    return values


def _checked_serials(errors: _Errors, serials: list[SerialInput]) -> list[FirearmSerial]:
    checked = []
    for serial in serials:
        name = f"serial_{serial.part}"
        if serial.part not in {p.value for p in MarkedPart}:
            errors.add(name, "Unknown marked part.")
            continue
        if serial.alteration not in {a.value for a in Alteration}:
            errors.add(name, "Unknown alteration.")
            continue
        as_read = serial.as_read.strip()
        if not as_read:
            if serial.as_read:  # typed, but only blanks
                errors.add(name, "The serial is only spaces. Leave it empty if none was read.")
            continue
        if len(as_read) > 100:
            errors.add(name, "A serial has at most 100 characters.")
            continue
        try:
            normalised = normalise_serial(as_read)
        except SerialError as wrong:
            errors.add(name, str(wrong))
            continue
        checked.append(
            FirearmSerial(
                part=serial.part,
                as_read=as_read,
                normalised=normalised,
                alteration=serial.alteration,
            )
        )
    return checked


def _fill(firearm: Firearm, values: dict) -> None:
    for key, value in values.items():
        if key not in ("serials", "photo_file_ids"):
            setattr(firearm, key, value)
    firearm.serials = values["serials"]
    # Keep the rows of photos that stay: a new row for the same file would be inserted
    # before the old one is deleted and break the unique (firearm, file) constraint.
    kept = {photo.file_id: photo for photo in firearm.photos}
    firearm.photos = [
        kept.get(file_id) or FirearmPhoto(file_id=file_id) for file_id in values["photo_file_ids"]
    ]
    firearm.updated_at = utcnow()


def check_firearm_item(item: EvidenceItem) -> None:
    """Refuse an item that cannot hold firearm records (not of type firearm)."""
    if item.item_type != ItemType.FIREARM.value:
        raise FirearmsError(
            "Firearm records belong to evidence items of type “Firearm”; this item is a "
            f"{item.type_label.lower()}."
        )


def add_firearm(access: TeamAccess, item: EvidenceItem, data: FirearmInput) -> Firearm:
    """Record a weapon or part held in ``item`` (an item ``access`` was loaded to see)."""
    _check_writable(access, Permission.ADD_EVIDENCE)
    check_firearm_item(item)
    values = _checked_firearm(item, data, local_today(access.user.time_zone))
    position = (
        db.session.scalar(select(func.max(Firearm.position)).where(Firearm.item_id == item.id)) or 0
    ) + 1
    firearm = Firearm(
        team_id=item.team_id,
        item=item,
        position=position,
        created_at=utcnow(),
        created_by_id=access.user.id,
    )
    _fill(firearm, values)
    db.session.add(firearm)
    db.session.flush()
    audit.record(
        "firearms.firearm_recorded",
        team=access.team,
        actor=access.user,
        target=firearm,
        new={"exhibit": item.exhibit_number, **firearm.snapshot()},
    )
    return firearm


def update_firearm(access: TeamAccess, firearm: Firearm, data: FirearmInput) -> Firearm:
    """Correct a firearm record; the audit entry keeps what it said before."""
    _check_writable(access, Permission.ADD_EVIDENCE)
    values = _checked_firearm(firearm.item, data, local_today(access.user.time_zone))
    before = firearm.snapshot()
    _fill(firearm, values)
    db.session.flush()
    old, new = audit.diff(before, firearm.snapshot())
    if new:
        audit.record(
            "firearms.firearm_corrected",
            team=access.team,
            actor=access.user,
            target=firearm,
            old=old,
            new=new,
        )
    return firearm


# ---------------------------------------------------------------------------
# Ammunition


@dataclass
class AmmunitionInput:
    calibre: str = ""
    headstamp: str = ""
    quantity: str = ""
    lot: str = ""
    notes: str = ""


def add_ammunition(access: TeamAccess, item: EvidenceItem, data: AmmunitionInput) -> Ammunition:
    """Record cartridges held in ``item``."""
    _check_writable(access, Permission.ADD_EVIDENCE)
    check_firearm_item(item)
    errors = _Errors()
    calibre = _text(errors, "calibre", data.calibre, 60, "Calibre")
    if not calibre:
        errors.add("calibre", "Give the calibre (e.g. 9×19 mm, 7.62×25).")
    raw = str(data.quantity or "").strip()
    quantity = parse_plain_int(raw, 1, MAX_QUANTITY)
    if quantity is None:
        errors.add("quantity", "Give the number of cartridges, a whole number from 1.")
    record = Ammunition(
        team_id=item.team_id,
        item=item,
        calibre=calibre,
        headstamp=_text(errors, "headstamp", data.headstamp, 100, "Headstamp"),
        quantity=quantity or 0,
        lot=_text(errors, "lot", data.lot, 100, "Lot"),
        notes=_text(errors, "notes", data.notes, 2000, "Notes"),
        created_at=utcnow(),
        created_by_id=access.user.id,
    )
    errors.raise_if_any()
    db.session.add(record)
    db.session.flush()
    audit.record(
        "firearms.ammunition_recorded",
        team=access.team,
        actor=access.user,
        target=record,
        new={"exhibit": item.exhibit_number, **record.snapshot()},
    )
    return record
