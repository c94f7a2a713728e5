"""Forms for firearms, ammunition and tracing requests.

The forms render and coerce; the rules live in the services, so the demo and the forms
are held to the same checks. Select fields leave unknown values to the service, which
says what was wrong.
"""

from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from evidence.firearms.models import (
    Alteration,
    Condition,
    FirearmType,
    MarkedPart,
    RecordKind,
)
from evidence.firearms.services import AmmunitionInput, FirearmInput, SerialInput
from evidence.firearms.tracing import IncomingInput
from jit.forms import WorkspaceForm
from jit.inputs import BoundedDateField, parse_plain_int
from jit.submissions import SubmissionTokenField
from jit.teams.reference import countries


def _choices(enum, blank: str | None = "Choose…") -> list[SelectChoice]:
    head = [SelectChoice("", blank)] if blank is not None else []
    return head + [SelectChoice(member.value, member.label) for member in enum]


def country_choices(blank: str = "Unknown") -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(code, f"{name} ({code})") for code, name in countries().items()
    ]


def _select(label, choices, **kwargs) -> SelectField:
    return SelectField(label, choices=choices, validate_choice=False, **kwargs)


def _record_id(value) -> int:
    """Return a chosen record's id; what is no id becomes 0, which no record has.

    The service then says the choice is none of the records it may be.
    """
    return parse_plain_int(value) or 0


SERIAL_PARTS = [MarkedPart.FRAME, MarkedPart.SLIDE, MarkedPart.BARREL, MarkedPart.OTHER]
SERIAL_HELP = "As read, with ? for each illegible character."


