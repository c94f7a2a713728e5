"""European Arrest Warrant: the form annexed to Framework Decision 2002/584/JHA, (a)–(i).

Content per art. 8(1); section (d) as amended by FD 2009/299/JHA (LEGAL.md §5). The
penalty thresholds of art. 2(1): 12 months for prosecution, 4 months of sentence; a box
of the art. 2(2) list only for an offence punishable by a maximum of at least 3 years.
"""

from evidence.bundles.instruments.base import (
    CHOICE,
    DATE,
    N_,
    NUMBER,
    TEXT,
    TEXTAREA,
    YES_NO,
    YESNO,
    Field,
    Instrument,
    Problem,
    RuleContext,
    Section,
)
from evidence.bundles.instruments.common import (
    EU_MEMBER_STATES,
    dates_in_order,
    executing_state_fields,
    executing_state_in,
    not_in_future,
    not_the_issuing_state,
    offence_categories_field,
    offences_not_in_future,
    parse_date,
    signature_fields,
)

PURPOSES = (
    ("prosecution", N_("Conducting a criminal prosecution")),
    ("execution", N_("Executing a custodial sentence or detention order")),
)
SEXES = (("female", N_("Female")), ("male", N_("Male")), ("other", N_("Other or not known")))
ABSENTIA = (
    (
        "summoned",
        N_(
            "The person was summoned in person or by other means actually informed of the scheduled date and place of the trial, and of the possibility of a decision in absentia (Art. 4a(1)(a))"
        ),
    ),
    (
        "mandated",
        N_(
            "The person, aware of the trial, gave a mandate to a legal counsellor who defended them at the trial (Art. 4a(1)(b))"
        ),
    ),
    (
        "did_not_request",
        N_(
            "After being served with the decision and informed of the right to a retrial, the person did not request one (Art. 4a(1)(c))"
        ),
    ),
    (
        "will_be_served",
        N_(
            "The person will be personally served with the decision without delay after surrender and informed of the right to a retrial (Art. 4a(1)(d))"
        ),
    ),
)
LIFE_REVIEW = (
    ("review_20_years", N_("The sentence is reviewed on request or at the latest after 20 years")),
    ("clemency", N_("The person is entitled to apply for measures of clemency")),
)


def _penalty_thresholds(values: dict, _context: RuleContext) -> list[Problem]:
    """Art. 2(1): at least 12 months for prosecution, a sentence of at least 4 months."""
    purpose = values.get("purpose")
    if purpose == "prosecution":
        months = values.get("max_penalty_months")
        if isinstance(months, int) and months < 12:
            return [
                Problem(
                    "c",
                    "max_penalty_months",
                    N_(
                        "For a prosecution the offence must be punishable by a maximum of at least 12 months (Art. 2(1))."
                    ),
                )
            ]
    if purpose == "execution":
        months = values.get("sentence_months")
        if isinstance(months, int) and months < 4:
            return [
                Problem(
                    "c",
                    "sentence_months",
                    N_("To execute a sentence it must be of at least 4 months (Art. 2(1))."),
                )
            ]
    return []


# Art. 2(2): the list removes the check of double criminality only for offences punishable
# in the issuing Member State by a maximum of at least three years.
LIST_MINIMUM_MONTHS = 36


def _list_or_description(values: dict, _context: RuleContext) -> list[Problem]:
    """(e): each offence is either ticked on the list or described in full (art. 2(4))."""
    if values.get("offence_categories") or values.get("other_offences"):
        return []
    return [
        Problem(
            "e",
            "offence_categories",
            N_(
                "Tick the offence's category of the list, or describe an offence not on the list in full under “Full description of offence(s) not covered by the list”."
            ),
        )
    ]


def _list_needs_three_years(values: dict, _context: RuleContext) -> list[Problem]:
    """Art. 2(2): a ticked box says the maximum penalty is at least three years."""
    months = values.get("max_penalty_months")
    if not values.get("offence_categories") or not isinstance(months, int):
        return []
    if months >= LIST_MINIMUM_MONTHS:
        return []
    return [
        Problem(
            "e",
            "offence_categories",
            N_(
                "A box of the list is ticked only for an offence punishable in the issuing Member State by a maximum of at least three years (Art. 2(2)), and the maximum given in (c) is less than 36 months. Describe the offence under “Full description of offence(s) not covered by the list” instead."
            ),
        )
    ]


_list_needs_three_years.fields = ("offence_categories", "max_penalty_months")


def _born_before_the_facts(values: dict, _context: RuleContext) -> list[Problem]:
    """The requested person was born before the decision and before the offences."""
    born = parse_date(values.get("date_of_birth"))
    if born is None:
        return []
    decision = parse_date(values.get("decision_date"))
    if decision and decision < born:
        return [
            Problem(
                "a", "date_of_birth", N_("The date of birth is after the date of the decision.")
            )
        ]
    offences = [parse_date(values.get(key)) for key in ("offences_from", "offences_to")]
    if any(day and day < born for day in offences):
        return [
            Problem(
                "a", "date_of_birth", N_("The date of birth is after the offences were committed.")
            )
        ]
    return []


