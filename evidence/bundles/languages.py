"""Which languages a request of each type can be rendered in, and whether it is read.

A language is offered for an instrument only when its catalogue translates every text
the request's PDF shows, so a request never mixes two languages. A request must reach
the executing authority in a language it accepts, or translated into one (Directive
2014/41/EU art. 5(2), FD 2002/584/JHA art. 8(2), UNTOC art. 18(14)).
"""

from dataclasses import dataclass

from evidence.bundles import addressees
from evidence.bundles.instruments import Instrument
from evidence.bundles.instruments.base import N_
from evidence.bundles.instruments.common import executing_state_of
from evidence.bundles.translations import language_name
from jit.i18n import LANGUAGES, missing_translations

# The PDF's own texts (templates/bundles/request_pdf.html and pdf.py), for the catalogue.
FIXED_TEXTS = (
    N_("DRAFT — not for transmission"),
    N_("Issuing authority"),
    N_("Issuing State"),
    N_("Executing State"),
    N_("Executing authority"),
    N_("Reference"),
    N_("version"),
    N_("replaces"),
    N_("Date"),
    N_("Joint investigation team"),
    N_("Agreement and version in force"),
    N_("Language of the request"),
    N_("Content hash"),
    N_(
        "The request as structured data (request.json) is attached to this PDF. The PDF "
        "carries the digital signature of the issuing workspace."
    ),
    N_("Evidence schedule"),
    N_("Exhibit"),
    N_("Description"),
    N_("Files (bytes, SHA-256)"),
    N_("Chain of custody"),
    N_("Handling code"),
    N_("Consent"),
    N_("events"),
    N_("Last event"),
    N_("No evidence is annexed to this request."),
    N_("Translations attached"),
    N_("Language"),
    N_("File name"),
    N_("Size (bytes)"),
    N_("Signature"),
    N_("Name of the signatory"),
    N_("Post held (title/grade)"),
    N_("Place"),
    N_("Signature and, where applicable, official stamp"),
    N_("Page"),
    N_("of"),
    N_("Yes"),
    N_("No"),
    N_("another State"),
)


def pdf_texts(instrument: Instrument) -> set[str]:
    return instrument.texts() | set(FIXED_TEXTS)


def languages_for(instrument: Instrument) -> dict[str, str]:
    """Return the languages (code → name) a request of ``instrument`` can be rendered in."""
    texts = pdf_texts(instrument)
    return {code: name for code, name in LANGUAGES.items() if not missing_translations(texts, code)}


@dataclass(frozen=True)
class LanguageNotice:
    """The executing authority reads none of the request's languages (a warning only)."""

    authority: str
    accepted: list[str]  # language names, as the directory lists them
    language: str  # the request's language, by name


def language_notice(bundle) -> LanguageNotice | None:
    """Return a notice when the directory's executing authority accepts neither the
    request's language nor that of any translation attached; None when it does, or when
    the directory lists no languages for it.

    It does not stop the finalising: the directory may be out of date, and an authority
    may accept another language case by case.
    """
    entry = addressees.proposed(bundle.request_type, executing_state_of(bundle.values or {}))
    accepted = entry.language_list if entry is not None else []
    if not accepted:
        return None
    given = {bundle.language, *(attached.language for attached in bundle.translations)}
    if given & set(accepted):
        return None
    return LanguageNotice(
        authority=entry.name,
        accepted=[language_name(code) for code in accepted],
        language=language_name(bundle.language),
    )
