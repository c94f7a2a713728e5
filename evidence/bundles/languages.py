"""Which languages a request of each type can be rendered in.

A language is offered for an instrument only when its catalogue translates every text
the request's PDF shows, so a request never mixes two languages.
"""

from evidence.bundles.instruments import Instrument
from evidence.bundles.instruments.base import N_
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
