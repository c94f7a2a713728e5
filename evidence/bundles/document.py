"""The request as one JSON document (``jit-workspace/request/v1``), its hash and its text.

The document is what the PDF renders and what a final bundle stores: the form's values
in the instrument's order, the evidence schedule, and where the request stands.
See docs/bundles.md for the format.
"""

from flask_babel import force_locale, get_locale, gettext

from evidence.bundles.instruments import instrument
from evidence.bundles.instruments.base import COUNTRY, STATE
from evidence.bundles.instruments.common import OTHER_STATE
from evidence.bundles.models import Bundle
from evidence.bundles.prefill import agreement_facts
from evidence.bundles.schedule import schedule_rows
from evidence.bundles.translations import package_path
from jit.canonical import canonical_json, sha256_hex
from jit.teams.reference import country_name

SCHEMA = "jit-workspace/request/v1"


def request_document(bundle: Bundle) -> dict:
    """Return the bundle's request document; a final bundle's is the one frozen with it."""
    if bundle.is_final and bundle.document:
        return bundle.document
    definition = instrument(bundle.request_type)
    agreement = agreement_facts(bundle.team)
    # Only the fields that apply: the draft keeps what was typed into a field whose
    # condition is off, but the request (its JSON, hash, PDF and text) does not carry it.
    values = definition.applying(bundle.values or {})
    return {
        "schema": SCHEMA,
        "type": bundle.request_type,
        "title": definition.title,
        "reference": values.get("reference") or values.get("authority_file") or bundle.label,
        "bundle": bundle.label,
        "version": bundle.version,
        "previous": bundle.previous.label if bundle.previous else None,
        "status": bundle.status,
        "language": bundle.language,
        "team": {"code": bundle.team.code, "name": bundle.team.name},
        "issuing_party": {
            "state": bundle.party.country_code,
            "name": bundle.party.name,
            "authority": bundle.party.authority,
        },
        "agreement": {
            "reference": bundle.agreement_reference or agreement.get("reference", ""),
            "version": bundle.agreement_version or agreement.get("version"),
        },
        "values": {
            field.key: values[field.key]
            for _section, field in definition.fields()
            if field.key in values
        },
        "evidence": schedule_rows(bundle),
        # Translations of the drafter's text, as attached; each file is in the package.
        "translations": [
            {
                "language": attached.language,
                "filename": attached.filename,
                "media_type": attached.media_type,
                "size_bytes": attached.size_bytes,
                "sha256": attached.sha256,
                "path": f"data/{package_path(attached.language, attached.filename)}",
            }
            for attached in bundle.translations
        ],
    }


def content_hash(document: dict) -> str:
    """Return the SHA-256 of the document's canonical JSON (what every PDF page shows)."""
    return sha256_hex(canonical_json(document))


def issuing_authority(document: dict) -> str:
    """Return the issuing authority as the form names it (EAW (i), EIO K, …), else the party's.

    Each form's own field for it is the one pre-filled with the drafting party's
    authority; the drafter may have named the judge or prosecutor who issues it.
    """
    definition = instrument(document["type"])
    field = next(
        (item for _section, item in definition.fields() if item.prefill == "issuing_authority"),
        None,
    )
    named = document["values"].get(field.key) if field is not None else None
    return named or document["issuing_party"].get("authority") or ""


def state_name(code: str) -> str:
    """Return the state's name in the current language (Babel's CLDR data), else English."""
    locale = get_locale()
    localised = locale.territories.get(code) if locale is not None else None
    return localised or country_name(code)


def display_value(field, value) -> str:
    """Return a stored value as text in the current language (choices by their label)."""
    if value is None or value == "":
        return ""
    if field.kind in (STATE, COUNTRY):
        return gettext("another State") if value == OTHER_STATE else state_name(value)
    if isinstance(value, list):
        return "; ".join(gettext(field.choice_label(v)) for v in value)
    if field.choices:
        return gettext(field.choice_label(value))
    return str(value)


def request_text(document: dict) -> str:
    """Return the plain text of a request: each section's heading and filled fields.

    For search: the drafter's text as typed, with the form's labels in the request's
    language.
    """
    definition = instrument(document["type"])
    lines = [document["title"], document.get("reference", "")]
    with force_locale(document.get("language", "en")):
        for section in definition.sections:
            lines.append(f"{section.mark} {gettext(section.title)}".strip())
            for field in section.fields:
                value = document["values"].get(field.key)
                if value not in (None, "", []):
                    lines.append(f"{gettext(field.label)}: {display_value(field, value)}")
        for row in document.get("evidence", []):
            lines.append(f"{row['exhibit_number']} {row['title']}")
    return "\n".join(line for line in lines if line)
