"""Forms for signing in and managing one's own account."""

from functools import cache

from flask_login import current_user
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from jit.forms import WorkspaceForm
from jit.zones import canonical_zones


class LoginForm(WorkspaceForm):
    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired(),
            Length(max=254),
            # A control character (NUL) reached the lookup: a 500 on PostgreSQL.
            Regexp(r"[^\x00-\x1f\x7f]*\Z", message="Enter an e-mail address."),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class SecondFactorForm(WorkspaceForm):
    code = StringField(
        "Authentication code",
        validators=[DataRequired(message="Enter the code from your app."), Length(max=32)],
        description="The 6-digit code from your authenticator app, or a recovery code.",
    )


class EnrolForm(WorkspaceForm):
    code = StringField(
        "Code shown by the app",
        validators=[DataRequired(message="Enter the code from your app."), Length(max=12)],
    )


class PasswordChangeForm(WorkspaceForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=12, max=1024, message="Use 12 to 1024 characters.")],
        description="At least 12 characters. A few unrelated words work well.",
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The two entries differ.")],
    )


@cache
def _grouped_zones() -> tuple[SelectChoice, ...]:
    return tuple(
        SelectChoice(zone.name, zone.label, optgroup=zone.region) for zone in canonical_zones()
    )


def time_zone_choices(first: str | None = None) -> list[SelectChoice]:
    """Every selectable zone grouped by region, ``first`` (the reader's) at the top."""
    choices = list(_grouped_zones())
    if first is None and current_user and current_user.is_authenticated:
        first = current_user.time_zone
    top = [choice for choice in choices if choice.value == first]
    if not top:
        return choices
    mine = SelectChoice(first, top[0].label, optgroup="Your time zone")
    return [mine, *(choice for choice in choices if choice.value != first)]


class TimeZoneForm(WorkspaceForm):
    time_zone = SelectField("Your time zone", validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


class ReauthenticateForm(WorkspaceForm):
    password = PasswordField("Your password", validators=[DataRequired()])
