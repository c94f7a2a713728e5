"""Forms of the close-out page."""

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from jit.closeout.retention import MAX_REASON
from jit.forms import WorkspaceForm


class HoldForm(WorkspaceForm):
    reason = TextAreaField(
        "Reason",
        description="What needs the data kept (proceedings, a request, an order), or why not.",
        validators=[DataRequired(message="Give the reason."), Length(max=MAX_REASON)],
    )
