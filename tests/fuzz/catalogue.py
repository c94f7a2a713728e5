"""The catalogue of hostile input: every value the fuzz walk sends, kept in one place.

Add a value here and every route of every package is walked with it. A value is
``str`` (sent as UTF-8) or ``bytes`` (sent as they are, so invalid UTF-8 stays invalid).
"""

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Hostile:
    label: str
    value: object  # str, bytes, or (JSON field values) anything JSON can hold
    family: str = "any"  # which inputs it targets: integer, date, decimal, zone, or any

    def __repr__(self) -> str:
        return self.label


VALUES = [
    # Integers beyond every column: 64-bit edges, a 32-bit edge, and far beyond.
    Hostile("2**63", str(2**63), "integer"),
    Hostile("2**64", str(2**64), "integer"),
    Hostile("-2**63-1", str(-(2**63) - 1), "integer"),
    Hostile("10**30", str(10**30), "integer"),
    Hostile("2**31", str(2**31), "integer"),
    Hostile("-1", "-1", "integer"),
    Hostile("0", "0", "integer"),
    Hostile("5000 digits", "9" * 5000, "integer"),
    Hostile("Arabic-Indic digits", "١٢٣", "integer"),
    # Dates and times out of range, and not dates at all.
    Hostile("9999-12-31", "9999-12-31", "date"),
    Hostile("0001-01-01", "0001-01-01", "date"),
    Hostile("0001-01-01T00:00", "0001-01-01T00:00", "date"),
    Hostile("9999-12-31T23:59", "9999-12-31T23:59", "date"),
    Hostile("2026-02-30", "2026-02-30", "date"),
    # Decimals that are not numbers.
    Hostile("NaN", "NaN", "decimal"),
    Hostile("sNaN", "sNaN", "decimal"),
    Hostile("Infinity", "Infinity", "decimal"),
    Hostile("-Infinity", "-Infinity", "decimal"),
    Hostile("1e999999", "1e999999", "decimal"),
    # Bytes and characters that break parsers, headers and paths.
    Hostile("NUL", "a\x00b"),
    Hostile("invalid UTF-8", b"\xff\xfe\xc0\x80"),
    Hostile("lone surrogate (CESU)", b"\xed\xa0\x80"),
    Hostile("CR/LF", "/\r\nSet-Cookie: injected=1"),
    Hostile("../", "../../../etc/passwd"),
    Hostile("//host", "//evil.example/"),
    Hostile("100k string", "x" * 100_000),
    Hostile("100k time zone", "Europe/" + "A" * 100_000, "zone"),
    Hostile("empty", ""),
    Hostile("space", " "),
    Hostile("markup", "<script>alert(1)</script>"),
]

# Wrong JSON types and shapes, sent as a JSON body and as uploaded JSON files.
_DEEP = 100_000
JSON_DOCUMENTS = [
    Hostile("JSON array nested 100k deep", "[" * _DEEP + "]" * _DEEP),
    Hostile("JSON object nested 100k deep", '{"a":' * _DEEP + "1" + "}" * _DEEP),
    Hostile("JSON unclosed 100k deep", "[" * _DEEP),
    Hostile("JSON null", "null"),
    Hostile("JSON number", "1e999"),
    Hostile("JSON NaN", "NaN"),
    Hostile("JSON string", '"text"'),
    Hostile("JSON list", "[1, 2, 3]"),
    Hostile("JSON truncated", '{"schema": "jit-agreement/1", "title": '),
    Hostile("JSON invalid UTF-8", b'{"title": "\xff\xfe"}'),
    Hostile(
        "JSON wrong types",
        json.dumps(
            {
                "schema": "jit-agreement/1",
                "title": 5,
                "reference": {"a": 1},
                "legal_basis": "UNTOC_ART19",
                "parties": {"party": "NL"},
                "purpose": [1],
                "period": {"starts_on": 20260101, "expires_on": ["9999-12-31"]},
                "operating_states": {"states": [None, 1, {"x": 1}]},
                "leaders": ["not a person", 7, None, [1]],
                "members": [{"party": 1, "email": 2, "name": [], "is_seconded": {}}],
                "participants": "all of them",
                "information_use": 1,
                "languages": [[1]],
                "workspace": "yes",
                "evaluation": {"mid_term_on": "0001-01-01"},
            }
        ),
    ),
    Hostile(
        "JSON export wrong types",
        json.dumps({"content": [], "version": "v1"}),
    ),
    Hostile(
        "JSON export stated hash wrong type",
        json.dumps({"content": {"schema": "jit-agreement/1"}, "version": {"content_hash": 1}}),
    ),
    Hostile(
        "JSON dates out of range",
        json.dumps(
            {
                "schema": "jit-agreement/1",
                "period": {
                    "entry_into_force": "date",
                    "starts_on": "0001-01-01",
                    "expires_on": "9999-12-31",
                },
                "evaluation": {"mid_term_on": "9999-12-31"},
            }
        ),
    ),
]

# Files: the JSON documents, plus bytes that are not what the form expects.
FILES = [
    *JSON_DOCUMENTS,
    Hostile("empty file", b""),
    Hostile("binary file", bytes(range(256)) * 4),
]

# JSON bodies whose fields have the wrong type, for forms posted as JSON.
JSON_FIELD_VALUES = [
    Hostile("JSON list value", [1, 2]),
    Hostile("JSON object value", {"a": {"b": [None]}}),
    Hostile("JSON number value", 2**64),
    Hostile("JSON null value", None),
    Hostile("JSON true value", True),
]
