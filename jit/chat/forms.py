"""The one chat form served as HTML: adding a channel (messages travel over Socket.IO)."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from jit.forms import WorkspaceForm


class ChannelForm(WorkspaceForm):
    name = StringField(
        "Channel name",
        validators=[DataRequired(), Length(max=64)],
        description="Lower-case letters, digits and hyphens, e.g. nl-surveillance.",
    )
    topic = StringField("Topic", validators=[Length(max=200)])
