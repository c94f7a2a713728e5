"""Selectors investigators work with, found in indexed text and normalised for matching.

Each identifier is stored on its document as one token ``type:value`` (``phone:+31612345678``,
``iban:NL91ABNA0417164300``, ``email:m.horvat@example.hr``, ``ip:2001:db8::1``,
``vin:WVWZZZ1JZXW000001``), so ``phone:0031 6 1234 5678`` finds what ``+31 6 12 34 56 78``
wrote. Domain packages add their own types (a firearm's ``serial:``) through
:attr:`search.registry.SearchKind.identifier_fields`; a serial number written as such in
free text ("S/N 12-M57 48221") is normalised by that same registered function.

What is kept, and why:

- **IP addresses** (:func:`normalise_ip`): validated by the standard library's
  ``ipaddress``; IPv6 in its compressed lower-case form, an IPv4-mapped IPv6 address
  (``::ffff:192.0.2.1``) as the IPv4 address it is, a zone (``%eth0``) dropped, zero-padded
  IPv4 octets (``192.168.001.010``, as some router logs print them) read as decimal.
  Private, loopback and link-local addresses are **kept**: a router's or a phone's log
  names the devices of a home network, and investigators link them. Not kept: the
  unspecified addresses (``0.0.0.0``, ``::``) and the rest of ``0.0.0.0/8``, which name no
  host and are mostly version numbers (``0.9.1.2``); anything with more or fewer than four
  parts (``1.2.3``, ``1.2.3.4.5``) or an octet over 255 (``999.1.1.1``). A four-part section
  number (``2.1.3.4``) cannot be told from an address and is kept: one extra token.
- **VINs** (:func:`is_vin`): 17 characters without I, O or Q, with letters and digits.
  One is kept when its ISO 3779 check digit (the ninth character) is right — mandatory in
  North America, so a North-American VIN with a wrong one is a misreading — **or** when
  its manufacturer code is European (first character S–Z) and a word naming a VIN stands
  just before it (VIN, FIN, chassis, châssis, šasija, Fahrgestellnummer, telaio,
  bastidor…): European manufacturers need not compute the check digit, so a European VIN
  often fails it, and the word is what tells it from any other 17-character code. A
  17-character token with a wrong check digit and no such word is not a VIN.
- **Serial numbers in free text**: only after a word saying so (serial, serial number,
  S/N, Seriennummer, numéro de série, serienummer, serijski broj, número de serie,
  numero di serie), and only a token holding a digit; groups after single spaces that hold
  a digit are joined (``12-M57 48221``, as stamps are spaced) and the first group is kept
  alone too, since the next may be another number (``S/N 12345 20 rounds``). Normalised by
  the ``serial`` field's function, so the token is the one a firearm record of the same
  weapon carries.
"""

import ipaddress
import re
import unicodedata
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
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
MIN_IBAN_CHARS = 15
# Dotted quads and colon-hex runs standing alone (not inside a longer dotted number).
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?=[0-9A-Fa-f:]*[0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?:%[\w.-]+)?(?![\w:])"
)
_VIN = re.compile(r"(?<![\w-])[A-HJ-NPR-Za-hj-npr-z0-9]{17}(?![\w-])")
VIN_CONTEXT_CHARS = 40
_VIN_WORDS = re.compile(
    r"(?<!\w)(?:vin|fin|chassis|chasis|sasija|sasije|fahrgestell\w*|telaio|bastidor"
    r"|chassisnummer|vehicle identification number)(?!\w)",
    re.IGNORECASE,
)
_VIN_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# ISO 3780: manufacturer codes starting S to Z are European.
_EUROPEAN_WMI = set("STUVWXYZ")
# "serial" / "S/N" / "Seriennummer"… then the number: a run of letters, digits and
# dashes holding a digit, and any such runs after single spaces ("12-M57 48221").
_SERIAL_WORDS = (
    r"serial(?:\s+(?:number|no\.?|nr\.?))?|s/n|seriennummer|seriennr\.?"
    r"|num[eé]ro\s+de\s+s[eé]rie|n°\s*de\s+s[eé]rie|serienummer|serijski\s+broj"
    r"|n[uú]mero\s+de\s+s[eé]rie|numero\s+di\s+serie"
)
_SERIAL_PART = r"[A-Za-z0-9]*\d[A-Za-z0-9]*(?:[-/.][A-Za-z0-9]+)*"
_SERIAL = re.compile(
    rf"(?<!\w)(?:{_SERIAL_WORDS})\s*(?:[:#]|n[o°]\.?)?\s*"
    rf"(?P<value>[A-Za-z0-9-]*\d[A-Za-z0-9-]*(?:[-/.][A-Za-z0-9-]+)*(?: {_SERIAL_PART})*)",
    re.IGNORECASE,
)
MIN_SERIAL_CHARS = 3


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


