"""Reference data for parties: ISO 3166-1 states and the EU/international bodies."""

from functools import cache

import pycountry

# Bodies that take part in JITs besides states (DESIGN §3, LEGAL.md §2 item 7; Reg.
# 2023/969 art. 13(2): representatives of international judicial authorities). The JITs
# Network Secretariat is not one: it supports teams but does not take part in them
# (Eurojust takes part through its national members).
BODIES = {
    "EUROJUST": "Eurojust",
    "EUROPOL": "Europol",
    "OLAF": "OLAF",
    "EPPO": "EPPO",
    "ICC": "International Criminal Court",
    "INTL_JUDICIAL": "Other international judicial body",
    "INTERPOL": "INTERPOL",
    "UNODC": "UNODC",
}


@cache
def countries() -> dict[str, str]:
    """Return ISO 3166-1 alpha-2 codes mapped to common English names, sorted by name."""
    pairs = ((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries)
    return dict(sorted(pairs, key=lambda pair: pair[1]))


def country_name(code: str) -> str:
    return countries().get(code, code)


# States whose English name takes "the" in running text (EU Interinstitutional Style
# Guide, list of countries), in that form: "For the Netherlands", not "For Netherlands".
_IN_TEXT = {
    "BS": "the Bahamas",
    "CD": "the Democratic Republic of the Congo",
    "CF": "the Central African Republic",
    "CG": "the Congo",
    "DO": "the Dominican Republic",
    "GB": "the United Kingdom",
    "GM": "the Gambia",
    "KM": "the Comoros",
    "MH": "the Marshall Islands",
    "MV": "the Maldives",
    "NL": "the Netherlands",
    "PH": "the Philippines",
    "RU": "the Russian Federation",
    "SB": "the Solomon Islands",
    "AE": "the United Arab Emirates",
    "US": "the United States",
    "VA": "the Holy See",
}


def country_name_in_text(code: str) -> str:
    """Return the state's name as written in a sentence: "the Netherlands", "Croatia"."""
    return _IN_TEXT.get(code) or country_name(code)


def is_country_code(code: str) -> bool:
    return code in countries()
