"""Forms for memberships inside a team."""

from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length

from jit.forms import (
    ConfirmForm,  # noqa: F401  (the team pages' buttons use it from here)
    WorkspaceForm,
)
from jit.inputs import IdSelectField
from jit.submissions import SubmissionTokenField


class MembershipForm(WorkspaceForm):
    email = EmailField(
        "E-mail address of the account", validators=[DataRequired(), Length(max=254)]
    )
    party_id = IdSelectField(
        "Acts for",
        validate_choice=False,
        validators=[DataRequired(message="Choose the party the person acts for.")],
    )
    role = SelectField("Role", validate_choice=False, default="member")
    submission_token = SubmissionTokenField()


class MembershipChangeForm(WorkspaceForm):
    """One per row on the members page, hence prefixed; CSRFProtect checks the token."""

    class Meta:
        csrf = False

    party_id = IdSelectField(
        "Acts for",
        validate_choice=False,
        validators=[DataRequired(message="Choose the party the person acts for.")],
    )
    role = SelectField("Role", validate_choice=False)
