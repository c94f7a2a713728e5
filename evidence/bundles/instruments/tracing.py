"""Firearms tracing request: International Tracing Instrument para. 17, with the marking
fields of para. 8 and the iARMS / IFRT description of the weapon (LEGAL.md §8)."""

from evidence.bundles.instruments.base import (
    CHOICE,
    CHOICES,
    COUNTRY,
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
    executing_state_fields,
    not_in_future,
    not_the_issuing_state,
    parse_date,
    signature_fields,
)

# The earliest year of manufacture a firearm record takes (evidence/firearms/services.py).
EARLIEST_YEAR = 1800

LEGAL_BASES = (
    ("iti", N_("International Tracing Instrument (A/60/88), paragraphs 14–17")),
    ("protocol", N_("Firearms Protocol to UNTOC, Article 12(4)")),
    ("bilateral", N_("Bilateral agreement")),
)
ILLICIT_GROUNDS = (
    ("national_law", N_("Illicit under the law of the requesting State")),
    ("embargo", N_("Transferred in breach of a United Nations Security Council arms embargo")),
    ("not_marked", N_("Not marked in accordance with the Instrument")),
    ("unlicensed_manufacture", N_("Manufactured without a licence or authorization")),
    ("unlicensed_transfer", N_("Transferred without a licence or authorization")),
)
WEAPON_TYPES = (
    ("pistol", N_("Pistol")),
    ("revolver", N_("Revolver")),
    ("rifle", N_("Rifle")),
    ("shotgun", N_("Shotgun")),
    ("submachine_gun", N_("Submachine gun")),
    ("machine_gun", N_("Machine gun")),
    ("other", N_("Other")),
)
INFORMATION_SOUGHT = (
    ("manufacture", N_("Manufacture records")),
    ("export_import", N_("Export and import records")),
    ("transfers", N_("Chain of transfers")),
    ("last_owner", N_("Last legal owner or holder")),
)


def _made_before_recovery(values: dict, context: RuleContext) -> list[Problem]:
    """The year of manufacture is not after this year, nor after the weapon's recovery."""
    year = values.get("year_of_manufacture")
    if not isinstance(year, int):
        return []
    if year > context.today.year:
        return [
            Problem(
                "markings", "year_of_manufacture", N_("The year of manufacture is in the future.")
            )
        ]
    recovered = parse_date(values.get("recovered_on"))
    if recovered and year > recovered.year:
        return [
            Problem(
                "markings",
                "year_of_manufacture",
                N_("The year of manufacture is after the date of recovery."),
            )
        ]
    return []


_made_before_recovery.fields = ("year_of_manufacture", "recovered_on")