def normalise_ip(raw: str) -> str:
    """Return ``raw`` as the one spelling of its address (see the module docstring)."""
    text = raw.strip().strip("[]")
    text = text.split("%", 1)[0]  # a zone names the interface, not the address
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text):
        text = ".".join(str(int(part)) for part in text.split("."))
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise IdentifierError(f"{raw.strip()[:45]} is not an IP address.") from None
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_unspecified or (address.version == 4 and address in _NO_HOST_V4):
        raise IdentifierError(f"{raw.strip()[:45]} names no host.")
    return address.compressed


_NO_HOST_V4 = ipaddress.ip_network("0.0.0.0/8")


def vin_check_digit(vin: str) -> str:
    """Return the ISO 3779 check digit of a 17-character VIN (``X`` for ten)."""
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(raw: str) -> str:
    """Return ``raw`` as an upper-case VIN without spaces or dashes (any check digit)."""
    value = re.sub(r"[\s-]", "", raw).upper()
    if not _VIN.fullmatch(value) or value.isdigit() or value.isalpha():
        raise IdentifierError(
            f"{raw.strip()[:40]} is not a VIN: 17 letters and digits, without I, O or Q."
        )
    return value


def is_vin(value: str, before: str = "") -> bool:
    """Whether a 17-character token is a VIN; ``before`` is the text just before it."""
    if value.isdigit() or value.isalpha():
        return False
    if value[8] == vin_check_digit(value):
        return True
    folded = unicodedata.normalize("NFKD", before[-VIN_CONTEXT_CHARS:])
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return value[0] in _EUROPEAN_WMI and bool(_VIN_WORDS.search(folded))


# Query fields the search itself knows; kinds add theirs (see registry.identifier_fields).
FIELDS: dict[str, Callable[[str], str]] = {
    "phone": normalise_phone,
    "iban": normalise_iban,
    "email": normalise_email,
    "ip": normalise_ip,
    "vin": normalise_vin,
}
# "serial" is a kind's field (the firearms register), named here for display.
LABELS = {
    "phone": "Phone number",
    "iban": "IBAN",
    "email": "E-mail address",
    "ip": "IP address",
    "vin": "VIN",
    "serial": "Serial number",
}


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


def _ips(text: str) -> list[str]:
    found = []
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(text):
            try:
                found.append(normalise_ip(match.group(0)))
            except IdentifierError:
                continue
    return found


def _vins(text: str) -> list[str]:
    found = []
    for match in _VIN.finditer(text):
        value = match.group(0).upper()
        if is_vin(value, text[max(0, match.start() - VIN_CONTEXT_CHARS) : match.start()]):
            found.append(value)
    return found


def _serials(text: str, normalise: Callable[[str], str]) -> list[str]:
    found = []
    for match in _SERIAL.finditer(text):
        written = match.group("value")
        # Spaced groups are joined, as a stamp is spaced ("12-M57 48221"); the first
        # group is kept too, since the next may be another number ("S/N 12345 20 rounds").
        for candidate in dict.fromkeys((written, written.split(" ", 1)[0])):
            try:
                value = normalise(candidate)
            except ValueError:
                continue
            if len(value) >= MIN_SERIAL_CHARS:
                found.append(value)
    return found


def extract(
    text: str, region: str | None = None, serial: Callable[[str], str] | None = None
) -> tuple[str, ...]:
    """Return the identifier tokens in ``text``; national phone numbers read in ``region``.

    ``serial`` is the registered ``serial:`` field's normaliser: with it, serial numbers
    written as such are found too (none without: no kind has serials to link them to).
    """
    text = text[:MAX_SCANNED_CHARS]
    region = region.upper() if region and len(region) == 2 and region.isalpha() else None
    tokens = [f"phone:{value}" for value in _phones(text, region)]
    tokens += [f"iban:{value}" for value in _ibans(text)]
    tokens += [f"email:{value.lower()}" for value in _EMAIL.findall(text)]
    tokens += [f"ip:{value}" for value in _ips(text)]
    tokens += [f"vin:{value}" for value in _vins(text)]
    if serial is not None:
        tokens += [f"serial:{value}" for value in _serials(text, serial)]
    return tuple(dict.fromkeys(tokens))[:MAX_PER_DOCUMENT]


def split(token: str) -> tuple[str, str]:
    """Return ``(type, value)`` of an identifier token."""
    kind, _, value = token.partition(":")
    return kind, value


def types_of(tokens) -> list[str]:
    """Return the sorted types of ``tokens`` (``phone``, ``ip``…; ``sent`` for metadata)."""
    return sorted({split(token)[0] for token in tokens})
