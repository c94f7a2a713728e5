"""Bounds for what arrives from outside: integers, dates, decimals, zones, redirects.

Each kind of value has one place that checks it before it reaches the database, so a
value out of range is a 404 (a path), an ignored filter with a message (a query
string) or a form error (a form), never a database error. Domain packages use these
instead of the plain WTForms fields and ``request.args.get(..., type=int)``.
"""

import decimal
import re
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import flash, g, has_request_context, request
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import DecimalField, Field, FieldList, FormField, IntegerField, SelectField
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from jit.clock import time_zone_names

# The smallest integer column either database has (PostgreSQL ``integer``).
DB_INT_MAX = 2**31 - 1
DB_INT_MIN = -(2**31)
# Dates the workspace accepts anywhere: wide enough for any case, narrow enough that a
# time zone shift never leaves the range Python and the databases can hold.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = "Give a date between 1900-01-01 and 2100-12-31."
# Decimals (amounts in euro) up to a trillion, with cents.
DECIMAL_MAX = decimal.Decimal(10) ** 12


def parse_plain_int(text, minimum: int = 0, maximum: int = DB_INT_MAX) -> int | None:
    """Return ``text`` as an int if it is ASCII digits (no sign, no space) within the bounds.

    Use it instead of ``str.isdigit()`` before ``int()``: isdigit() also takes "²" and
    "①", which int() refuses, and "٣", which int() reads though nobody typed 0-9; and
    int() raises on more than 4,300 digits.
    """
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        return None
    if len(text.lstrip("0")) > len(str(max(abs(minimum), abs(maximum)))):
        return None  # more digits than the bounds have: out of range, whatever they say
    number = int(text)
    return number if minimum <= number <= maximum else None


def parse_bounded_int(value, minimum: int = DB_INT_MIN, maximum: int = DB_INT_MAX) -> int | None:
    """Return ``value`` (an int, or text with an optional sign) within the bounds, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        sign, digits = (text[0], text[1:]) if text[:1] in ("+", "-") else ("+", text)
        magnitude = parse_plain_int(digits, 0, max(abs(minimum), abs(maximum)))
        if magnitude is None:
            return None
        number = -magnitude if sign == "-" else magnitude
    return number if minimum <= number <= maximum else None


class BoundedIntegerConverter(IntegerConverter):
    """The app's ``int`` URL converter: a path id beyond the database's range is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(
            map,
            fixed_digits=fixed_digits,
            min=(DB_INT_MIN if signed else 0) if min is None else min,
            max=DB_INT_MAX if max is None else max,
            signed=signed,
        )

    def to_python(self, value: str):
        if parse_bounded_int(value, self.min, self.max) is None:
            raise ValidationError()
        return super().to_python(value)


def query_int(
    name: str, default: int | None = None, *, minimum: int = 1, maximum: int = DB_INT_MAX
) -> int | None:
    """Return the query-string integer ``name``, or ``default`` with a message if it is bad."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    number = parse_bounded_int(raw, minimum, maximum)
    if number is None:
        flash(f"Ignored “{name}”: it is not a whole number from {minimum} to {maximum}.", "info")
        return default
    return number


def query_text(name: str, max_length: int) -> str:
    """Return the query-string text ``name`` (stripped, cut to ``max_length``).

    Text holding a NUL (which PostgreSQL refuses in a query) is ignored with a message.
    """
    raw = request.args.get(name) or ""
    if NUL in raw:
        flash(f"Ignored “{name}”: it contains a NUL character.", "info")
        return ""
    return raw.strip()[:max_length]


def ignore_bad_filters(form) -> None:
    """Say which filters of a query-string form were ignored, and why."""
    for field in form:
        for error in field.errors:
            flash(f"Ignored the filter “{field.label.text}”: {error}", "info")


def bounded_id(value) -> int | None:
    """Coerce a form's id (``party_id``, ``user_id``…) for a SelectField; refuse what is none."""
    if value is None or value == "":
        return None
    number = parse_bounded_int(value, 0, DB_INT_MAX)
    if number is None:
        raise ValueError("Choose one of the listed options.")
    return number


class IdSelectField(SelectField):
    """A select of database ids: a value that is no id in range is a form error, not a query."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", bounded_id)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Choose one of the listed options.") from None


class BoundedIntegerField(IntegerField):
    """An integer form field that refuses numbers the database cannot hold."""

    def __init__(self, *args, minimum: int = 0, maximum: int = DB_INT_MAX, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] == "":
            return
        self.data = parse_bounded_int(valuelist[0], self.minimum, self.maximum)
        if self.data is None:
            raise ValueError(f"Give a whole number from {self.minimum} to {self.maximum}.")


class FiniteDecimalField(DecimalField):
    """A decimal form field that refuses NaN, sNaN, infinities and absurd magnitudes."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is None:
            return
        if not self.data.is_finite() or abs(self.data) >= DECIMAL_MAX:
            self.data = None
            raise ValueError(f"Give an amount below {DECIMAL_MAX:,}.")


def date_in_range(value: date | datetime | None) -> bool:
    """Say whether ``value`` (a date, or a datetime's date) lies in the supported range."""
    if value is None:
        return True
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


ISO_DATE_HINT = "YYYY-MM-DD"
ISO_DATE_TIME_HINT = "YYYY-MM-DD HH:MM"
# re.ASCII: \d alone also matches other scripts' digits, which int() reads.
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_ISO_DATE_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?", re.ASCII)


def parse_iso_date(text: str) -> date:
    """Read ``YYYY-MM-DD`` within 1900–2100; ValueError says how to write it."""
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"Write the date as {ISO_DATE_HINT}, e.g. 2026-03-14.")
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(f"There is no such day as {text.strip()}.") from None
    if not date_in_range(day):
        raise ValueError(DATE_RANGE_MESSAGE)
    return day


