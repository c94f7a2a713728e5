"""The structured content of a JIT agreement: its shape, checks and hash.

The shape follows the EU Model Agreement for setting up a JIT (Council Resolution
2017/C 18/01, Appendix I as revised in 2021, Article 12 as amended in 2026), article by
article (agreements/articles.py), and works for JITs under UNTOC art. 19 too.
Free text where the model has free text; structured fields where the software acts
on them (parties, people, dates, states, roles).

Content is a plain JSON-able dict, so that its canonical serialisation (and so its
SHA-256) is the same on every database and in every export. Its text, article by
article, and the diff of two versions are :mod:`agreements.content_text`.
"""

import re
from dataclasses import dataclass
from datetime import date

from babel.core import get_global

from agreements import articles
from agreements.articles import cite
from jit.canonical import canonical_json, sha256_hex
from jit.inputs import DATE_RANGE_MESSAGE, date_in_range, is_time_zone

SCHEMA = articles.CURRENT
# Each article's number and title, in the current schema (older ones: articles.ARTICLES).
ARTICLES = articles.ARTICLES[SCHEMA]
SCHEMAS = tuple(articles.ARTICLES)  # what an import may be written in

# ◻ as commonly cited (LEGAL.md §2); the keys are stable, the labels are display text.
LEGAL_BASES = {
    "EU_MLA_2000_ART13": "Article 13 of the Convention on Mutual Assistance in Criminal "
    "Matters between the Member States of the European Union (2000)",
    "FD_2002_465_JHA": "Council Framework Decision 2002/465/JHA on joint investigation teams",
    "COE_2AP_ART20": "Article 20 of the Second Additional Protocol to the European "
    "Convention on Mutual Assistance in Criminal Matters (2001)",
    "EU_US_MLA_ART5": "Article 5 of the Agreement on Mutual Legal Assistance between the "
    "European Union and the United States of America",
    "UNTOC_ART19": "Article 19 of the United Nations Convention against Transnational "
    "Organized Crime",
    "UNCAC_ART49": "Article 49 of the United Nations Convention against Corruption",
    "UN_1988_ART9": "Article 9(1)(c) of the 1988 United Nations Convention against Illicit "
    "Traffic in Narcotic Drugs and Psychotropic Substances",
}

PARTY_ROLES = {
    "party": "Party to the agreement (signs)",
    "participant": "Participant (Appendix I)",
    "none": "Not involved",
}
ENTRY_RULES = {
    "signature": "on the date of the last signature",
    "date": "on a set date",
}

# The columns of the people lists, in the order they are entered and shown.
PERSON_FIELDS = {
    "leaders": ("party", "name", "email", "function", "successor_of"),
    "members": ("party", "name", "email", "function"),
    "participants": ("party", "name", "email", "function", "scope", "may_read_evidence"),
}
BOOLEAN_PERSON_FIELDS = {"may_read_evidence"}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# How long the team's data may be kept after it closes, when the agreement says (Article
# 14.1, confidentiality and data protection); the workspace deletes it then (jit/closeout).
RETENTION_YEARS = range(1, 31)


class ContentError(ValueError):
    """The agreement's content does not hold; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PartyInfo:
    """What the content needs to know about one of the team's parties."""

    key: str  # country code or body key
    name: str
    authority: str
    is_state: bool


def blank_person(kind: str) -> dict:
    return {name: (False if name in BOOLEAN_PERSON_FIELDS else "") for name in PERSON_FIELDS[kind]}


def new_content(team_name: str, team_code: str, parties: list[PartyInfo], leaders=()) -> dict:
    """Return a first draft: states as parties, bodies as participants, known leaders named."""
    signatories = [p for p in parties if p.is_state]
    content = {
        "schema": SCHEMA,
        "reference": f"JIT {team_code}",
        "title": f"Agreement on the setting up of a joint investigation team — {team_name}",
        "legal_basis": [],
        "legal_basis_other": "",
        "parties": [
            {
                "party": p.key,
                "authority": p.authority,
                "role": "party" if p.is_state else "participant",
            }
            for p in parties
        ],
        "purpose": {"text": "", "offences": "", "proceedings": ""},
        "period": {"entry_into_force": "signature", "starts_on": None, "expires_on": None},
        "operating_states": {"states": [p.key for p in signatories], "note": ""},
        "leaders": [],
        "members": [],
        "participants": [],
        "general_conditions": "",
        "organisation": "",
        "measures": "",
        "information_use": {"other_purposes": "", "consent_conditions": "", "admissibility": ""},
        "confidentiality": "",
        "media": "",
        "costs_liability": "",
        "languages": ["English"],
        "workspace": {"is_used": True, "access_rules": ""},
        "evaluation": {"mid_term_on": None, "arrangements": ""},
        "appendix_i": "",
        "time_zone": zone_of_state(signatories[0].key) if signatories else "UTC",
    }
    named = {leader["party"] for leader in leaders}
    content["leaders"] = [dict(blank_person("leaders"), **leader) for leader in leaders]
    content["leaders"] += [
        dict(blank_person("leaders"), party=p.key) for p in signatories if p.key not in named
    ]
    return content