class FirearmForm(WorkspaceForm):
    submission_token = SubmissionTokenField()
    kind = _select("Record of *", _choices(RecordKind, None))
    manufacturer = StringField("Manufacturer (make)", validators=[Length(max=200)])
    model = StringField("Model", validators=[Length(max=200)])
    firearm_type = _select("Type *", _choices(FirearmType))
    calibre = StringField("Calibre *", validators=[Length(max=60)])
    country_of_manufacture = _select("Country of manufacture", country_choices())
    year_of_manufacture = StringField("Year of manufacture", validators=[Length(max=8)])
    import_country = _select("Import mark: country", country_choices("None"))
    import_year = StringField("Import mark: year", validators=[Length(max=8)])
    serial_frame = StringField("Serial on the frame or receiver", description=SERIAL_HELP)
    alteration_frame = _select("Frame serial", _choices(Alteration, None))
    serial_slide = StringField("Serial on the slide", description=SERIAL_HELP)
    alteration_slide = _select("Slide serial", _choices(Alteration, None))
    serial_barrel = StringField("Serial on the barrel", description=SERIAL_HELP)
    alteration_barrel = _select("Barrel serial", _choices(Alteration, None))
    serial_other = StringField("Serial on another part", description=SERIAL_HELP)
    alteration_other = _select("Other serial", _choices(Alteration, None))
    proof_marks = TextAreaField("Proof marks", validators=[Length(max=2000)])
    other_marks = TextAreaField("Other marks", validators=[Length(max=2000)])
    condition = _select("Condition *", _choices(Condition, None))
    condition_notes = TextAreaField("Condition notes", validators=[Length(max=2000)])
    photos = SelectMultipleField(
        "Photographs of the markings",
        coerce=str,
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    licence_reference = StringField("Licence", validators=[Length(max=200)])
    licence_issued_on = BoundedDateField("Licence issued on", validators=[Optional()])
    licence_expires_on = BoundedDateField("Licence expires on", validators=[Optional()])
    export_country = _select("Country of export", country_choices())
    transit_countries = StringField(
        "Transit states", description="ISO codes separated by semicolons, e.g. RS; HR."
    )
    final_recipient = StringField("Final recipient", validators=[Length(max=300)])

    def to_input(self) -> FirearmInput:
        serials = []
        for part in SERIAL_PARTS:
            name = part.value.split("-")[0]
            raw = self[f"serial_{name}"].data or ""
            if raw:
                alteration = self[f"alteration_{name}"].data or Alteration.NONE.value
                serials.append(SerialInput(part.value, raw[:200], alteration))
        photo_ids = [_record_id(value) for value in (self.photos.data or []) if value]
        return FirearmInput(
            kind=self.kind.data or "",
            manufacturer=self.manufacturer.data or "",
            model=self.model.data or "",
            firearm_type=self.firearm_type.data or "",
            calibre=self.calibre.data or "",
            country_of_manufacture=self.country_of_manufacture.data or "",
            year_of_manufacture=self.year_of_manufacture.data or "",
            import_country=self.import_country.data or "",
            import_year=self.import_year.data or "",
            proof_marks=self.proof_marks.data or "",
            other_marks=self.other_marks.data or "",
            condition=self.condition.data or "",
            condition_notes=self.condition_notes.data or "",
            serials=serials,
            photo_file_ids=photo_ids,
            licence_reference=self.licence_reference.data or "",
            licence_issued_on=self.licence_issued_on.data,
            licence_expires_on=self.licence_expires_on.data,
            export_country=self.export_country.data or "",
            transit_countries=(self.transit_countries.data or "")[:500],
            final_recipient=self.final_recipient.data or "",
        )

    def fill_from(self, firearm) -> None:
        """Show a stored record in the form, for correcting it."""
        for name in (
            "kind",
            "manufacturer",
            "model",
            "firearm_type",
            "calibre",
            "proof_marks",
            "other_marks",
            "condition",
            "condition_notes",
            "licence_reference",
            "licence_issued_on",
            "licence_expires_on",
            "final_recipient",
        ):
            self[name].data = getattr(firearm, name)
        for name in ("country_of_manufacture", "import_country", "export_country"):
            self[name].data = getattr(firearm, name) or ""
        for name in ("year_of_manufacture", "import_year"):
            value = getattr(firearm, name)
            self[name].data = str(value) if value else ""
        self.transit_countries.data = "; ".join(firearm.transit_list)
        for serial in firearm.serials:
            name = serial.part.split("-")[0]
            self[f"serial_{name}"].data = serial.as_read
            self[f"alteration_{name}"].data = serial.alteration
        self.photos.data = [str(photo.file_id) for photo in firearm.photos]


class AmmunitionForm(WorkspaceForm):
    submission_token = SubmissionTokenField()
    calibre = StringField("Calibre *", validators=[Length(max=60)])
    headstamp = StringField("Headstamp", validators=[Length(max=100)])
    quantity = StringField(
        "Quantity *", validators=[Length(max=12)], render_kw={"inputmode": "numeric"}
    )
    lot = StringField("Lot", validators=[Length(max=100)])
    notes = TextAreaField("Notes", validators=[Length(max=2000)])

    def to_input(self) -> AmmunitionInput:
        return AmmunitionInput(
            calibre=self.calibre.data or "",
            headstamp=self.headstamp.data or "",
            quantity=self.quantity.data or "",
            lot=self.lot.data or "",
            notes=self.notes.data or "",
        )


class IncomingForm(WorkspaceForm):
    submission_token = SubmissionTokenField()
    counterpart_country = _select("Requesting state *", country_choices("Choose…"))
    counterpart_authority = StringField("Requesting authority *", validators=[Length(max=300)])
    counterpart_reference = StringField("Their reference", validators=[Length(max=200)])
    received_on = BoundedDateField("Received on *", validators=[Optional()])
    manufacturer = StringField("Manufacturer (make)", validators=[Length(max=200)])
    model = StringField("Model", validators=[Length(max=200)])
    firearm_type = _select("Type *", _choices(FirearmType))
    calibre = StringField("Calibre *", validators=[Length(max=60)])
    serial_as_read = StringField(
        "Serial number", validators=[Length(max=100)], description=SERIAL_HELP
    )
    country_of_manufacture = _select("Country of manufacture", country_choices())
    other_marks = TextAreaField("Other marks", validators=[Length(max=2000)])
    circumstances = TextAreaField(
        "Why the weapon is illicit, and where it was found",
        validators=[Length(max=5000)],
        description="ITI para. 17(a): as the request states it.",
    )
    intended_use = TextAreaField("Intended use of the information", validators=[Length(max=2000)])
    firearm_id = _select("Our firearm record it concerns", [SelectChoice("", "None")])
    linked_team_code = _select("Parallel investigation", [SelectChoice("", "None")])
    proposes_new_team = BooleanField("Propose a new joint investigation team for it")
    proposal_note = TextAreaField("Proposal", validators=[Length(max=2000)])

    def to_input(self) -> IncomingInput:
        firearm = self.firearm_id.data or ""
        return IncomingInput(
            counterpart_country=self.counterpart_country.data or "",
            counterpart_authority=self.counterpart_authority.data or "",
            counterpart_reference=self.counterpart_reference.data or "",
            received_on=self.received_on.data,
            manufacturer=self.manufacturer.data or "",
            model=self.model.data or "",
            firearm_type=self.firearm_type.data or "",
            calibre=self.calibre.data or "",
            serial_as_read=self.serial_as_read.data or "",
            country_of_manufacture=self.country_of_manufacture.data or "",
            other_marks=self.other_marks.data or "",
            circumstances=self.circumstances.data or "",
            intended_use=self.intended_use.data or "",
            linked_team_code=(self.linked_team_code.data or "")[:40],
            proposes_new_team=bool(self.proposes_new_team.data),
            proposal_note=self.proposal_note.data or "",
            firearm_id=_record_id(firearm) if firearm else None,
        )


class StatusForm(WorkspaceForm):
    status = HiddenField(validators=[Length(max=20)])
    answer = TextAreaField("Answer given", validators=[Length(max=10000)])
