"""Selectors investigators work with, found in indexed text and normalised for matching.

Each identifier is stored on its document as one token ``type:value`` (``phone:+31612345678``,
``iban:NL91ABNA0417164300``, ``email:m.horvat@example.hr``), so ``phone:0031 6 1234 5678``
finds what ``+31 6 12 34 56 78`` wrote. Domain packages add their own types (a firearm's
``serial:``) through :attr:`search.registry.SearchKind.identifier_fields`.
"""

import re
from collections.abc import Callable

import phonenumbers
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

# Scanning stops here: identifiers past the first 200,000 characters of a long
# extracted text are not worth a request-sized scan per document.
MAX_SCANNED_CHARS = 200_000
MAX_PER_DOCUMENT = 200
_INTERNATIONAL = re.compile(r"(?<![\w+])00(?=[1-9])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
MIN_IBAN_CHARS = 15


class IdentifierError(ValueError):
    """A value written in a search field is not an identifier of that type."""


def normalise_phone(raw: str, region: str | None = None) -> str:
    """Return ``raw`` as E.164 (``+31612345678``); 00 is read as the international prefix."""
    text = _INTERNATIONAL.sub("+", raw.strip(), count=1)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise IdentifierError(
            "Write the phone number with its country code, e.g. phone:+31612345678."
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise IdentifierError(f"{raw.strip()[:40]} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_iban(raw: str) -> str:
    """Return ``raw`` as a compact, checksum-valid IBAN."""
    try:
        return IBAN(raw.strip()).compact
    except SchwiftyException:
        raise IdentifierError(f"{raw.strip()[:40]} is not a valid IBAN.") from None


def normalise_email(raw: str) -> str:
    """Return ``raw`` as a lower-case e-mail address."""
    value = raw.strip().lower()
    if not _EMAIL.fullmatch(value):
        raise IdentifierError(f"{raw.strip()[:60]} is not an e-mail address.")
    return value


# Query fields the search itself knows; kinds add theirs (see registry.identifier_fields).
FIELDS: dict[str, Callable[[str], str]] = {
    "phone": normalise_phone,
    "iban": normalise_iban,
    "email": normalise_email,
}
LABELS = {"phone": "Phone number", "iban": "IBAN", "email": "E-mail address"}


def _phones(text: str, region: str | None) -> list[str]:
    found = []
    scanned = _INTERNATIONAL.sub("+", text)
    for match in phonenumbers.PhoneNumberMatcher(
        scanned, region, leniency=phonenumbers.Leniency.VALID
    ):
        found.append(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return found


def _ibans(text: str) -> list[str]:
    found = []
    for match in _IBAN.finditer(text):
        compact = match.group(0).replace(" ", "")
        # The pattern may run on into a following word in capitals: try shorter.
        for end in range(len(compact), MIN_IBAN_CHARS - 1, -1):
            try:
                found.append(IBAN(compact[:end]).compact)
                break
            except SchwiftyException:
                continue
    return found


def extract(text: str, region: str | None = None) -> tuple[str, ...]:
    """Return the identifier tokens in ``text``; national phone numbers read in ``region``."""
    text = text[:MAX_SCANNED_CHARS]
    region = region.upper() if region and len(region) == 2 and region.isalpha() else None
    tokens = [f"phone:{value}" for value in _phones(text, region)]
    tokens += [f"iban:{value}" for value in _ibans(text)]
    tokens += [f"email:{value.lower()}" for value in _EMAIL.findall(text)]
    return tuple(dict.fromkeys(tokens))[:MAX_PER_DOCUMENT]


def split(token: str) -> tuple[str, str]:
    """Return ``(type, value)`` of an identifier token."""
    kind, _, value = token.partition(":")
    return kind, value
