"""Extradition request to a state outside the EU: European Convention on Extradition
art. 12, UNTOC art. 16 and the UN Model Treaty on Extradition art. 5 (LEGAL.md §5)."""

from evidence.bundles.instruments.base import (
    CHOICE,
    CHOICES,
    DATE,
    N_,
    TEXT,
    TEXTAREA,
    YES_NO,
    YESNO,
    Field,
    Instrument,
    Section,
)
from evidence.bundles.instruments.common import (
    EU_MEMBER_STATES,
    dates_in_order,
    executing_state_fields,
    executing_state_outside,
    not_in_future,
    not_the_issuing_state,
    offences_not_in_future,
    signature_fields,
)

LEGAL_BASES = (
    ("ece", N_("European Convention on Extradition (1957) and its Additional Protocols")),
    (
        "untoc",
        N_("Article 16(4) of the United Nations Convention against Transnational Organized Crime"),
    ),
    ("bilateral", N_("Bilateral extradition treaty")),
    ("reciprocity", N_("Reciprocity")),
)
CHANNELS = (
    ("diplomatic", N_("Diplomatic channel (Art. 12(1))")),
    (
        "ministries",
        N_("Directly between the Ministries of Justice (Second Additional Protocol, Art. 5)"),
    ),
)
PURPOSES = (
    ("prosecution", N_("Prosecution: arrest warrant or order having the same effect")),
    ("execution", N_("Execution: enforceable conviction and sentence or detention order")),
)
DEATH_PENALTY = (
    (
        "not_applicable",
        N_("The offences are not punishable by death under the law of the requesting Party"),
    ),
    (
        "assurance",
        N_(
            "The requesting Party gives the assurance that the death penalty will not be carried out (Art. 11)"
        ),
    ),
)


