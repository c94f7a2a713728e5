"""Every write to the directory (with its platform audit entry), its CSV, and the lookup.

Functions add to the caller's transaction and never commit; a refused change raises
:class:`DirectoryError` before anything is written.
"""

import csv
import io
import re
from dataclasses import dataclass, field

import phonenumbers
import pycountry
from sqlalchemy import select

from jit.audit import services as audit
from jit.clock import utcnow
from jit.csv_cells import from_cell, to_cell
from jit.directory.models import CSV_COLUMNS, AuthorityFunction, DirectoryEntry
from jit.extensions import db
from jit.inputs import holds_nul
from jit.teams.reference import is_country_code

MAX_IMPORT_ROWS = 5000
LIMITS = {"name": 300, "address": 2000, "email": 254, "languages": 200, "channels": 300}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class DirectoryError(ValueError):
    """A change the directory refuses, with a message fit for the administrator."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.field_errors = field_errors or {}


def _split(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", raw or "") if part.strip()]


def clean(raw: dict) -> tuple[dict, dict[str, list[str]]]:
    """Check an entry as typed or read from CSV; return its stored values and the errors."""
    values = {column: (raw.get(column) or "").strip() for column in CSV_COLUMNS}
    errors: dict[str, list[str]] = {}

    def fail(column: str, message: str) -> None:
        errors.setdefault(column, []).append(message)

    values["country"] = values["country"].upper()
    if not is_country_code(values["country"]):
        fail("country", f"“{values['country']}” is not an ISO 3166-1 country code (e.g. NL).")
    if values["function"] not in {f.value for f in AuthorityFunction}:
        fail("function", f"“{values['function']}” is not a known function.")
    if not values["name"]:
        fail("name", "Give the authority's name.")
    for column, limit in LIMITS.items():
        if len(values[column]) > limit:
            fail(column, f"At most {limit} characters.")
    if values["email"] and not _EMAIL.match(values["email"]):
        fail("email", f"“{values['email']}” is not an e-mail address.")
    if values["phone"]:
        values["phone"] = _phone(values["phone"], values["country"], fail)
    languages = [code.lower() for code in _split(values["languages"])]
    for code in languages:
        if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
            fail("languages", f"“{code}” is not an ISO 639-1 language code (e.g. nl, en).")
    values["languages"] = ";".join(dict.fromkeys(languages))
    values["channels"] = ";".join(dict.fromkeys(_split(values["channels"])))
    return values, errors


def _phone(raw: str, country: str, fail) -> str:
    """Return ``raw`` in E.164, read in ``country``'s numbering plan if it has no ``+``."""
    region = country if is_country_code(country) else None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        fail("phone", f"“{raw}” is not a valid telephone number (write it as +31 70 …).")
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _first(errors: dict[str, list[str]]) -> str:
    return " ".join(messages[0] for messages in errors.values())


def _duplicate(values: dict, exclude_id: int | None = None) -> DirectoryEntry | None:
    query = select(DirectoryEntry).where(
        DirectoryEntry.country_code == values["country"],
        DirectoryEntry.function == values["function"],
        DirectoryEntry.name == values["name"],
    )
    if exclude_id is not None:
        query = query.where(DirectoryEntry.id != exclude_id)
    return db.session.scalar(query)


def _apply(entry: DirectoryEntry, values: dict) -> None:
    entry.country_code = values["country"]
    for column in CSV_COLUMNS[1:]:
        setattr(entry, column, values[column])
    entry.updated_at = utcnow()


def _checked(raw: dict, exclude_id: int | None = None) -> dict:
    values, errors = clean(raw)
    if not errors and _duplicate(values, exclude_id) is not None:
        errors["name"] = [
            f"{values['name']} is already listed for {values['country']} in this function."
        ]
    if errors:
        raise DirectoryError(_first(errors), errors)
    return values


def create_entry(raw: dict, *, actor) -> DirectoryEntry:
    """Add an authority to the directory."""
    values = _checked(raw)
    entry = DirectoryEntry(created_at=utcnow())
    _apply(entry, values)
    db.session.add(entry)
    db.session.flush()
    audit.record("directory.entry_created", target=entry, new=entry.values(), actor=actor)
    return entry


def update_entry(entry: DirectoryEntry, raw: dict, *, actor) -> DirectoryEntry:
    """Change an authority's details; the audit entry keeps the old values."""
    values = _checked(raw, exclude_id=entry.id)
    before = entry.values()
    _apply(entry, values)
    old, new = audit.diff(before, entry.values())
    if new:
        audit.record("directory.entry_updated", target=entry, old=old, new=new, actor=actor)
    return entry


def delete_entry(entry: DirectoryEntry, *, actor) -> None:
    """Remove an authority; the audit entry keeps what it said."""
    audit.record("directory.entry_deleted", target=entry, old=entry.values(), actor=actor)
    db.session.delete(entry)


# ---------------------------------------------------------------------------
# Lookup


def entries(country_code: str | None = None) -> list[DirectoryEntry]:
    """Return the directory entries, of one state if ``country_code`` is given."""
    query = select(DirectoryEntry).order_by(
        DirectoryEntry.country_code, DirectoryEntry.function, DirectoryEntry.name
    )
    if country_code:
        if holds_nul(country_code):
            # No state's code holds one (and PostgreSQL refuses it in a query): a form
            # shown again after a refusal asks with what was typed, NUL and all.
            return []
        query = query.where(DirectoryEntry.country_code == country_code)
    return list(db.session.scalars(query))


