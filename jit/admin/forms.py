"""Forms of the platform administrator: accounts and team spaces."""

from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from jit.accounts.forms import time_zone_choices
from jit.forms import WorkspaceForm
from jit.inputs import IdSelectField, RefuseNulMeta, Submitted
from jit.teams.reference import BODIES, countries

PARTY_ROWS = 6


def party_choices() -> list[SelectChoice]:
    bodies = [
        SelectChoice(f"body:{key}", label, optgroup="EU and international bodies")
        for key, label in BODIES.items()
    ]
    states = [
        SelectChoice(f"state:{code}", f"{name} ({code})", optgroup="States")
        for code, name in countries().items()
    ]
    return [SelectChoice("", "— none —"), *bodies, *states]


class UserCreateForm(WorkspaceForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    display_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(), Length(min=12, max=1024, message="Use 12 to 1024 characters.")],
        description="At least 12 characters; hand it over by a separate channel.",
    )
    time_zone = SelectField("Time zone", default="UTC")
    is_platform_admin = BooleanField("Platform administrator")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


class PartyRowForm(Form):
    class Meta(RefuseNulMeta):
        pass

    party = SelectField("Party", validators=[Optional()], validate_choice=False)
    authority = StringField("Competent authority", validators=[Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.party.choices = party_choices()


class TeamCreateForm(WorkspaceForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=200)])
    code = StringField(
        "Operation code",
        validators=[DataRequired(), Length(max=32)],
        description="Used in addresses: letters, digits and hyphens, e.g. EMERALD-2026.",
    )
    description = TextAreaField("Description", validators=[Submitted(), Length(max=4000)])
    parties = FieldList(FormField(PartyRowForm), min_entries=PARTY_ROWS, max_entries=PARTY_ROWS)
    coordinator_email = EmailField(
        "Coordinator's e-mail address", validators=[DataRequired(), Length(max=254)]
    )
    coordinator_party = IdSelectField(
        "Coordinator acts for",
        validate_choice=False,
        choices=[SelectChoice(i, f"Party {i + 1}") for i in range(PARTY_ROWS)],
    )
