"""What several instruments share: the offence list, the states bound, the common rules."""

from datetime import date

from evidence.bundles.instruments.base import (
    CHOICES,
    COUNTRY,
    DATE,
    N_,
    STATE,
    TEXT,
    TEXTAREA,
    Field,
    Problem,
    RuleContext,
)

# Framework Decision 2002/584/JHA art. 2(2) and Directive 2014/41/EU Annex D: the same
# 32 categories (◻ wording as commonly cited; LEGAL.md §4–§5).
OFFENCE_CATEGORIES = (
    ("criminal_organisation", N_("participation in a criminal organisation")),
    ("terrorism", N_("terrorism")),
    ("human_trafficking", N_("trafficking in human beings")),
    ("child_sexual_exploitation", N_("sexual exploitation of children and child pornography")),
    ("drugs", N_("illicit trafficking in narcotic drugs and psychotropic substances")),
    ("weapons", N_("illicit trafficking in weapons, munitions and explosives")),
    ("corruption", N_("corruption")),
    ("fraud", N_("fraud, including that affecting the financial interests of the Union")),
    ("money_laundering", N_("laundering of the proceeds of crime")),
    ("counterfeiting_currency", N_("counterfeiting currency, including of the euro")),
    ("computer_crime", N_("computer-related crime")),
    ("environmental_crime", N_("environmental crime")),
    ("illegal_entry", N_("facilitation of unauthorised entry and residence")),
    ("murder", N_("murder, grievous bodily injury")),
    ("organ_trade", N_("illicit trade in human organs and tissue")),
    ("kidnapping", N_("kidnapping, illegal restraint and hostage-taking")),
    ("racism", N_("racism and xenophobia")),
    ("robbery", N_("organised or armed robbery")),
    (
        "cultural_goods",
        N_("illicit trafficking in cultural goods, including antiques and works of art"),
    ),
    ("swindling", N_("swindling")),
    ("extortion", N_("racketeering and extortion")),
    ("product_piracy", N_("counterfeiting and piracy of products")),
    ("document_forgery", N_("forgery of administrative documents and trafficking therein")),
    ("payment_forgery", N_("forgery of means of payment")),
    ("hormones", N_("illicit trafficking in hormonal substances and other growth promoters")),
    ("nuclear", N_("illicit trafficking in nuclear or radioactive materials")),
    ("stolen_vehicles", N_("trafficking in stolen vehicles")),
    ("rape", N_("rape")),
    ("arson", N_("arson")),
    ("icc_crimes", N_("crimes within the jurisdiction of the International Criminal Court")),
    ("hijacking", N_("unlawful seizure of aircraft/ships")),
    ("sabotage", N_("sabotage")),
)

EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
# Directive 2014/41/EU does not bind Denmark (recital 45) or Ireland (recital 44).
EIO_STATES = EU_MEMBER_STATES - {"DK", "IE"}

OTHER_STATE = "other"


def executing_state_fields(article: str, label: str = N_("Executing State")) -> tuple:
    """The executing state: one of the team's states, or another state named explicitly."""
    return (
        Field(
            "executing_state",
            label,
            STATE,
            required=True,
            help=N_("A state party to the team, or “another state” named in the next field."),
            article=article,
            prefill="executing_state",
        ),
        Field(
            "executing_state_other",
            N_("Executing State (not a party to the team)"),
            COUNTRY,
            required=True,
            when=("executing_state", OTHER_STATE),
            article=article,
        ),
    )


def executing_state_of(values: dict) -> str | None:
    """Return the executing state's ISO code from the values, or None if not yet given."""
    state = values.get("executing_state") or None
    if state == OTHER_STATE:
        return values.get("executing_state_other") or None
    return state


def signature_fields(article: str) -> tuple:
    """Signatory, place and date: the signature block every form ends with."""
    return (
        Field("signatory_name", N_("Name of the signatory"), TEXT, required=True, article=article),
        Field(
            "signatory_function",
            N_("Post held (title/grade)"),
            TEXT,
            required=True,
            article=article,
        ),
        Field("signed_place", N_("Place"), TEXT, required=True, article=article),
        Field("signed_on", N_("Date"), DATE, required=True, article=article),
    )


def offence_categories_field(article: str, label: str, help: str) -> Field:
    """The tick boxes of the list (FD 2002/584/JHA art. 2(2), Directive 2014/41/EU Annex D).

    Never required by itself: a box is ticked only for an offence punishable by a maximum
    of at least three years; any other offence is described in full instead.
    """
    return Field(
        "offence_categories",
        label,
        CHOICES,
        choices=OFFENCE_CATEGORIES,
        article=article,
        help=help,
    )


def facts_field(key: str, label: str, article: str, prefill: str | None = None) -> Field:
    return Field(key, label, TEXTAREA, required=True, article=article, prefill=prefill)


# --- Rules shared by several instruments -------------------------------------------


def parse_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def dates_in_order(section: str, earlier: str, later: str, message: str, on: str | None = None):
    """A rule: the date in ``later`` is not before the one in ``earlier``.

    The problem is reported on ``later``, or on ``on`` when that field is the one to doubt.
    """

    def rule(values: dict, _context: RuleContext) -> list[Problem]:
        first, second = parse_date(values.get(earlier)), parse_date(values.get(later))
        if first and second and second < first:
            return [Problem(section, on or later, message)]
        return []

    rule.fields = (earlier, later)  # forms.py reports these at saving too
    return rule


def not_in_future(section: str, key: str, message: str):
    """A rule: the date in ``key`` is not after today."""

    def rule(values: dict, context: RuleContext) -> list[Problem]:
        day = parse_date(values.get(key))
        if day and day > context.today:
            return [Problem(section, key, message)]
        return []

    rule.fields = (key,)
    return rule


def not_in_past(section: str, key: str, message: str):
    """A rule: the date in ``key`` is not before today (a deadline still to come)."""

    def rule(values: dict, context: RuleContext) -> list[Problem]:
        day = parse_date(values.get(key))
        if day and day < context.today:
            return [Problem(section, key, message)]
        return []

    rule.fields = (key,)
    return rule


def offences_not_in_future(section: str) -> tuple:
    """Rules: the offence period, where given, has not started or ended after today."""
    return (
        not_in_future(section, "offences_from", N_("The offences are dated in the future.")),
        not_in_future(section, "offences_to", N_("The offences are dated in the future.")),
    )


def executing_state_in(section: str, states: frozenset[str], message: str):
    """A rule: the executing state (and the issuing one) are among ``states``."""

    def rule(values: dict, context: RuleContext) -> list[Problem]:
        problems = []
        state = executing_state_of(values)
        if state and state not in states:
            problems.append(Problem(section, "executing_state", message))
        if context.issuing_state and context.issuing_state not in states:
            problems.append(Problem(section, "executing_state", message))
        return problems[:1]

    return rule


def executing_state_outside(section: str, states: frozenset[str], message: str):
    """A rule: the executing state is not among ``states`` (extradition outside the EU)."""

    def rule(values: dict, _context: RuleContext) -> list[Problem]:
        state = executing_state_of(values)
        if state and state in states:
            return [Problem(section, "executing_state", message)]
        return []

    return rule


def not_the_issuing_state(section: str):
    """A rule: a request goes to another state than the issuing one."""

    def rule(values: dict, context: RuleContext) -> list[Problem]:
        state = executing_state_of(values)
        if state and state == context.issuing_state:
            return [
                Problem(
                    section,
                    "executing_state",
                    N_("The executing State cannot be the issuing State itself."),
                )
            ]
        return []

    return rule