_born_before_the_facts.fields = ("date_of_birth", "decision_date", "offences_from", "offences_to")


def _remainder_within_sentence(values: dict, _context: RuleContext) -> list[Problem]:
    sentence, remainder = values.get("sentence_months"), values.get("remaining_months")
    if isinstance(sentence, int) and isinstance(remainder, int) and remainder > sentence:
        return [
            Problem("c", "remaining_months", N_("The remainder to be served exceeds the sentence."))
        ]
    return []


EAW = Instrument(
    code="eaw",
    title=N_("European Arrest Warrant"),
    legal_basis=N_("Council Framework Decision 2002/584/JHA, Article 8 and Annex"),
    applies_when=N_(
        "To arrest and surrender a person between EU Member States, for prosecution "
        "(offence punishable by at least 12 months) or to execute a sentence of at least "
        "4 months. Outside the EU, prepare an extradition request."
    ),
    sections=(
        Section(
            "a",
            "(a)",
            N_("Information regarding the identity of the requested person"),
            (
                *executing_state_fields(N_("Art. 8(2)")),
                Field("surname", N_("Name"), TEXT, True, article=N_("Art. 8(1)(a)")),
                Field("forenames", N_("Forename(s)"), TEXT, True, article=N_("Art. 8(1)(a)")),
                Field("aliases", N_("Maiden name, where applicable, and aliases"), TEXT),
                Field("sex", N_("Sex"), CHOICE, True, choices=SEXES),
                Field("nationality", N_("Nationality"), TEXT, True, article=N_("Art. 8(1)(a)")),
                Field("date_of_birth", N_("Date of birth"), DATE, True),
                Field("place_of_birth", N_("Place of birth"), TEXT, True),
                Field("residence", N_("Residence and/or known address"), TEXTAREA),
                Field(
                    "languages",
                    N_("Language(s) which the requested person understands (if known)"),
                    TEXT,
                ),
                Field(
                    "description",
                    N_("Distinctive marks or description of the requested person"),
                    TEXTAREA,
                ),
                Field(
                    "biometrics",
                    N_(
                        "Photo and fingerprints, DNA profile, or the contact from whom to obtain them"
                    ),
                    TEXTAREA,
                ),
            ),
        ),
        Section(
            "b",
            "(b)",
            N_("Decision on which the warrant is based"),
            (
                Field(
                    "purpose",
                    N_("The warrant is issued for"),
                    CHOICE,
                    True,
                    choices=PURPOSES,
                    article=N_("Art. 1(1)"),
                ),
                Field(
                    "decision",
                    N_(
                        "Arrest warrant or judicial decision having the same effect, or enforceable judgment: type"
                    ),
                    TEXT,
                    True,
                    article=N_("Art. 8(1)(c)"),
                ),
                Field(
                    "decision_reference", N_("Reference"), TEXT, True, article=N_("Art. 8(1)(c)")
                ),
                Field(
                    "decision_date",
                    N_("Date of the decision"),
                    DATE,
                    True,
                    article=N_("Art. 8(1)(c)"),
                ),
            ),
        ),
        Section(
            "c",
            "(c)",
            N_("Indications on the length of the sentence"),
            (
                Field(
                    "max_penalty_months",
                    N_(
                        "Maximum length of the custodial sentence or detention order which may be imposed (months)"
                    ),
                    NUMBER,
                    True,
                    article=N_("Art. 2(1), 8(1)(f)"),
                ),
                Field(
                    "sentence_months",
                    N_("Length of the custodial sentence or detention order imposed (months)"),
                    NUMBER,
                    True,
                    when=("purpose", "execution"),
                    article=N_("Art. 2(1), 8(1)(f)"),
                ),
                Field(
                    "remaining_months",
                    N_("Remaining sentence to be served (months)"),
                    NUMBER,
                    True,
                    when=("purpose", "execution"),
                ),
            ),
        ),
        Section(
            "d",
            "(d)",
            N_("Decision rendered in absentia"),
            (
                Field(
                    "appeared_in_person",
                    N_("Did the person appear in person at the trial resulting in the decision?"),
                    YESNO,
                    True,
                    choices=YES_NO,
                    # Art. 4a concerns the trial that resulted in the sentence to execute: a
                    # warrant for prosecution follows no trial yet.
                    when=("purpose", "execution"),
                    article=N_("Art. 4a"),
                ),
                Field(
                    "absentia_guarantee",
                    N_("If not: which of the following applies"),
                    CHOICE,
                    True,
                    choices=ABSENTIA,
                    when=("appeared_in_person", "no"),
                    article=N_("Art. 4a(1)"),
                ),
                Field(
                    "absentia_details",
                    N_("How the relevant condition has been met"),
                    TEXTAREA,
                    True,
                    when=("appeared_in_person", "no"),
                ),
            ),
        ),
        Section(
            "e",
            "(e)",
            N_("Offences"),
            (
                Field(
                    "offence_count",
                    N_("This warrant relates to in total: number of offences"),
                    NUMBER,
                    True,
                    minimum=1,
                    maximum=999,
                ),
                Field(
                    "circumstances",
                    N_(
                        "Description of the circumstances in which the offence(s) was (were) committed, including the time, place and degree of participation of the requested person"
                    ),
                    TEXTAREA,
                    True,
                    article=N_("Art. 8(1)(e)"),
                ),
                Field(
                    "legal_classification",
                    N_(
                        "Nature and legal classification of the offence(s) and the applicable statutory provision/code"
                    ),
                    TEXTAREA,
                    True,
                    article=N_("Art. 8(1)(d)"),
                    prefill="offences",
                ),
                offence_categories_field(
                    N_("Art. 2(2)"),
                    N_(
                        "Offences of the list punishable in the issuing Member State by a custodial sentence or detention order of a maximum of at least three years (tick where applicable)"
                    ),
                    N_(
                        "Tick a category only for an offence punishable in the issuing Member State by a maximum of at least three years, as defined by its law (the maximum in (c)). Describe any other offence in full in the next field."
                    ),
                ),
                Field(
                    "other_offences",
                    N_("Full description of offence(s) not covered by the list"),
                    TEXTAREA,
                    article=N_("Art. 2(4)"),
                ),
                Field("offences_from", N_("Offences committed from"), DATE),
                Field("offences_to", N_("Offences committed until"), DATE),
            ),
        ),
        Section(
            "f",
            "(f)",
            N_("Other circumstances relevant to the case (optional information)"),
            (
                Field(
                    "other_circumstances",
                    N_(
                        "Extraterritoriality, interruption of periods of time limitation and other consequences of the offence"
                    ),
                    TEXTAREA,
                    article=N_("Art. 8(1)(g)"),
                ),
            ),
        ),
        Section(
            "g",
            "(g)",
            N_("Property"),
            (
                Field(
                    "seize_property",
                    N_(
                        "Does the warrant extend to the seizure and handing over of property which may be required as evidence or has been acquired as a result of the offence?"
                    ),
                    YESNO,
                    True,
                    choices=YES_NO,
                    article=N_("Art. 29"),
                ),
                Field(
                    "property",
                    N_("Description of the property (and location), if known"),
                    TEXTAREA,
                    True,
                    when=("seize_property", "yes"),
                ),
            ),
        ),
        Section(
            "h",
            "(h)",
            N_("Life sentence"),
            (
                Field(
                    "life_sentence",
                    N_(
                        "Is the offence punishable by a custodial life sentence or lifetime detention order, or has such a sentence been imposed?"
                    ),
                    YESNO,
                    True,
                    choices=YES_NO,
                    article=N_("Art. 5(2)"),
                ),
                Field(
                    "life_review",
                    N_("The legal system of the issuing Member State allows"),
                    CHOICE,
                    True,
                    choices=LIFE_REVIEW,
                    when=("life_sentence", "yes"),
                ),
            ),
        ),
        Section(
            "i",
            "(i)",
            N_("The judicial authority which issued the warrant"),
            (
                Field(
                    "authority_name",
                    N_("Official name"),
                    TEXT,
                    True,
                    article=N_("Art. 8(1)(b)"),
                    prefill="issuing_authority",
                ),
                Field("authority_file", N_("File reference"), TEXT, True, prefill="reference"),
                Field("authority_address", N_("Address"), TEXTAREA, True),
                Field("authority_phone", N_("Tel. No (country code) (area/city code)"), TEXT),
                Field("authority_fax", N_("Fax No (country code) (area/city code)"), TEXT),
                Field("authority_email", N_("E-mail"), TEXT, True),
                Field(
                    "authority_contact",
                    N_(
                        "Contact details of the person to contact to make necessary practical arrangements for the surrender"
                    ),
                    TEXTAREA,
                    True,
                ),
                Field(
                    "central_authority",
                    N_("Central authority responsible for the transmission (if any)"),
                    TEXTAREA,
                    article=N_("Art. 7"),
                ),
                *signature_fields(N_("Art. 8(1)(b)")),
            ),
        ),
    ),
    rules=(
        executing_state_in(
            "a",
            EU_MEMBER_STATES,
            N_(
                "A European Arrest Warrant is executed only by EU Member States; prepare an extradition request instead."
            ),
        ),
        not_the_issuing_state("a"),
        _penalty_thresholds,
        _remainder_within_sentence,
        _list_or_description,
        _list_needs_three_years,
        not_in_future("b", "decision_date", N_("The date of the decision is in the future.")),
        not_in_future("a", "date_of_birth", N_("The date of birth is in the future.")),
        _born_before_the_facts,
        dates_in_order(
            "e",
            "offences_from",
            "offences_to",
            N_("The end of the offence period is before its start."),
        ),
        *offences_not_in_future("e"),
        dates_in_order(
            "e",
            "offences_from",
            "decision_date",
            N_("The offences start after the date of the decision."),
            on="offences_from",
        ),
        dates_in_order(
            "i",
            "decision_date",
            "signed_on",
            N_("The warrant is dated before the decision it is based on."),
        ),
        not_in_future("i", "signed_on", N_("The date of signature is in the future.")),
    ),
)
