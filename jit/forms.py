"""Forms every part of the workspace uses."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that changes state: only its CSRF token travels."""