def zone_of_state(country_code: str) -> str:
    """Return the usual time zone of a state (its European one where it has several)."""
    zones = get_global("territory_zones").get(country_code, [])
    european = sorted(zone for zone in zones if zone.startswith("Europe/"))
    chosen = (european or zones or ["UTC"])[0]
    return chosen if is_time_zone(chosen) else "UTC"


def upgrade(content: dict) -> dict:
    """Return older content in the current schema (its articles moved to the Model's places).

    A signed version keeps its own content; this is for what is drafted from it (an
    amendment or extension starts from the text in force) and for comparing the two.
    """
    if content.get("schema") != articles.FIRST:
        return content
    new = {key: value for key, value in content.items() if key != "measures"}
    new["schema"] = SCHEMA
    new["general_conditions"] = ""
    new["organisation"] = ""
    new["measures"] = content.get("measures", "")
    info = content.get("information_use") or {}
    new["information_use"] = {
        "other_purposes": info.get("other_purposes", ""),
        "consent_conditions": "",
        "admissibility": info.get("admissibility", ""),
    }
    new["members"] = [
        {key: value for key, value in person.items() if key != "is_seconded"}
        for person in content.get("members") or []
    ]
    first = next((row["party"] for row in content["parties"] if row["role"] == "party"), "")
    new["time_zone"] = zone_of_state(first) if first else "UTC"
    return new


def content_hash(content: dict) -> str:
    """Return the SHA-256 of the content's canonical JSON serialisation."""
    return sha256_hex(canonical_json(content))


