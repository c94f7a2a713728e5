"""Reading a request JSON document (``jit-workspace/request/v1``) back into a new draft.

The document is checked with its JSON Schema first, then each value as the form would
check it; any problem refuses the whole import and nothing is written.
"""

from jsonschema import Draft202012Validator
from sqlalchemy import select

from evidence.access import visible_items_filter
from evidence.bundles import forms, services
from evidence.bundles.document import SCHEMA
from evidence.bundles.instruments import INSTRUMENTS, instrument
from evidence.models import EvidenceItem
from jit.clock import local_today
from jit.extensions import db
from jit.i18n import LANGUAGES
from jit.teams.access import TeamAccess

_VALUE = {
    "anyOf": [
        {"type": "string", "maxLength": forms.MAX_TEXTAREA},
        {"type": "integer"},
        {"type": "null"},
        {"type": "array", "items": {"type": "string", "maxLength": 60}, "maxItems": 60},
    ]
}
DOCUMENT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["schema", "type", "language", "values"],
    "properties": {
        "schema": {"const": SCHEMA},
        "type": {"enum": sorted(INSTRUMENTS)},
        "language": {"enum": sorted(LANGUAGES)},
        "values": {
            "type": "object",
            "maxProperties": 200,
            "propertyNames": {"maxLength": 60},
            "additionalProperties": _VALUE,
        },
        "evidence": {
            "type": "array",
            "maxItems": services.MAX_ITEMS,
            "items": {
                "type": "object",
                "required": ["exhibit_number"],
                "properties": {"exhibit_number": {"type": "string", "maxLength": 40}},
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(DOCUMENT_SCHEMA)


class RequestImportError(ValueError):
    """The document cannot be imported; ``problems`` names each reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _schema_problems(document) -> list[str]:
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(e.path))[:20]:
        where = "/".join(str(part) for part in error.path) or "(the document)"
        problems.append(f"{where}: {error.message[:200]}")
    return problems


def import_document(access: TeamAccess, document) -> "services.Bundle":
    """Create a draft from ``document``; raise :class:`RequestImportError` naming what is wrong."""
    problems = _schema_problems(document)
    if problems:
        raise RequestImportError(problems)
    definition = instrument(document["type"])
    known = {field.key for _section, field in definition.fields()}
    unknown = sorted(set(document["values"]) - known)
    if unknown:
        raise RequestImportError(
            [f"values/{key}: not a field of this type of request" for key in unknown[:20]]
        )
    values, errors = forms.parse_values(
        definition,
        forms.from_mapping(document["values"]),
        services.party_states(access.team),
        local_today(access.user.time_zone),
    )
    if errors:
        raise RequestImportError([f"values/{key}: {message}" for key, message in errors.items()])
    exhibits = [row["exhibit_number"] for row in document.get("evidence", [])]
    items = {
        item.exhibit_number: item
        for item in db.session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.exhibit_number.in_(exhibits))
            .where(visible_items_filter(access))
        )
    }
    missing = [number for number in exhibits if number not in items][:20]
    if missing:
        raise RequestImportError(
            [
                f"evidence: {number} does not exist or is not visible to you"
                for number in missing[:20]
            ]
        )
    bundle = services.create_bundle(
        access, document["type"], values=values, language=document["language"]
    )
    if exhibits:
        services.select_evidence(access, bundle, [items[number].id for number in exhibits])
    return bundle
