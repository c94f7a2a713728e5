"""Request for mutual legal assistance: UNTOC art. 18(15), with the assistance of art. 18(3).

Sections follow the layout of the UNODC MLA Request Writer Tool (LEGAL.md §6).
"""

from evidence.bundles.instruments.base import (
    CHOICES,
    DATE,
    N_,
    TEXT,
    TEXTAREA,
    YES_NO,
    YESNO,
    Field,
    Instrument,
    Problem,
    Section,
)
from evidence.bundles.instruments.common import (
    dates_in_order,
    executing_state_fields,
    facts_field,
    not_in_past,
    not_the_issuing_state,
    offences_not_in_future,
    signature_fields,
)

ASSISTANCE_TYPES = (
    ("a", N_("(a) Taking evidence or statements from persons")),
    ("b", N_("(b) Effecting service of judicial documents")),
    ("c", N_("(c) Executing searches and seizures, and freezing")),
    ("d", N_("(d) Examining objects and sites")),
    ("e", N_("(e) Providing information, evidentiary items and expert evaluations")),
    (
        "f",
        N_(
            "(f) Providing originals or certified copies of relevant documents and records, "
            "including government, bank, financial, corporate or business records"
        ),
    ),
    (
        "g",
        N_(
            "(g) Identifying or tracing proceeds of crime, property, instrumentalities or "
            "other things for evidentiary purposes"
        ),
    ),
    ("h", N_("(h) Facilitating the voluntary appearance of persons in the requesting State")),
    ("i", N_("(i) Any other type of assistance not contrary to the domestic law")),
)


def _facts_unless_service_only(values: dict, _context) -> list[Problem]:
    """Art. 18(15)(c): a summary of the facts, except for requests for service of documents."""
    if values.get("facts_summary") or values.get("assistance_types") == ["b"]:
        return []
    return [Problem("facts", "facts_summary", N_("A summary of the relevant facts is required."))]