def parse_date(value, label: str, problems: list[str]) -> str | None:
    """Return ``value`` as an ISO date string, or None; add a problem if it is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        parsed = date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(f"{label}: {str(value)[:40]!r} is not a date (use YYYY-MM-DD).")
        return None
    if not date_in_range(parsed):
        problems.append(f"{label}: {DATE_RANGE_MESSAGE}")
        return None
    return parsed.isoformat()


def _text(value, limit: int = 20000) -> str:
    return str(value or "").replace("\r\n", "\n").strip()[:limit]


def _bool(value) -> bool:
    return value in (True, "y", "yes", "on", "true", "1", 1)


def normalise(raw: dict, parties: list[PartyInfo]) -> dict:
    """Return ``raw`` (from a form or a JSON file) as clean content, or raise ContentError.

    Refuses what can never be right: unknown parties or codes, people acting for a party
    that is not in the agreement in that capacity, a leader missing for a party, an
    expiry before the start, malformed dates or addresses, one person named twice.
    """
    problems: list[str] = []
    by_key = {p.key: p for p in parties}
    content: dict = {"schema": SCHEMA}
    content["reference"] = _text(raw.get("reference"), 200)
    content["title"] = _text(raw.get("title"), 500)

    bases = [str(b) for b in raw.get("legal_basis") or []]
    unknown = [b for b in bases if b not in LEGAL_BASES]
    if unknown:
        problems.append(f"Unknown legal basis {', '.join(unknown)}.")
    content["legal_basis"] = [key for key in LEGAL_BASES if key in bases]
    content["legal_basis_other"] = _text(raw.get("legal_basis_other"), 2000)

    content["parties"] = _normalise_parties(raw.get("parties") or [], by_key, problems)
    roles = {p["party"]: p["role"] for p in content["parties"]}
    signatories = [key for key, role in roles.items() if role == "party"]

    purpose = raw.get("purpose") or {}
    content["purpose"] = {
        "text": _text(purpose.get("text")),
        "offences": _text(purpose.get("offences"), 4000),
        "proceedings": _text(purpose.get("proceedings"), 4000),
    }

    period = raw.get("period") or {}
    rule = period.get("entry_into_force") or "signature"
    if rule not in ENTRY_RULES:
        problems.append(f"Unknown rule for the entry into force {rule!r}.")
        rule = "signature"
    starts_on = parse_date(period.get("starts_on"), "Start date", problems)
    expires_on = parse_date(period.get("expires_on"), "Expiry date", problems)
    if rule == "date" and not starts_on:
        problems.append("Give the start date, or let the agreement enter into force on signature.")
    if rule == "signature":
        starts_on = None
    if starts_on and expires_on and expires_on < starts_on:
        problems.append(
            f"The expiry date ({expires_on}) is before the start date ({starts_on}); "
            "the agreement must end after it begins."
        )
    content["period"] = {"entry_into_force": rule, "starts_on": starts_on, "expires_on": expires_on}

    operating = raw.get("operating_states") or {}
    states = [str(s).upper() for s in operating.get("states") or []]
    wrong = [s for s in states if s not in signatories or not by_key[s].is_state]
    if wrong:
        problems.append(
            f"The team can only operate in a state that is party to the agreement; "
            f"not: {', '.join(wrong)}."
        )
    content["operating_states"] = {
        "states": [key for key in signatories if key in states and by_key[key].is_state],
        "note": _text(operating.get("note"), 4000),
    }

    seen_emails: dict[str, str] = {}
    for kind in ("leaders", "members", "participants"):
        content[kind] = _normalise_people(
            kind, raw.get(kind) or [], roles, by_key, seen_emails, problems
        )
    led = {leader["party"] for leader in content["leaders"]}
    for key in signatories:
        if key not in led:
            problems.append(
                f"{by_key[key].name} is a party without a leader: name its leader in "
                f"{cite('leaders')} "
                "(the model agreement requires one leader per party)."
            )

    for key in ("general_conditions", "organisation", "measures"):
        content[key] = _text(raw.get(key))
    info = raw.get("information_use") or {}
    # Uses (a)-(c) of art. 13(10) of the 2000 Convention are the law, not options; the
    # parties record only the purposes they agree under (d) and their conditions.
    content["information_use"] = {
        "other_purposes": _text(info.get("other_purposes"), 4000),
        "consent_conditions": _text(info.get("consent_conditions"), 4000),
        "admissibility": _text(info.get("admissibility"), 8000),
    }
    for key in ("confidentiality", "media", "costs_liability", "appendix_i"):
        content[key] = _text(raw.get(key))
    years = _retention_years(raw.get("retention_years"), problems)
    if years is not None:  # left out when not stated, so older content keeps its hash
        content["retention_years"] = years
    languages = raw.get("languages") or []
    if isinstance(languages, str):
        languages = languages.split(",")
    content["languages"] = [_text(lang, 60) for lang in languages if _text(lang, 60)]
    workspace = raw.get("workspace") or {}
    content["workspace"] = {
        "is_used": _bool(workspace.get("is_used")),
        "access_rules": _text(workspace.get("access_rules"), 8000),
    }
    evaluation = raw.get("evaluation") or {}
    mid_term_on = parse_date(evaluation.get("mid_term_on"), "Mid-term evaluation date", problems)
    if mid_term_on and expires_on and mid_term_on > expires_on:
        problems.append("The mid-term evaluation date is after the expiry date.")
    content["evaluation"] = {
        "mid_term_on": mid_term_on,
        "arrangements": _text(evaluation.get("arrangements"), 8000),
    }
    zone = _text(raw.get("time_zone"), 64) or "UTC"
    if not is_time_zone(zone):
        problems.append(
            f"{zone[:64]!r} is not a time zone; choose one such as Europe/Zagreb (the days "
            "in force are counted in it)."
        )
        zone = "UTC"
    content["time_zone"] = zone
    if problems:
        raise ContentError(problems)
    return content


def _retention_years(value, problems: list[str]) -> int | None:
    """Return the years the data is kept after closing, None if not stated; else a problem."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    years = None
    if isinstance(value, int) and not isinstance(value, bool):
        years = value
    elif isinstance(value, str) and text.isascii() and text.isdigit() and len(text) <= 4:
        years = int(text)
    if years not in RETENTION_YEARS:
        problems.append(
            f"Data kept after the team closes ({cite('confidentiality')}): "
            f"{text[:20]!r} is not a whole number of years from {RETENTION_YEARS.start} to "
            f"{RETENTION_YEARS.stop - 1}; leave it empty for the workspace's own period."
        )
        return None
    return years


def retention_text(years: int) -> str:
    """Return the agreement's sentence on how long the team's data is kept after closing."""
    span = "1 year" if years == 1 else f"{years} years"
    return (
        f"The team's data in the JIT Workspace is kept for {span} after the team is closed, "
        "and then deleted."
    )


