"""Forms for evidence items, custody events and the evidence list's filters.

The forms render and coerce; the rules (what is required, which codes exist) live in
:mod:`evidence.services` so the form, the CLI and the demo are held to the same checks.
Select fields do not reject unknown values themselves, so the service can say exactly
what was wrong.
"""

from datetime import UTC

from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from evidence.custody_fields import HASH_ALGORITHMS, MANUAL_EVENT_TYPES, SEAL_STATES, EventInput
from evidence.models import (
    INFORMATION_ACCURACY,
    SOURCE_RELIABILITY,
    Derivation,
    HandlingCode,
    ItemType,
    Visibility,
)
from evidence.services import ItemInput, parse_tags, zone_or_error
from jit import codes
from jit.accounts.forms import time_zone_choices
from jit.forms import WorkspaceForm
from jit.inputs import BoundedDateField, BoundedDateTimeLocalField, IdSelectField
from jit.submissions import SubmissionTokenField
from search import languages


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _aware(naive, zone_name: str, field_name: str):
    if naive is None:
        return None
    zone = zone_or_error(zone_name, field_name)
    return naive.replace(tzinfo=zone).astimezone(UTC)


class ItemForm(WorkspaceForm):
    """A new item. The upload view checks the CSRF token itself (the body is streamed)."""

    class Meta:
        csrf = False

    title = StringField("Title *", validators=[Length(max=300)])
    item_type = SelectField(
        "Type *",
        choices=_choices([("", "Choose…")] + [(t.value, t.label) for t in ItemType]),
        validate_choice=False,
    )
    description = TextAreaField("Description", validators=[Length(max=20000)])
    collected_by = StringField(
        "Collected or seized by *",
        validators=[Length(max=200)],
        description="Name and service of the officer, e.g. “Insp. T. Babić, PNUSKOK Zagreb”.",
    )
    collected_at = BoundedDateTimeLocalField("Collected at *", validators=[Optional()])
    collected_time_zone = SelectField("Time zone of that time", validate_choice=False)
    collected_location = StringField("Where *", validators=[Length(max=300)])
    seized_from = StringField(
        "Seized from", validators=[Length(max=300)], description="Person, company or place."
    )
    legal_basis = StringField(
        "Legal basis *",
        validators=[Length(max=300)],
        description="The provision or order it was collected under.",
    )
    legal_reference = StringField(
        "Reference",
        validators=[Length(max=200)],
        description="National case number, EIO or MLA reference.",
    )
    visibility = SelectField(
        "Who in the team may see it",
        choices=_choices([(v.value, v.label) for v in Visibility]),
        validate_choice=False,
    )
    handling_code = SelectField(
        "Handling code",
        choices=_choices([(h.value, h.label) for h in HandlingCode]),
        validate_choice=False,
    )
    handling_conditions = TextAreaField(
        "Handling conditions",
        validators=[Length(max=5000)],
        description="Required for H3; for H1 and H2, any detail of the permission needed.",
    )
    source_reliability = SelectField(
        "Source reliability",
        choices=_choices(codes.choices(SOURCE_RELIABILITY)),
        description="Leave it not evaluated unless the source has been assessed (4x4).",
        validate_choice=False,
    )
    information_accuracy = SelectField(
        "Information accuracy",
        choices=_choices(codes.choices(INFORMATION_ACCURACY)),
        validate_choice=False,
    )
    language = SelectField(
        "Language of its text",
        choices=_choices([("", "Detect it from the text"), *languages.NAMES.items()]),
        description="Search finds other forms of its words in this language.",
        validate_choice=False,
    )
    tags = StringField("Tags", validators=[Length(max=2000)], description="Separated by commas.")
    parent_exhibit = StringField(
        "Derived from (exhibit number)",
        validators=[Length(max=40)],
        description="For a copy, extract or analysis product: the item it was made from.",
    )
    derivation = SelectField(
        "Derivation",
        choices=_choices(
            [("", "Not derived (original item)")] + [(d.value, d.label) for d in Derivation]
        ),
        validate_choice=False,
    )
    submission_token = SubmissionTokenField()

    def __init__(self, *args, default_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.collected_time_zone.choices = time_zone_choices()
        if not self.collected_time_zone.data:
            self.collected_time_zone.data = default_zone

    def to_input(self) -> ItemInput:
        zone = self.collected_time_zone.data or "UTC"
        return ItemInput(
            title=self.title.data or "",
            description=self.description.data or "",
            item_type=self.item_type.data or "",
            collected_by=self.collected_by.data or "",
            collected_at=_aware(self.collected_at.data, zone, "collected_time_zone"),
            collected_time_zone=zone,
            collected_location=self.collected_location.data or "",
            seized_from=self.seized_from.data or "",
            legal_basis=self.legal_basis.data or "",
            legal_reference=self.legal_reference.data or "",
            visibility=self.visibility.data or "",
            handling_code=(self.handling_code.data or "").strip().upper(),
            handling_conditions=self.handling_conditions.data or "",
            source_reliability=self.source_reliability.data or None,
            information_accuracy=self.information_accuracy.data or None,
            tags=parse_tags(self.tags.data or ""),
            parent_exhibit=(self.parent_exhibit.data or "").strip().upper(),
            derivation=self.derivation.data or "",
            language=self.language.data or "",
        )


class EventForm(WorkspaceForm):
    event_type = SelectField(
        "What happened",
        choices=_choices([("", "Choose…")] + [(t.value, t.label) for t in MANUAL_EVENT_TYPES]),
        validate_choice=False,
    )
    occurred_at = BoundedDateTimeLocalField("When", validators=[Optional()])
    time_zone = SelectField("Time zone of that time", validate_choice=False)
    location = StringField("Where", validators=[Length(max=300)])
    late_entry_reason = TextAreaField(
        "Late entry: why it is entered only now",
        validators=[Length(max=2000)],
        description="Needed only for an event dated before the latest one already recorded.",
    )
    purpose = TextAreaField(
        "Purpose or reason",
        validators=[Length(max=5000)],
        description="Why it happened: the reason for the transfer, the analysis asked for…",
    )
    legal_basis = StringField("Legal basis or authority", validators=[Length(max=300)])
    is_copy = SelectField(
        "What was handed over",
        choices=_choices(
            [
                ("", "The item itself"),
                ("copy", "A copy (recorded as a new derived item with its own chain)"),
            ]
        ),
        validate_choice=False,
    )
    released_by = StringField("Released by", validators=[Length(max=200)])
    released_by_party = StringField(
        "Released by (service or party)",
        validators=[Length(max=200)],
        render_kw={"list": "party-names"},
    )
    received_by = StringField("Received by", validators=[Length(max=200)])
    received_by_party = StringField(
        "Received by (service or party)",
        validators=[Length(max=200)],
        render_kw={"list": "party-names"},
    )
    packaging = StringField(
        "Packaging", validators=[Length(max=300)], description="E.g. “sealed evidence bag”."
    )
    condition = StringField(
        "Condition", validators=[Length(max=300)], description="As found at the hand-over."
    )
    receiving_member = IdSelectField(
        "Receiver confirms in the workspace",
        validate_choice=False,
        description="The member named here confirms the receipt on the item's page.",
    )
    receipt_number = StringField(
        "or paper receipt number",
        validators=[Length(max=100)],
        description="For a receiver outside the workspace: the number of the signed receipt.",
    )
    storage_location = StringField(
        "Storage location",
        validators=[Length(max=300)],
        description="Facility and place: room, locker, shelf.",
    )
    seal_number = StringField("Seal or bag number", validators=[Length(max=100)])
    seal_state = SelectField(
        "Seal when opened",
        choices=_choices([("", "—"), *SEAL_STATES.items()]),
        validate_choice=False,
    )
    method = StringField(
        "Method and tool", validators=[Length(max=300)], description="With version, e.g. UFED 7.69."
    )
    tool_hash_algorithm_0 = SelectField("Hash 1: algorithm", validate_choice=False)
    tool_hash_value_0 = StringField("Hash 1: value from the tool", validators=[Length(max=200)])
    tool_hash_algorithm_1 = SelectField("Hash 2: algorithm", validate_choice=False)
    tool_hash_value_1 = StringField("Hash 2: value from the tool", validators=[Length(max=200)])
    device_make = StringField("Device make", validators=[Length(max=100)])
    device_model = StringField("Model", validators=[Length(max=100)])
    device_serial = StringField("Serial number or IMEI", validators=[Length(max=100)])
    notes = TextAreaField("Notes", validators=[Length(max=5000)])
    submission_token = SubmissionTokenField()

    TOOL_HASH_ROWS = 2

    def __init__(self, *args, default_zone: str = "UTC", members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()
        if not self.time_zone.data:
            self.time_zone.data = default_zone
        self.receiving_member.choices = [SelectChoice("", "Nobody: a paper receipt")] + [
            SelectChoice(str(user.id), user.display_name) for user in members
        ]
        algorithms = [SelectChoice("", "—")]
        algorithms += [SelectChoice(name, name) for name in HASH_ALGORITHMS]
        for index in range(self.TOOL_HASH_ROWS):
            self[f"tool_hash_algorithm_{index}"].choices = algorithms

    def tool_hash_rows(self):
        """Return the (algorithm, value) field pairs, for the template."""
        return [
            (self[f"tool_hash_algorithm_{i}"], self[f"tool_hash_value_{i}"])
            for i in range(self.TOOL_HASH_ROWS)
        ]

    def to_input(self) -> EventInput:
        zone = self.time_zone.data or "UTC"
        hashes = []
        for algorithm, value in self.tool_hash_rows():
            if (algorithm.data or "").strip() or (value.data or "").strip():
                hashes.append(((algorithm.data or "").strip(), value.data or ""))
        return EventInput(
            event_type=self.event_type.data or "",
            occurred_at=_aware(self.occurred_at.data, zone, "time_zone"),
            time_zone=zone,
            location=self.location.data or "",
            purpose=self.purpose.data or "",
            legal_basis=self.legal_basis.data or "",
            released_by=self.released_by.data or "",
            released_by_party=self.released_by_party.data or "",
            received_by=self.received_by.data or "",
            received_by_party=self.received_by_party.data or "",
            method=self.method.data or "",
            seal_number=self.seal_number.data or "",
            seal_state=self.seal_state.data or "",
            notes=self.notes.data or "",
            packaging=self.packaging.data or "",
            condition=self.condition.data or "",
            storage_location=self.storage_location.data or "",
            receipt_number=self.receipt_number.data or "",
            receiving_member_id=self.receiving_member.data,
            is_copy=self.is_copy.data == "copy",
            device_make=self.device_make.data or "",
            device_model=self.device_model.data or "",
            device_serial=self.device_serial.data or "",
            tool_hashes=hashes,
            late_entry_reason=self.late_entry_reason.data or "",
        )


class AcknowledgeForm(WorkspaceForm):
    """Downloading an H1–H3 item: the person confirms they have read its conditions."""

    acknowledge = BooleanField("I have read the handling conditions and will respect them.")


class FilterForm(WorkspaceForm):
    """The evidence list's filters, read from the query string."""

    class Meta:
        csrf = False

    party = IdSelectField("Party", validate_choice=False)
    item_type = SelectField(
        "Type",
        choices=_choices([("", "Any type")] + [(t.value, t.label) for t in ItemType]),
        validate_choice=False,
    )
    handling_code = SelectField(
        "Handling",
        choices=_choices([("", "Any code")] + [(h.value, h.value) for h in HandlingCode]),
        validate_choice=False,
    )
    collected_from = BoundedDateField("Collected from", validators=[Optional()])
    collected_to = BoundedDateField("to", validators=[Optional()])
    tag = StringField("Tag", validators=[Optional(), Length(max=60)])
    sort = SelectField(
        "Sort by",
        choices=_choices(
            [
                ("-collected", "Collected, newest first"),
                ("collected", "Collected, oldest first"),
                ("exhibit", "Exhibit number"),
                ("title", "Title"),
                ("-added", "Added, newest first"),
            ]
        ),
        validate_choice=False,
    )