MLA = Instrument(
    code="mla",
    title=N_("Request for mutual legal assistance in criminal matters"),
    legal_basis=N_(
        "Article 18 of the United Nations Convention against Transnational Organized Crime"
    ),
    applies_when=N_(
        "For evidence or other assistance from a state that is not bound by the European "
        "Investigation Order (a state outside the EU, Denmark or Ireland), or for assistance "
        "an EIO does not cover. Article 18 UNTOC, a bilateral treaty or reciprocity."
    ),
    sections=(
        Section(
            "authorities",
            N_("Art. 18(15)(a)"),
            N_("Requesting and requested authorities"),
            (
                Field(
                    "requesting_authority",
                    N_("Identity of the authority making the request"),
                    TEXT,
                    required=True,
                    article=N_("Art. 18(15)(a)"),
                    prefill="issuing_authority",
                ),
                *executing_state_fields(N_("Art. 18(13)"), N_("Requested State")),
                Field(
                    "requested_authority",
                    N_("Central authority of the requested State"),
                    TEXT,
                    required=True,
                    article=N_("Art. 18(13)"),
                    prefill="executing_authority",
                ),
                Field(
                    "reference",
                    N_("Reference of the request"),
                    TEXT,
                    required=True,
                    prefill="reference",
                ),
                Field(
                    "legal_basis",
                    N_("Legal basis (treaty, convention or reciprocity)"),
                    TEXTAREA,
                    required=True,
                    prefill="legal_basis",
                ),
            ),
        ),
        Section(
            "urgency",
            N_("Art. 18(24)"),
            N_("Urgency and deadline"),
            (
                Field("is_urgent", N_("Is the request urgent?"), YESNO, True, choices=YES_NO),
                Field(
                    "urgency_reasons",
                    N_("Reasons for urgency"),
                    TEXTAREA,
                    True,
                    when=("is_urgent", "yes"),
                    article=N_("Art. 18(24)"),
                ),
                Field(
                    "deadline",
                    N_("Execution requested by"),
                    DATE,
                    True,
                    when=("is_urgent", "yes"),
                    article=N_("Art. 18(24)"),
                ),
            ),
        ),
        Section(
            "confidentiality",
            N_("Art. 18(20)"),
            N_("Confidentiality"),
            (
                Field(
                    "is_confidential",
                    N_("Is the requested State asked to keep the request confidential?"),
                    YESNO,
                    True,
                    choices=YES_NO,
                    article=N_("Art. 18(20)"),
                ),
                Field(
                    "confidentiality_reasons",
                    N_("Extent of and reasons for confidentiality"),
                    TEXTAREA,
                    True,
                    when=("is_confidential", "yes"),
                    article=N_("Art. 18(20)"),
                ),
            ),
        ),
        Section(
            "proceedings",
            N_("Art. 18(15)(b)"),
            N_("Subject matter and nature of the investigation, prosecution or proceeding"),
            (
                facts_field(
                    "proceedings_subject",
                    N_("Subject matter and nature of the proceedings"),
                    N_("Art. 18(15)(b)"),
                    prefill="purpose",
                ),
                Field(
                    "proceedings_authority",
                    N_("Name and functions of the authority conducting them"),
                    TEXT,
                    True,
                    article=N_("Art. 18(15)(b)"),
                    prefill="issuing_authority",
                ),
                Field(
                    "proceedings_reference",
                    N_("Case reference of the proceedings"),
                    TEXT,
                    prefill="proceedings",
                ),
            ),
        ),
        Section(
            "facts",
            N_("Art. 18(15)(c)"),
            N_("Summary of the relevant facts"),
            (
                Field(
                    "facts_summary",
                    N_("Summary of the relevant facts"),
                    TEXTAREA,
                    help=N_("Not needed when the request is only for service of documents."),
                    article=N_("Art. 18(15)(c)"),
                ),
                facts_field("offences", N_("Offences, law and penalties"), "", prefill="offences"),
                Field("offences_from", N_("Offences committed from"), DATE),
                Field("offences_to", N_("Offences committed until"), DATE),
            ),
        ),
        Section(
            "assistance",
            N_("Art. 18(15)(d) and 18(3)"),
            N_("Description of the assistance sought"),
            (
                Field(
                    "assistance_types",
                    N_("Type of assistance"),
                    CHOICES,
                    True,
                    choices=ASSISTANCE_TYPES,
                    article=N_("Art. 18(3)"),
                ),
                facts_field(
                    "assistance_description",
                    N_("Description of the assistance sought, measure by measure"),
                    N_("Art. 18(15)(d)"),
                ),
                Field(
                    "procedure",
                    N_("Particular procedure the requesting State wishes to be followed"),
                    TEXTAREA,
                    article=N_("Art. 18(17)"),
                ),
                Field(
                    "videoconference",
                    N_("Hearing by videoconference requested?"),
                    YESNO,
                    choices=YES_NO,
                    article=N_("Art. 18(18)"),
                ),
            ),
        ),
        Section(
            "persons",
            N_("Art. 18(15)(e)"),
            N_("Identity, location and nationality of any person concerned"),
            (
                facts_field(
                    "persons",
                    N_("Persons concerned: identity, location, nationality"),
                    N_("Art. 18(15)(e)"),
                ),
            ),
        ),
        Section(
            "purpose",
            N_("Art. 18(15)(f)"),
            N_("Purpose for which the evidence, information or action is sought"),
            (facts_field("purpose", N_("Purpose and relevance"), N_("Art. 18(15)(f)")),),
        ),
        Section(
            "speciality",
            N_("Art. 18(19)"),
            N_("Use of the information (speciality)"),
            (
                Field(
                    "speciality_undertaking",
                    N_(
                        "The requesting State will not use the information or evidence for "
                        "investigations, prosecutions or proceedings other than those stated "
                        "without the prior consent of the requested State"
                    ),
                    YESNO,
                    True,
                    choices=YES_NO,
                    article=N_("Art. 18(19)"),
                ),
            ),
        ),
        Section(
            "contact",
            N_("Art. 18(24)"),
            N_("Contact for the execution and transmission of results"),
            (
                Field("contact_name", N_("Contact person"), TEXT, True),
                Field("contact_phone", N_("Telephone"), TEXT),
                Field("contact_email", N_("E-mail"), TEXT, True),
                Field("transmission", N_("How the results are to be transmitted"), TEXTAREA),
            ),
        ),
        Section("signature", "", N_("Signature"), signature_fields("")),
    ),
    rules=(
        not_the_issuing_state("authorities"),
        _facts_unless_service_only,
        not_in_past(
            "urgency", "deadline", N_("The date by which execution is requested is in the past.")
        ),
        dates_in_order(
            "facts",
            "offences_from",
            "offences_to",
            N_("The end of the offence period is before its start."),
        ),
        *offences_not_in_future("facts"),
    ),
)
