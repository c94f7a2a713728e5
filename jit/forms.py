"""Forms every part of the workspace uses."""

from flask_wtf import FlaskForm

from jit.inputs import RefuseNulMeta


class WorkspaceForm(FlaskForm):
    """The base of every form: a field holding a NUL is refused with a message naming it.

    (PostgreSQL refuses a NUL in any text: one that reached the database was a 500.)
    """

    class Meta(RefuseNulMeta):
        pass


class ConfirmForm(WorkspaceForm):
    """A button that changes state: only its CSRF token travels."""
