"""European Investigation Order: Directive 2014/41/EU, Annex A sections A–L, and Annex C.

Section letters and titles as in the Annex (◻ LEGAL.md §4); section C lists the
measures, section H the additional requirements that some measures bring with them.
"""

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
    EIO_STATES,
    dates_in_order,
    executing_state_fields,
    executing_state_in,
    facts_field,
    not_in_past,
    not_the_issuing_state,
    offence_categories_field,
    offences_not_in_future,
    signature_fields,
)

MEASURES = (
    (
        "evidence_held",
        N_(
            "Obtaining information or evidence already in the possession of the executing authority"
        ),
    ),
    (
        "databases",
        N_("Obtaining information contained in databases held by police or judicial authorities"),
    ),
    (
        "hearing",
        N_("Hearing of a witness, expert, victim, suspected or accused person or third party"),
    ),
    (
        "identification",
        N_(
            "Identification of persons holding a subscription of a specified phone number or IP address"
        ),
    ),
    ("temporary_transfer", N_("Temporary transfer of a person held in custody")),
    ("video_hearing", N_("Hearing by videoconference or telephone conference")),
    ("bank_accounts", N_("Information on bank and other financial accounts")),
    ("bank_operations", N_("Information on banking and other financial operations")),
    (
        "real_time",
        N_(
            "Investigative measure implying the gathering of evidence in real time, continuously and over a certain period of time"
        ),
    ),
    ("covert", N_("Covert investigation")),
    ("interception", N_("Interception of telecommunications")),
    (
        "provisional",
        N_(
            "Provisional measure(s) to prevent the destruction, transformation, moving, transfer or disposal of an item that may be used as evidence"
        ),
    ),
)

PERSON_STATUS = (
    ("suspect", N_("Suspected or accused person")),
    ("victim", N_("Victim")),
    ("witness", N_("Witness")),
    ("expert", N_("Expert")),
    ("third_party", N_("Third party")),
)
PROCEEDINGS = (
    ("criminal", N_("Criminal proceedings (Art. 4(a))")),
    (
        "administrative",
        N_(
            "Proceedings brought by administrative or judicial authorities which may give rise to proceedings before a court having jurisdiction in criminal matters (Art. 4(b), (c))"
        ),
    ),
    (
        "legal_person",
        N_(
            "Proceedings in relation to offences for which a legal person may be held liable (Art. 4(d))"
        ),
    ),
)
AUTHORITY_TYPES = (
    ("judge", N_("Judge")),
    ("court", N_("Court")),
    ("investigating_judge", N_("Investigating judge")),
    ("prosecutor", N_("Public prosecutor")),
    ("other", N_("Other competent authority as defined by the law of the issuing State")),
)