EXTRADITION = Instrument(
    code="extradition",
    title=N_("Request for extradition"),
    legal_basis=N_(
        "European Convention on Extradition, Article 12; United Nations Convention against Transnational Organized Crime, Article 16"
    ),
    applies_when=N_(
        "To obtain the surrender of a person from a state outside the EU (e.g. Serbia, "
        "Switzerland, the United Kingdom). Between EU Member States use a European Arrest "
        "Warrant."
    ),
    needs_evidence=True,
    evidence_note=N_(
        "The certified warrant or judgment and the identity documents are annexed (Art. 12(2))."
    ),
    sections=(
        Section(
            "basis",
            N_("Art. 12(1)"),
            N_("Requested State, channel and legal basis"),
            (
                *executing_state_fields(N_("Art. 12(1)"), N_("Requested State")),
                Field(
                    "requested_authority",
                    N_("Requested authority (Ministry of Justice)"),
                    TEXT,
                    True,
                    prefill="executing_authority",
                ),
                Field(
                    "legal_bases",
                    N_("Legal basis"),
                    CHOICES,
                    True,
                    choices=LEGAL_BASES,
                    article=N_("UNTOC Art. 16(4)"),
                ),
                Field(
                    "channel",
                    N_("Channel of transmission"),
                    CHOICE,
                    True,
                    choices=CHANNELS,
                    article=N_("Art. 12(1)"),
                ),
                Field("reference", N_("Reference of the request"), TEXT, True, prefill="reference"),
            ),
        ),
        Section(
            "decision",
            N_("Art. 12(2)(a)"),
            N_("Conviction and sentence, detention order or arrest warrant"),
            (
                Field(
                    "purpose", N_("Extradition is requested for"), CHOICE, True, choices=PURPOSES
                ),
                Field(
                    "decision",
                    N_("Decision (type, authority) supporting the request"),
                    TEXT,
                    True,
                    article=N_("Art. 12(2)(a)"),
                ),
                Field("decision_reference", N_("Reference"), TEXT, True),
                Field("decision_date", N_("Date of the decision"), DATE, True),
                Field(
                    "enforceability",
                    N_(
                        "Statement that the sentence is enforceable, and the part still to be served"
                    ),
                    TEXTAREA,
                    True,
                    when=("purpose", "execution"),
                    article=N_("Model Treaty Art. 5(2)(c)"),
                ),
            ),
        ),
        Section(
            "offences",
            N_("Art. 12(2)(b)"),
            N_("Statement of the offences"),
            (
                Field(
                    "offences_statement",
                    N_("Offences for which extradition is requested: acts or omissions"),
                    TEXTAREA,
                    True,
                    article=N_("Art. 12(2)(b)"),
                    prefill="offences",
                ),
                Field(
                    "offences_from",
                    N_("Time of commission: from"),
                    DATE,
                    True,
                    article=N_("Art. 12(2)(b)"),
                ),
                Field(
                    "offences_to",
                    N_("Time of commission: until"),
                    DATE,
                    article=N_("Art. 12(2)(b)"),
                ),
                Field(
                    "offences_place",
                    N_("Place of commission"),
                    TEXT,
                    True,
                    article=N_("Art. 12(2)(b)"),
                ),
                Field(
                    "legal_description",
                    N_("Legal descriptions of the offences"),
                    TEXTAREA,
                    True,
                    article=N_("Art. 12(2)(b)"),
                ),
            ),
        ),
        Section(
            "law",
            N_("Art. 12(2)(c)"),
            N_("Relevant enactments and penalties"),
            (
                Field(
                    "provisions",
                    N_("Text of the relevant legal provisions"),
                    TEXTAREA,
                    True,
                    article=N_("Art. 12(2)(c)"),
                ),
                Field(
                    "penalties", N_("Penalties applicable"), TEXTAREA, True, article=N_("Art. 2(1)")
                ),
                Field(
                    "limitation",
                    N_("Provisions on lapse of time (limitation)"),
                    TEXTAREA,
                    article=N_("Art. 10"),
                ),
            ),
        ),
        Section(
            "person",
            N_("Art. 12(2)(c)"),
            N_("Description of the person claimed"),
            (
                Field("person_name", N_("Name, forenames and aliases"), TEXT, True),
                Field("person_birth", N_("Date and place of birth"), TEXT, True),
                Field(
                    "person_nationality", N_("Nationality"), TEXT, True, article=N_("Art. 12(2)(c)")
                ),
                Field(
                    "person_description",
                    N_(
                        "Description of the person, as accurate as possible, with photograph and fingerprints where available"
                    ),
                    TEXTAREA,
                    True,
                    article=N_("Art. 12(2)(c)"),
                ),
                Field(
                    "person_location",
                    N_("Known or presumed location in the requested State"),
                    TEXTAREA,
                ),
            ),
        ),
        Section(
            "dual_criminality",
            N_("UNTOC Art. 16(1)"),
            N_("Dual criminality"),
            (
                Field(
                    "dual_criminality",
                    N_("How the conduct is an offence under the law of both Parties"),
                    TEXTAREA,
                    True,
                    article=N_("Art. 2(1); UNTOC Art. 16(1)"),
                ),
            ),
        ),
        Section(
            "assurances",
            N_("Art. 11, 14"),
            N_("Assurances"),
            (
                Field(
                    "death_penalty",
                    N_("Death penalty"),
                    CHOICE,
                    True,
                    choices=DEATH_PENALTY,
                    article=N_("Art. 11"),
                ),
                Field(
                    "speciality",
                    N_(
                        "The person will not be proceeded against, sentenced or detained for any offence committed before surrender other than that for which extradited (rule of speciality)"
                    ),
                    YESNO,
                    True,
                    choices=YES_NO,
                    article=N_("Art. 14"),
                ),
                Field(
                    "other_assurances",
                    N_("Other assurances (life sentence, retrial after a judgment in absentia)"),
                    TEXTAREA,
                    article=N_("Second Additional Protocol, Art. 3"),
                ),
            ),
        ),
        Section(
            "contact",
            N_("UNTOC Art. 16(16)"),
            N_("Contact point and authentication"),
            (
                Field(
                    "authority_name",
                    N_("Requesting authority"),
                    TEXT,
                    True,
                    prefill="issuing_authority",
                ),
                Field("contact_name", N_("Contact person"), TEXT, True),
                Field("contact_email", N_("E-mail"), TEXT, True),
                *signature_fields(""),
            ),
        ),
    ),
    rules=(
        executing_state_outside(
            "basis",
            EU_MEMBER_STATES,
            N_("Between EU Member States surrender is requested with a European Arrest Warrant."),
        ),
        not_the_issuing_state("basis"),
        not_in_future(
            "decision", "decision_date", N_("The date of the decision is in the future.")
        ),
        dates_in_order(
            "offences",
            "offences_from",
            "offences_to",
            N_("The end of the offence period is before its start."),
        ),
        *offences_not_in_future("offences"),
        dates_in_order(
            "offences",
            "offences_from",
            "decision_date",
            N_("The offences start after the date of the decision."),
            on="offences_from",
        ),
    ),
)
