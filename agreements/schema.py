"""The JSON Schema an imported agreement file must meet, and the checked parsing of it.

An import is read in three steps, each refusing with named problems before the next
runs: the size and nesting depth are counted on the raw bytes (so a file nested a
hundred thousand deep never reaches the recursive parser), the bytes are parsed as
strict JSON (no NaN or Infinity), and the document is checked against
:data:`IMPORT_SCHEMA` (JSON Schema Draft 2020-12) so that :mod:`agreements.content`
only ever sees the types it expects.
"""

import json
import re
from dataclasses import dataclass

from jsonschema import Draft202012Validator

from agreements.content import BOOLEAN_PERSON_FIELDS, PERSON_FIELDS, SCHEMA, SCHEMAS

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_PROBLEMS = 20
_LIST = 500  # people, parties, states: far more than any agreement names
_TEXT = 20000

# An ISO date between 1900-01-01 and 2100-12-31 (the calendar check is the content's).
_DATE = {
    "type": ["string", "null"],
    "pattern": r"^((19|20)[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$|^$",
}
_TEXT_OR_NULL = {"type": ["string", "null"], "maxLength": _TEXT}
_FLAG = {"type": ["boolean", "string", "null"], "maxLength": 10}


def _texts(*names: str, limit: int = _TEXT) -> dict:
    return {name: {"type": ["string", "null"], "maxLength": limit} for name in names}


def _person(kind: str) -> dict:
    properties = {
        name: _FLAG
        if name in BOOLEAN_PERSON_FIELDS
        else {"type": ["string", "null"], "maxLength": 300}
        for name in PERSON_FIELDS[kind]
    }
    return {"type": "object", "properties": properties}


def _people(kind: str) -> dict:
    return {"type": ["array", "null"], "maxItems": _LIST, "items": _person(kind)}


CONTENT_SCHEMA = {
    "type": "object",
    "required": ["schema"],
    "properties": {
        "schema": {"enum": list(SCHEMAS)},
        **_texts("reference", "title", "legal_basis_other", "measures", "confidentiality"),
        **_texts("media", "costs_liability", "appendix_i", "general_conditions"),
        **_texts("organisation"),
        **_texts("time_zone", limit=64),
        "retention_years": {"type": ["integer", "string", "null"], "maxLength": 10},
        "legal_basis": {
            "type": ["array", "null"],
            "maxItems": 50,
            "items": {"type": "string", "maxLength": 100},
        },
        "parties": {
            "type": ["array", "null"],
            "maxItems": _LIST,
            "items": {
                "type": "object",
                "properties": {
                    "party": {"type": ["string", "null"], "maxLength": 40},
                    "role": {"type": ["string", "null"], "maxLength": 40},
                    "authority": {"type": ["string", "null"], "maxLength": 300},
                },
            },
        },
        "purpose": {
            "type": ["object", "null"],
            "properties": _texts("text", "offences", "proceedings"),
        },
        "period": {
            "type": ["object", "null"],
            "properties": {
                "entry_into_force": {"type": ["string", "null"], "maxLength": 40},
                "starts_on": _DATE,
                "expires_on": _DATE,
            },
        },
        "operating_states": {
            "type": ["object", "null"],
            "properties": {
                "states": {
                    "type": ["array", "null"],
                    "maxItems": _LIST,
                    "items": {"type": "string", "maxLength": 40},
                },
                "note": _TEXT_OR_NULL,
            },
        },
        **{kind: _people(kind) for kind in PERSON_FIELDS},
        "information_use": {
            "type": ["object", "null"],
            "properties": {
                # Switches of the first schema; the uses they named are fixed text now.
                "other_offences_with_consent": _FLAG,
                "public_security": _FLAG,
                **_texts("other_purposes", "consent_conditions", "admissibility"),
            },
        },
        "languages": {
            "type": ["array", "string", "null"],
            "maxItems": 50,
            "maxLength": 2000,
            "items": {"type": "string", "maxLength": 60},
        },
        "workspace": {
            "type": ["object", "null"],
            "properties": {"is_used": _FLAG, "access_rules": _TEXT_OR_NULL},
        },
        "evaluation": {
            "type": ["object", "null"],
            "properties": {"mid_term_on": _DATE, "arrangements": _TEXT_OR_NULL},
        },
    },
}

# Either an export of a version (``content`` with its ``version``) or the bare content.
IMPORT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "if": {"type": "object", "required": ["content"]},
    "then": {
        "type": "object",
        "properties": {
            "content": CONTENT_SCHEMA,
            "version": {
                "type": ["object", "null"],
                "properties": {"content_hash": {"type": ["string", "null"], "maxLength": 100}},
            },
        },
    },
    "else": CONTENT_SCHEMA,
}

_validator = Draft202012Validator(IMPORT_SCHEMA)
Draft202012Validator.check_schema(IMPORT_SCHEMA)


@dataclass(frozen=True)
class Problem:
    path: str  # a JSON Pointer into the file, "" for the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(the whole file)'}: {self.message}"


class ImportRefused(ValueError):
    """The file cannot be imported; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# Strings (with their escapes) removed, what is left shows the nesting.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def nesting_depth(data: bytes) -> int:
    """Return how deeply arrays and objects nest in ``data``, without parsing it."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        depth += 1 if match.group() in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"{_short(text, 20)} is too large a number")
    return number


def parse_import(data: bytes) -> dict | list:
    """Return the parsed, schema-checked import file, or raise :class:`ImportRefused`."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused([Problem("", f"The file is larger than {MAX_IMPORT_BYTES:,} bytes.")])
    if nesting_depth(data) > MAX_DEPTH:
        raise ImportRefused(
            [Problem("", f"Arrays and objects nest more than {MAX_DEPTH} levels deep.")]
        )
    try:
        document = json.loads(
            data.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float
        )
    except UnicodeDecodeError:
        raise ImportRefused([Problem("", "The file is not UTF-8 text.")]) from None
    except ValueError as error:
        raise ImportRefused(
            [Problem("", f"The file is not valid JSON ({_short(error)}).")]
        ) from None
    problems = sorted(
        (_pointer(error.absolute_path), _message(error))
        for error in _validator.iter_errors(document)
    )
    if problems:
        raise ImportRefused([Problem(path, message) for path, message in problems[:MAX_PROBLEMS]])
    return document


def _message(error) -> str:
    # The two commonest mistakes (another JSON file, another export) in plain words.
    if error.validator == "type" and not error.absolute_path:
        return (
            f"{_short(error.message)}: the file is not an agreement export "
            "(expected a JSON object)."
        )
    if error.validator == "enum" and list(error.absolute_path)[-1:] == ["schema"]:
        return f"{_short(error.message)}: the file is not an agreement in the format {SCHEMA}."
    if error.validator == "pattern":  # only dates have a pattern
        return f"{_short(error.instance, 40)!r} is not a date from 1900-01-01 to 2100-12-31."
    return _short(error.message)


def _pointer(path) -> str:
    return "".join(f"/{part}" for part in path)


def _short(text, limit: int = 200) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"
