"""Translations of the drafter's own text, attached to a request: one file per language.

The form's wording comes from the catalogues; what the drafter typed goes into the PDF
as typed. A translation of it is a file the drafter uploads (PDF, DOCX, ODT or plain
text, judged from its bytes by libmagic), kept in the blob store under its SHA-256,
listed in the request's PDF and JSON and carried in its package.
"""

from babel import Locale
from flask import current_app

from jit.bags import safe_name

MIB = 1024 * 1024
DEFAULT_LIMIT_MB = 10
MAX_FILENAME = 255

# The official languages of the EU, and those of states an MLA or extradition request
# often goes to (Western Balkans, Norway, Iceland, Switzerland's four, Türkiye, Ukraine).
LANGUAGE_CODES = (
    "bg", "bs", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
    "is", "it", "lt", "lv", "mk", "mt", "nl", "no", "pl", "pt", "rm", "ro", "sk", "sl",
    "sq", "sr", "sv", "tr", "uk",
)  # fmt: skip

# What libmagic names the accepted formats.
MEDIA_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "text/plain": "plain text",
}


def limit_bytes() -> int:
    """The largest translation accepted (``MAX_TRANSLATION_MB``, within the request limit)."""
    limit = int(current_app.config.get("MAX_TRANSLATION_MB", DEFAULT_LIMIT_MB)) * MIB
    request_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(limit, request_limit) if request_limit else limit


def language_name(code: str, in_language: str = "en") -> str:
    """Return the name of language ``code`` in ``in_language`` (CLDR), else the code."""
    try:
        names = Locale.parse(in_language).languages
    except (ValueError, TypeError):
        names = Locale("en").languages
    return names.get(code) or Locale("en").languages.get(code) or code


def languages(in_language: str = "en") -> dict[str, str]:
    """Return the languages a translation may be in, code → name, by name."""
    named = {code: language_name(code, in_language) for code in LANGUAGE_CODES}
    return dict(sorted(named.items(), key=lambda pair: pair[1].casefold()))


def clean_filename(name: str) -> str:
    """Return the name a browser sent, without any folder, control character or excess."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:MAX_FILENAME] or "translation"


def package_path(language: str, filename: str) -> str:
    """Where the file sits in the request's package (one folder per language)."""
    return f"request/translations/{language}/{safe_name(filename, 'translation')}"