def _normalise_parties(rows, by_key: dict[str, PartyInfo], problems: list[str]) -> list[dict]:
    given = {}
    for row in rows:
        key = str(row.get("party") or "").upper()
        if key not in by_key:
            problems.append(f"{key or 'A party'} is not one of this team's parties.")
            continue
        role = row.get("role") or "party"
        if role not in PARTY_ROLES:
            problems.append(f"Unknown role {role!r} for {by_key[key].name}.")
            continue
        given[key] = {
            "party": key,
            "authority": _text(row.get("authority"), 200) or by_key[key].authority,
            "role": role,
        }
    # In the team's order, so that the same choices always give the same content.
    result = [given[key] for key in by_key if key in given and given[key]["role"] != "none"]
    if sum(1 for row in result if row["role"] == "party") < 2:
        problems.append(
            f"An agreement needs at least two parties that sign it ({cite('parties')})."
        )
    return result


def _normalise_people(kind, rows, roles, by_key, seen_emails, problems) -> list[dict]:
    label = {"leaders": "Leader", "members": "Member", "participants": "Participant"}[kind]
    wanted_role = "participant" if kind == "participants" else "party"
    people = []
    for number, row in enumerate(rows, start=1):
        person = {}
        for name in PERSON_FIELDS[kind]:
            value = row.get(name)
            person[name] = _bool(value) if name in BOOLEAN_PERSON_FIELDS else _text(value, 300)
        texts = [person[n] for n in PERSON_FIELDS[kind] if n not in BOOLEAN_PERSON_FIELDS]
        if not any(texts[1:]):
            continue  # an empty row of the form
        person["party"] = person["party"].upper()
        person["email"] = person["email"].lower()
        who = f"{label} {number} ({person['name'] or person['email'] or 'unnamed'})"
        key = person["party"]
        if key not in by_key:
            problems.append(f"{who}: choose the party the person acts for.")
        elif roles.get(key) != wanted_role:
            capacity = "a party to" if wanted_role == "party" else "a participant in"
            problems.append(
                f"{who} acts for {by_key[key].name}, which is not {capacity} the agreement "
                f"({cite('parties')})."
            )
        if not person["name"]:
            problems.append(f"{who}: give the person's name.")
        if not person["email"]:
            problems.append(f"{who}: give the e-mail address; the workspace gives access by it.")
        elif not _EMAIL.match(person["email"]):
            problems.append(f"{who}: {person['email']!r} is not an e-mail address.")
        elif person["email"] in seen_emails:
            problems.append(
                f"{who}: {person['email']} is already named as {seen_emails[person['email']]}; "
                "name each person once."
            )
        else:
            seen_emails[person["email"]] = who
        people.append(person)
    return people


def incomplete(content: dict) -> list[str]:
    """Return what must still be filled in before the version can be signed."""
    missing = []
    if not content["legal_basis"] and not content["legal_basis_other"]:
        missing.append(f"the legal basis ({cite('parties')})")
    if not content["purpose"]["text"]:
        missing.append(f"the purpose of the team ({cite('purpose')})")
    if not content["period"]["expires_on"]:
        missing.append(f"the expiry date ({cite('period')})")
    if not content["operating_states"]["states"]:
        missing.append(f"the states where the team operates ({cite('operating_states')})")
    if not content["languages"]:
        missing.append(f"the working languages ({cite('languages')})")
    workspace = content["workspace"]
    if workspace["is_used"] and not workspace["access_rules"].strip():
        # Regulation (EU) 2023/969 art. 13(2): an agreement that provides for the
        # collaboration space must contain the rules for accessing it.
        missing.append(f"the access rules for the JIT Workspace ({cite('workspace')})")
    return missing


def seconded_in(content: dict, person: dict) -> list[str]:
    """Return the operating states in which ``person`` acts as a seconded member.

    A member is seconded while the team operates outside the state they act for
    (art. 13(4) of the 2000 Convention): in every operating state but their own.
    """
    return [key for key in content["operating_states"]["states"] if key != person["party"]]


def signatory_keys(content: dict) -> list[str]:
    return [row["party"] for row in content["parties"] if row["role"] == "party"]


def named_people(content: dict) -> list[tuple[str, dict]]:
    """Return (kind, person) for everyone the agreement names, leaders first."""
    return [(kind, person) for kind in PERSON_FIELDS for person in content[kind]]


def changed_keys(old: dict, new: dict) -> list[str]:
    """Return the top-level keys whose value differs."""
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