def addressees(country_code: str, function: AuthorityFunction) -> list[DirectoryEntry]:
    """Return the authorities of a state listed for ``function``, by name."""
    if holds_nul(country_code):
        return []
    return list(
        db.session.scalars(
            select(DirectoryEntry)
            .where(
                DirectoryEntry.country_code == (country_code or "").upper(),
                DirectoryEntry.function == AuthorityFunction(function).value,
            )
            .order_by(DirectoryEntry.name)
        )
    )


def addressee(country_code: str, function: AuthorityFunction) -> DirectoryEntry | None:
    """Return the one authority to address for ``function`` in a state, or None if unlisted."""
    found = addressees(country_code, function)
    return found[0] if found else None


# ---------------------------------------------------------------------------
# CSV


def export_csv() -> str:
    """Return the whole directory as CSV, in the columns the import reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries():
        values = entry.values()
        writer.writerow([to_cell(values[column]) for column in CSV_COLUMNS])
    return out.getvalue()


@dataclass
class ImportRow:
    line: int
    values: dict
    action: str  # "create", "update" or "unchanged"
    changed: dict = field(default_factory=dict)  # column -> (old, new)
    entry_id: int | None = None


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as wrong:
        raise DirectoryError("The file is not UTF-8 text; save the CSV as UTF-8.") from wrong


def preview_import(data: bytes) -> ImportPreview:
    """Read a CSV and say what importing it would change, and what is wrong, by line.

    Rows are matched to existing entries by country, function and name; a row for an
    entry not yet listed adds it. Entries the file does not mention are left alone.
    Raises :class:`DirectoryError` when the file as a whole cannot be read.
    """
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        header = [from_cell(cell).strip().lower() for cell in next(reader)]
    except StopIteration:
        raise DirectoryError("The file is empty; it needs a header line.") from None
    except csv.Error as broken:
        raise DirectoryError(f"Line 1 cannot be read as CSV: {broken}.") from None
    if sorted(header) != sorted(CSV_COLUMNS) or len(header) != len(CSV_COLUMNS):
        missing = [c for c in CSV_COLUMNS if c not in header]
        extra = [c for c in header if c not in CSV_COLUMNS]
        detail = "; ".join(
            part
            for part in (
                f"missing: {', '.join(missing)}" if missing else "",
                f"not known: {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise DirectoryError(
            f"The columns are wrong ({detail or 'a column is repeated'}). The first line must "
            f"name exactly these columns: {', '.join(CSV_COLUMNS)}."
        )
    preview, seen = ImportPreview(), {}
    existing = {(e.country_code, e.function, e.name): e for e in entries()}
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as broken:
            preview.errors.append((start, f"cannot be read as CSV: {broken}."))
            break
        line = start
        if not any(cell.strip() for cell in cells):
            continue
        if len(preview.rows) + len(preview.errors) >= MAX_IMPORT_ROWS:
            preview.errors.append((line, f"more than {MAX_IMPORT_ROWS} rows; split the file."))
            break
        if len(cells) != len(header):
            preview.errors.append(
                (line, f"has {len(cells)} cells where the header has {len(header)}.")
            )
            continue
        values, errors = clean({h: from_cell(c) for h, c in zip(header, cells, strict=True)})
        if errors:
            preview.errors.append((line, _first(errors)))
            continue
        key = (values["country"], values["function"], values["name"])
        if key in seen:
            preview.errors.append((line, f"repeats the authority on line {seen[key]}."))
            continue
        seen[key] = line
        preview.rows.append(_compare(line, values, existing.get(key)))
    return preview


def _compare(line: int, values: dict, entry: DirectoryEntry | None) -> ImportRow:
    if entry is None:
        return ImportRow(line, values, "create")
    current = entry.values()
    changed = {c: (current[c], values[c]) for c in CSV_COLUMNS if current[c] != values[c]}
    return ImportRow(line, values, "update" if changed else "unchanged", changed, entry.id)


def apply_import(data: bytes, *, actor) -> ImportPreview:
    """Import a CSV: every row, or, if any row is wrong, nothing at all."""
    preview = preview_import(data)
    if not preview.is_valid:
        raise DirectoryError(
            f"Nothing was imported: {len(preview.errors)} "
            f"row{'s are' if len(preview.errors) != 1 else ' is'} wrong."
        )
    for row in preview.rows:
        if row.action == "create":
            entry = DirectoryEntry(created_at=utcnow())
            _apply(entry, row.values)
            db.session.add(entry)
            db.session.flush()
            audit.record("directory.entry_created", target=entry, new=row.values, actor=actor)
        elif row.action == "update":
            entry = db.session.get(DirectoryEntry, row.entry_id)
            _apply(entry, row.values)
            old = {c: pair[0] for c, pair in row.changed.items()}
            new = {c: pair[1] for c, pair in row.changed.items()}
            audit.record("directory.entry_updated", target=entry, old=old, new=new, actor=actor)
    audit.record(
        "directory.imported",
        object_type="directory_entries",
        new={"created": preview.count("create"), "updated": preview.count("update")},
        actor=actor,
    )
    return preview