def parse_iso_date_time(text: str) -> datetime:
    """Read ``YYYY-MM-DD HH:MM`` (24-hour; a ``T`` and seconds allowed) within 1900–2100."""
    match = _ISO_DATE_TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"Write the date and time as {ISO_DATE_TIME_HINT} on the 24-hour clock, "
            "e.g. 2026-03-14 09:30."
        )
    parts = [int(part) for part in match.groups(default="0")]
    try:
        moment = datetime(*parts)
    except ValueError:
        raise ValueError(f"There is no such date or time as {text.strip()}.") from None
    if not date_in_range(moment):
        raise ValueError(DATE_RANGE_MESSAGE)
    return moment


class _IsoField(Field):
    """A text input for an ISO date or time: the same on every browser and in every locale.

    Browsers draw ``type=date``/``datetime-local`` in the reader's locale (12/02/2026,
    2:30 PM), which a European reads wrongly; this field shows and takes ISO only.
    """

    widget = TextInput()
    hint = ""
    display_format = ""

    def __init__(self, label=None, validators=None, *, format=None, **kwargs):
        # ``format`` was the WTForms field's argument: still accepted from forms written
        # for it (other branches), ignored because the ISO forms are fixed.
        render_kw = {
            "placeholder": self.hint,
            "autocomplete": "off",
            "spellcheck": "false",
            "size": len(self.hint),
            "maxlength": len(self.hint) + 3,
        } | (kwargs.pop("render_kw", None) or {})
        description = kwargs.pop("description", "")
        format_note = f"Format {self.hint}" + (", 24-hour clock." if "HH" in self.hint else ".")
        kwargs["description"] = f"{description} {format_note}".strip()
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime(self.display_format) if self.data else ""

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        if not isinstance(text, str) or not text.strip():
            self.data = None
            return
        try:
            self.data = self.parse(text)
        except ValueError:
            self.data = None
            raise

    def parse(self, text: str):
        raise NotImplementedError


class BoundedDateField(_IsoField):
    """A date as ``YYYY-MM-DD``, 1900–2100."""

    hint, display_format = ISO_DATE_HINT, "%Y-%m-%d"

    def parse(self, text: str) -> date:
        return parse_iso_date(text)


class BoundedDateTimeLocalField(_IsoField):
    """A local date and time as ``YYYY-MM-DD HH:MM``, 1900–2100 (so any zone shift fits)."""

    hint, display_format = ISO_DATE_TIME_HINT, "%Y-%m-%d %H:%M"

    def parse(self, text: str) -> datetime:
        return parse_iso_date_time(text)


# --- NUL characters ------------------------------------------------------------------------
# PostgreSQL refuses a NUL in any text value (psycopg raises DataError: a 500), and SQLite
# would keep one that then breaks exports and the other database. No keyboard types one:
# text that holds one was pasted from a damaged file, so it is refused, never stripped
# (the text may be evidence or a legal record), with a message naming the field.
NUL = "\x00"


def holds_nul(value) -> bool:
    """Say whether ``value`` (text, or a list or dict of them, as a JSON event has) holds a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple):
        return any(holds_nul(part) for part in value)
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(part) for key, part in value.items())
    return False


def nul_message(what: str) -> str:
    """The house refusal of a NUL in ``what`` ("the topic", "the e-mail address"…)."""
    return f"The {what} contains a NUL character; type it again."


def _label_words(field) -> str:
    text = (field.label.text if field.label is not None else "") or field.name
    text = str(text).strip().rstrip(":")
    # "Topic" → "topic", but "ISO code" and "E-mail" keep what makes them read right.
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


class NoNulCharacter:
    """Refuse a field whose submitted value holds a NUL, before any other check reads it."""

    field_flags: dict = {}

    def __call__(self, form, field):
        if any(holds_nul(value) for value in field.raw_data or ()):
            message = nul_message(_label_words(field))
            if has_request_context():
                # A view that answers a failed form with a bare 400 (a form of buttons and
                # choices, where only tampering fails) shows this instead (jit/web.py).
                g.setdefault("refused_nul", message)
            raise StopValidation(message)


class RefuseNulMeta:
    """A form ``Meta`` giving every field :class:`NoNulCharacter` as its first check.

    One place for every form of every package (``jit.forms.WorkspaceForm`` uses it), so a
    field added later is covered without a validator of its own. A field class with
    ``refuses_nul_itself = True`` answers a NUL in its own words instead.
    """

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        # A form within the form (FormField, FieldList) has fields of its own, checked
        # by their form's Meta; the class is asked, as a FormField answers for its form.
        kind = type(field)
        if not issubclass(kind, FormField | FieldList) and not getattr(
            kind, "refuses_nul_itself", False
        ):
            field.validators = [NoNulCharacter(), *field.validators]
        return field


class Submitted:
    """Refuse a form that left a field out altogether (a browser always sends text fields)."""

    def __call__(self, form, field):
        if not field.raw_data:
            raise StopValidation("This field is missing from the form.")


def is_time_zone(name) -> bool:
    """Say whether ``name`` is one of the zones people may choose."""
    return isinstance(name, str) and name in time_zone_names()


def time_zone(name) -> tzinfo | None:
    """Return the zone called ``name``, or None if it is not on the list."""
    return ZoneInfo(name) if is_time_zone(name) else None


def safe_local_path(target) -> str | None:
    """Return ``target`` if it is a path on this site fit for a Location header, else None."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    if len(target) > 2000:
        return None
    return target