EIO = Instrument(
    code="eio",
    title=N_("European Investigation Order"),
    legal_basis=N_("Directive 2014/41/EU of the European Parliament and of the Council, Annex A"),
    applies_when=N_(
        "For investigative measures between EU Member States bound by Directive 2014/41/EU "
        "(all Member States except Denmark and Ireland). Between them it replaces mutual "
        "legal assistance for gathering evidence."
    ),
    sections=(
        Section(
            "a",
            "A",
            N_("Issuing State and executing State"),
            (
                *executing_state_fields(N_("Annex A, section A")),
                Field(
                    "executing_authority",
                    N_("Executing authority (if known)"),
                    TEXT,
                    prefill="executing_authority",
                ),
            ),
        ),
        Section(
            "b",
            "B",
            N_("Urgency"),
            (
                Field("is_urgent", N_("Is the EIO urgent?"), YESNO, True, choices=YES_NO),
                Field(
                    "urgency_reasons",
                    N_("Reasons for urgency (e.g. evidence may be deleted, a fixed trial date)"),
                    TEXTAREA,
                    True,
                    when=("is_urgent", "yes"),
                    article=N_("Art. 12(2)"),
                ),
                Field(
                    "deadline",
                    N_("Deadline for execution"),
                    DATE,
                    True,
                    when=("is_urgent", "yes"),
                    article=N_("Art. 12(2)"),
                ),
            ),
        ),
        Section(
            "c",
            "C",
            N_("Investigative measure(s) to be carried out"),
            (
                Field(
                    "measures",
                    N_("Investigative measure(s)"),
                    CHOICES,
                    True,
                    choices=MEASURES,
                    article=N_("Art. 5(1)(c), Art. 10"),
                ),
                facts_field(
                    "measures_description",
                    N_("Description of the investigative measure(s) and the evidence sought"),
                    N_("Art. 5(1)(c)"),
                ),
                Field(
                    "evidence_held_description",
                    N_("Evidence already held by the executing authority to be transferred"),
                    TEXTAREA,
                    True,
                    when=("measures", "evidence_held"),
                    article=N_("Art. 10(2)(a)"),
                ),
            ),
        ),
        Section(
            "d",
            "D",
            N_("Relation to an earlier EIO"),
            (
                Field(
                    "has_earlier_eio",
                    N_("Does this EIO supplement an earlier EIO?"),
                    YESNO,
                    True,
                    choices=YES_NO,
                ),
                Field(
                    "earlier_eio_reference",
                    N_("Reference, date and issuing authority of the earlier EIO"),
                    TEXTAREA,
                    True,
                    when=("has_earlier_eio", "yes"),
                ),
                Field(
                    "other_eios", N_("Other EIOs issued or States involved in this case"), TEXTAREA
                ),
            ),
        ),
        Section(
            "e",
            "E",
            N_("Identity of the person(s) concerned"),
            (
                Field(
                    "person_status",
                    N_("Status of the person concerned"),
                    CHOICE,
                    True,
                    choices=PERSON_STATUS,
                    article=N_("Art. 5(1)(c)"),
                ),
                Field(
                    "person_identity",
                    N_(
                        "Name, date and place of birth, nationality, identity document, address, languages (natural person); name, form, registration number, seat (legal person)"
                    ),
                    TEXTAREA,
                    True,
                    article=N_("Art. 5(1)(c)"),
                ),
                Field(
                    "measure_address",
                    N_("Address where the measure is to be carried out"),
                    TEXTAREA,
                ),
            ),
        ),
        Section(
            "f",
            "F",
            N_("Type of proceedings for which the EIO is issued"),
            (
                Field(
                    "proceedings_type",
                    N_("Type of proceedings"),
                    CHOICE,
                    True,
                    choices=PROCEEDINGS,
                    article=N_("Art. 4"),
                ),
            ),
        ),
        Section(
            "g",
            "G",
            N_("Grounds for issuing the EIO"),
            (
                facts_field(
                    "facts_summary",
                    N_(
                        "Summary of the facts: offence(s), stage of the investigation, reasons for issuing"
                    ),
                    N_("Art. 5(1)(d)"),
                    prefill="purpose",
                ),
                facts_field(
                    "legal_classification",
                    N_(
                        "Nature and legal classification of the offence(s) and the applicable statutory provisions"
                    ),
                    N_("Art. 5(1)(d)"),
                    prefill="offences",
                ),
                offence_categories_field(
                    N_("Art. 11(1)(g), Annex D"),
                    N_(
                        "Offences of the list in Annex D punishable in the issuing State by a custodial sentence or detention order for a maximum period of at least three years (tick where applicable)"
                    ),
                    N_(
                        "Optional. Tick a category only for an offence punishable in the issuing State by a maximum of at least three years, as defined by its law; otherwise leave the boxes empty."
                    ),
                ),
                Field("offences_from", N_("Offences committed from"), DATE),
                Field("offences_to", N_("Offences committed until"), DATE),
            ),
        ),
        Section(
            "h",
            "H",
            N_("Additional requirements for certain measures"),
            (
                Field(
                    "h1_consent",
                    N_("H1 — Has the person in custody consented to the transfer?"),
                    YESNO,
                    True,
                    choices=YES_NO,
                    when=("measures", "temporary_transfer"),
                    article=N_("Art. 22"),
                ),
                Field(
                    "h2_hearing",
                    N_(
                        "H2 — Authority that will conduct the hearing, and reasons for a hearing by videoconference or telephone"
                    ),
                    TEXTAREA,
                    True,
                    when=("measures", "video_hearing"),
                    article=N_("Art. 24, 25"),
                ),
                Field(
                    "h3_provisional",
                    N_("H3 — Item to be kept or transferred, and the expected date of lifting"),
                    TEXTAREA,
                    True,
                    when=("measures", "provisional"),
                    article=N_("Art. 32"),
                ),
                Field(
                    "h4_bank_accounts",
                    N_(
                        "H4 — Why the information on accounts is relevant, and why the accounts are believed to be held in the executing State"
                    ),
                    TEXTAREA,
                    True,
                    when=("measures", "bank_accounts"),
                    article=N_("Art. 26"),
                ),
                Field(
                    "h5_bank_operations",
                    N_("H5 — Why the information on banking operations is relevant"),
                    TEXTAREA,
                    True,
                    when=("measures", "bank_operations"),
                    article=N_("Art. 27"),
                ),
                Field(
                    "h6_real_time",
                    N_("H6 — Why the real-time, continuous measure is relevant"),
                    TEXTAREA,
                    True,
                    when=("measures", "real_time"),
                    article=N_("Art. 28"),
                ),
                Field(
                    "h7_interception",
                    N_(
                        "H7 — Target (number, IP, identifier), duration, technical data and reasons for the interception"
                    ),
                    TEXTAREA,
                    True,
                    when=("measures", "interception"),
                    article=N_("Art. 30(3), (4)"),
                ),
            ),
        ),
        Section(
            "i",
            "I",
            N_("Formalities and procedures requested for the execution"),
            (
                Field(
                    "has_formalities",
                    N_(
                        "Are specific formalities or the assistance of officials of the issuing State requested?"
                    ),
                    YESNO,
                    True,
                    choices=YES_NO,
                    article=N_("Art. 9(2), (4)"),
                ),
                Field(
                    "formalities",
                    N_("Formalities and procedures, and officials who will assist"),
                    TEXTAREA,
                    True,
                    when=("has_formalities", "yes"),
                    article=N_("Art. 9(2), (4)"),
                ),
            ),
        ),
        Section(
            "j",
            "J",
            N_("Legal remedies"),
            (
                Field(
                    "remedy_sought",
                    N_("Has a legal remedy already been sought against the issuing of this EIO?"),
                    YESNO,
                    True,
                    choices=YES_NO,
                    article=N_("Art. 14"),
                ),
                Field(
                    "remedy_information",
                    N_(
                        "Authority in the issuing State that can give information on legal remedies"
                    ),
                    TEXTAREA,
                    True,
                    article=N_("Art. 14"),
                ),
            ),
        ),
        Section(
            "k",
            "K",
            N_("Details of the authority which issued the EIO"),
            (
                Field(
                    "authority_type",
                    N_("Type of issuing authority"),
                    CHOICE,
                    True,
                    choices=AUTHORITY_TYPES,
                    article=N_("Art. 2(c)"),
                ),
                Field(
                    "authority_name",
                    N_("Name of the issuing authority"),
                    TEXT,
                    True,
                    prefill="issuing_authority",
                ),
                Field("authority_file", N_("File reference"), TEXT, True, prefill="reference"),
                Field("authority_address", N_("Address"), TEXTAREA, True),
                Field("authority_phone", N_("Tel. No (country code) (area/city code)"), TEXT),
                Field("authority_fax", N_("Fax No (country code) (area/city code)"), TEXT),
                Field("authority_email", N_("E-mail"), TEXT, True),
                Field(
                    "authority_languages",
                    N_(
                        "Languages in which it is possible to communicate with the issuing authority"
                    ),
                    TEXT,
                    True,
                ),
                Field(
                    "authority_contact",
                    N_(
                        "Contact details of the person(s) to contact if additional information "
                        "on the execution of the EIO is needed or to make necessary practical "
                        "arrangements for the transfer of evidence (if different from above)"
                    ),
                    TEXTAREA,
                ),
                *signature_fields(N_("Art. 5(1)")),
            ),
        ),
        Section(
            "l",
            "L",
            N_("Details of the judicial authority which validated the EIO"),
            (
                Field(
                    "validating_authority",
                    N_(
                        "Name, representative, address and contact of the validating judicial authority"
                    ),
                    TEXTAREA,
                    True,
                    when=("authority_type", "other"),
                    article=N_("Art. 2(c)(ii)"),
                ),
                Field(
                    "central_authority",
                    N_("Central authority responsible for the transmission (if any)"),
                    TEXTAREA,
                    article=N_("Art. 7(3)"),
                ),
            ),
        ),
        Section(
            "annex_c",
            N_("Annex C"),
            N_("Notification of interception without technical assistance"),
            (
                Field(
                    "notifies_interception",
                    N_("Is a notification under Article 31 attached?"),
                    YESNO,
                    True,
                    choices=YES_NO,
                    article=N_("Art. 31"),
                ),
                Field(
                    "c_period",
                    N_(
                        "When the interception took, takes or will take place, and its intended duration"
                    ),
                    TEXTAREA,
                    True,
                    when=("notifies_interception", "yes"),
                    article=N_("Art. 31(1)"),
                ),
                Field(
                    "c_target",
                    N_("Subject and target of the interception (name, number, IP address)"),
                    TEXTAREA,
                    True,
                    when=("notifies_interception", "yes"),
                    article=N_("Art. 31(1)"),
                ),
                Field(
                    "c_facts",
                    N_("Summary of the facts and the offence the interception concerns"),
                    TEXTAREA,
                    True,
                    when=("notifies_interception", "yes"),
                    article=N_("Art. 31(1)"),
                ),
            ),
        ),
    ),
    rules=(
        executing_state_in(
            "a",
            EIO_STATES,
            N_(
                "An EIO is issued and executed only between Member States bound by "
                "Directive 2014/41/EU (not Denmark or Ireland); use a request for mutual "
                "legal assistance instead."
            ),
        ),
        not_the_issuing_state("a"),
        not_in_past("b", "deadline", N_("The deadline for execution is in the past.")),
        dates_in_order(
            "g",
            "offences_from",
            "offences_to",
            N_("The end of the offence period is before its start."),
        ),
        *offences_not_in_future("g"),
    ),
)
