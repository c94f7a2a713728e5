"""Reading a request's fields from a form (or an imported JSON document), with limits.

Every value is checked against its field's kind before anything is written: too long,
not a date, a choice the form does not offer, a state that is neither a party nor
named, dates in the wrong order or in the future — each is reported on its field and
nothing is saved.
"""

import re
from datetime import date

from evidence.bundles.instruments import Instrument
from evidence.bundles.instruments.base import (
    CHOICE,
    CHOICES,
    COUNTRY,
    DATE,
    NUMBER,
    STATE,
    TEXT,
    TEXTAREA,
    YESNO,
    Field,
    RuleContext,
)
from evidence.bundles.instruments.common import OTHER_STATE
from jit.clock import utcnow
from jit.inputs import holds_nul, nul_message, parse_bounded_int
from jit.teams.reference import is_country_code

MAX_TEXT = 500
MAX_TEXTAREA = 20_000
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2100, 12, 31)


class FieldError(ValueError):
    """A value a field cannot take; the message is shown on the field."""


def _text(raw, limit: int) -> str:
    if not isinstance(raw, str):
        raise FieldError("Enter text.")
    value = raw.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise FieldError(f"This is {len(value):,} characters long; at most {limit:,} are accepted.")
    return value


def _date(raw) -> str | None:
    if raw in (None, ""):
        return None
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise FieldError("Enter a date as YYYY-MM-DD.")
    if not FIRST_DATE <= day <= LAST_DATE:
        raise FieldError("Enter a date between 1900 and 2100.")
    return day.isoformat()


_WHOLE = re.compile(r"[+-]?[0-9]+\Z")  # ASCII digits: isdigit() also takes "²" and "٣"


def _number(raw, minimum: int, maximum: int) -> int | None:
    if raw in (None, ""):
        return None
    # As typed, or an imported JSON int; the bounds and the conversion are parse_bounded_int's.
    if isinstance(raw, bool) or not (
        isinstance(raw, int) or (isinstance(raw, str) and _WHOLE.match(raw.strip()))
    ):
        raise FieldError("Enter a whole number.")
    value = parse_bounded_int(raw, minimum, maximum)
    if value is None:
        raise FieldError(f"Enter a whole number from {minimum} to {maximum}.")
    return value


def _one_value(raw) -> None:
    # An imported document may hold a list (or a number) where the form has one choice.
    if not isinstance(raw, str):
        raise FieldError("Choose one of the choices offered.")


def _choice(field: Field, raw) -> str:
    if raw in (None, ""):
        return ""
    _one_value(raw)
    if raw not in dict(field.choices):
        raise FieldError(f"“{str(raw)[:60]}” is not one of the choices offered.")
    return raw


def _choices(field: Field, raw) -> list[str]:
    offered = dict(field.choices)
    unknown = [value for value in raw if value not in offered]
    if unknown:
        raise FieldError(f"“{str(unknown[0])[:60]}” is not one of the choices offered.")
    return [key for key, _label in field.choices if key in raw]  # in the form's order


def _state(raw, party_states: set[str]) -> str:
    if raw in (None, ""):
        return ""
    _one_value(raw)
    if raw == OTHER_STATE or raw in party_states:
        return raw
    raise FieldError(
        f"“{str(raw)[:20]}” is not a state party to this team. Choose “another state” "
        "and name it in the next field."
    )


def _country(raw) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or not is_country_code(raw):
        raise FieldError("Choose a state from the list.")
    return raw


def parse_value(field: Field, raw, party_states: set[str]):
    """Return ``raw`` as ``field`` stores it, or raise :class:`FieldError`."""
    if holds_nul(raw):
        # The values are JSON, where PostgreSQL keeps a NUL (as \u0000) that the PDF,
        # the package and the search index then choke on: refused, never stripped.
        raise FieldError(nul_message(f"field “{field.label}”"))
    if field.kind == TEXT:
        return _text(raw or "", MAX_TEXT)
    if field.kind == TEXTAREA:
        return _text(raw or "", MAX_TEXTAREA)
    if field.kind == DATE:
        return _date(raw)
    if field.kind == NUMBER:
        return _number(raw, field.minimum, field.maximum)
    if field.kind in (CHOICE, YESNO):
        return _choice(field, raw)
    if field.kind == CHOICES:
        return _choices(field, raw if isinstance(raw, list) else [raw] if raw else [])
    if field.kind == STATE:
        return _state(raw, party_states)
    if field.kind == COUNTRY:
        return _country(raw)
    raise AssertionError(field.kind)


def parse_values(
    instrument: Instrument, read, party_states: set[str], today: date | None = None
) -> tuple[dict, dict[str, str]]:
    """Read every field with ``read(field)``; return the values and the errors by field.

    The rules that name their ``fields`` (dates in order, not in the future, a deadline
    not past, a box of the list against the penalty) are checked here too, on the fields
    that apply, so a draft never holds an offence period that ends before it starts.
    Every value read is kept, those of fields that do not apply too (see
    :meth:`Instrument.applying`).
    """
    values: dict = {}
    errors: dict[str, str] = {}
    for _section, field in instrument.fields():
        try:
            value = parse_value(field, read(field), party_states)
        except FieldError as error:
            errors[field.key] = str(error)
            continue
        if value not in (None, "", []):
            values[field.key] = value
    context = RuleContext(
        issuing_state=None,
        party_states=frozenset(party_states),
        today=today or utcnow().date(),
        evidence_count=0,
    )
    applying = instrument.applying(values)
    for rule in instrument.rules:
        if getattr(rule, "fields", None) and not errors.keys() & set(rule.fields):
            for problem in rule(applying, context):
                errors.setdefault(problem.field, problem.message)
    return values, errors


def from_form(formdata):
    """Return a reader of ``formdata`` for :func:`parse_values`."""

    def read(field: Field):
        if field.kind == CHOICES:
            return formdata.getlist(field.key)
        return formdata.get(field.key)

    return read


def from_mapping(mapping: dict):
    """Return a reader of an imported document's ``values`` for :func:`parse_values`."""

    def read(field: Field):
        raw = mapping.get(field.key)
        if field.kind == NUMBER and isinstance(raw, int) and not isinstance(raw, bool):
            return str(raw)
        return raw

    return read