TRACING = Instrument(
    code="tracing",
    title=N_("Firearms tracing request"),
    legal_basis=N_(
        "International Instrument to Enable States to Identify and Trace, in a Timely and Reliable Manner, Illicit Small Arms and Light Weapons, paragraph 17"
    ),
    applies_when=N_(
        "To trace a seized firearm from its manufacture or last legal import to the point "
        "where it became illicit: addressed to the State of manufacture or import (or "
        "through INTERPOL iARMS)."
    ),
    needs_evidence=True,
    evidence_note=N_("The firearm's record with photographs of its markings is annexed."),
    sections=(
        Section(
            "header",
            N_("Para. 17"),
            N_("Requesting and requested State"),
            (
                *executing_state_fields(N_("Para. 14"), N_("Requested State")),
                Field(
                    "requested_agency",
                    N_("Requested national point of contact or agency"),
                    TEXT,
                    True,
                    prefill="executing_authority",
                    article=N_("Para. 25"),
                ),
                Field(
                    "requesting_agency",
                    N_("Requesting agency"),
                    TEXT,
                    True,
                    prefill="issuing_authority",
                ),
                Field("reference", N_("Reference of the request"), TEXT, True, prefill="reference"),
                Field("legal_bases", N_("Legal basis"), CHOICES, True, choices=LEGAL_BASES),
                Field("is_urgent", N_("Is the request urgent?"), YESNO, True, choices=YES_NO),
            ),
        ),
        Section(
            "illicit",
            N_("Para. 17(a)"),
            N_("Information describing the illicit nature of the weapon"),
            (
                Field(
                    "illicit_grounds",
                    N_("Why the weapon is considered illicit"),
                    CHOICES,
                    True,
                    choices=ILLICIT_GROUNDS,
                    article=N_("Para. 6"),
                ),
                Field(
                    "legal_justification",
                    N_("Legal justification"),
                    TEXTAREA,
                    True,
                    article=N_("Para. 17(a)"),
                ),
                Field(
                    "recovered_on", N_("Date of recovery"), DATE, True, article=N_("Para. 17(a)")
                ),
                Field(
                    "recovered_at", N_("Place of recovery"), TEXT, True, article=N_("Para. 17(a)")
                ),
                Field(
                    "recovery_circumstances",
                    N_(
                        "Circumstances in which the weapon was found (seizure, linked case and offence, persons)"
                    ),
                    TEXTAREA,
                    True,
                    article=N_("Para. 17(a)"),
                    prefill="purpose",
                ),
            ),
        ),
        Section(
            "markings",
            N_("Para. 17(b)"),
            N_("Markings, type, calibre and other relevant information"),
            (
                Field(
                    "weapon_type",
                    N_("Type"),
                    CHOICE,
                    True,
                    choices=WEAPON_TYPES,
                    article=N_("Para. 8(a)"),
                ),
                Field(
                    "manufacturer",
                    N_("Name of the manufacturer"),
                    TEXT,
                    True,
                    article=N_("Para. 8(a)"),
                ),
                Field(
                    "country_of_manufacture",
                    N_("Country of manufacture"),
                    COUNTRY,
                    True,
                    article=N_("Para. 8(a)"),
                ),
                Field("model", N_("Model"), TEXT, True, article=N_("Para. 8(a)")),
                Field("calibre", N_("Calibre"), TEXT, True, article=N_("Para. 8(a)")),
                Field(
                    "serial_frame",
                    N_("Serial number on the frame or receiver"),
                    TEXT,
                    True,
                    article=N_("Para. 8(a)"),
                ),
                Field("serial_slide", N_("Serial number on the slide or bolt"), TEXT),
                Field("serial_barrel", N_("Serial number on the barrel"), TEXT),
                Field(
                    "year_of_manufacture",
                    N_("Year of manufacture"),
                    NUMBER,
                    minimum=EARLIEST_YEAR,
                    maximum=2100,
                ),
                Field(
                    "import_marks",
                    N_("Import marking (country and year of import)"),
                    TEXT,
                    article=N_("Para. 8(b)"),
                ),
                Field("other_marks", N_("Other marks (proof marks, unit marks)"), TEXTAREA),
                Field(
                    "alterations",
                    N_("Alterations (obliterated serial number, conversion)"),
                    TEXTAREA,
                ),
            ),
        ),
        Section(
            "use",
            N_("Para. 17(c)"),
            N_("Intended use of the information sought"),
            (
                Field(
                    "information_sought",
                    N_("Information sought"),
                    CHOICES,
                    True,
                    choices=INFORMATION_SOUGHT,
                ),
                Field(
                    "intended_use",
                    N_("Intended use of the information"),
                    TEXTAREA,
                    True,
                    article=N_("Para. 17(c)"),
                ),
            ),
        ),
        Section(
            "confidentiality",
            N_("Para. 23"),
            N_("Confidentiality and limits on use"),
            (
                Field(
                    "is_confidential",
                    N_("Is confidentiality requested?"),
                    YESNO,
                    True,
                    choices=YES_NO,
                ),
                Field(
                    "confidentiality_conditions",
                    N_("Confidentiality requested and limits on use"),
                    TEXTAREA,
                    True,
                    when=("is_confidential", "yes"),
                ),
            ),
        ),
        Section(
            "contact",
            "",
            N_("Contact and signature"),
            (
                Field("contact_name", N_("Contact person"), TEXT, True),
                Field("contact_email", N_("E-mail"), TEXT, True),
                *signature_fields(""),
            ),
        ),
    ),
    rules=(
        not_the_issuing_state("header"),
        not_in_future("illicit", "recovered_on", N_("The date of recovery is in the future.")),
        _made_before_recovery,
    ),
)
