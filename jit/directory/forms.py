"""Forms for the directory: one entry, a CSV file to preview, and the import's confirmation.

The rules (codes, phone numbers, duplicates) live in :mod:`jit.directory.services`, so a
typed entry and an imported row are held to the same checks.
"""

from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from jit.directory.models import CSV_COLUMNS, AuthorityFunction
from jit.forms import WorkspaceForm
from jit.submissions import SubmissionTokenField
from jit.teams.reference import countries


class EntryForm(WorkspaceForm):
    submission_token = SubmissionTokenField()
    country = SelectField(
        "State *",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(code, f"{name} ({code})") for code, name in countries().items()],
        validate_choice=False,
    )
    function = SelectField(
        "Function *",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(f.value, f.label) for f in AuthorityFunction],
        validate_choice=False,
    )
    name = StringField("Authority *", validators=[Length(max=300)])
    address = TextAreaField("Postal address", validators=[Length(max=2000)])
    email = StringField("E-mail", validators=[Length(max=254)])
    phone = StringField(
        "Telephone", validators=[Length(max=40)], description="Stored in E.164 (+31 70 …)."
    )
    languages = StringField(
        "Languages accepted",
        validators=[Length(max=200)],
        description="ISO 639-1 codes separated by semicolons, e.g. nl; en.",
    )
    channels = StringField(
        "Channels",
        validators=[Length(max=300)],
        description="Separated by semicolons, e.g. eEDES; INTERPOL I-24/7; e-mail.",
    )
    notes = TextAreaField("Notes", validators=[Length(max=5000)])

    def raw(self) -> dict:
        return {column: self[column].data or "" for column in CSV_COLUMNS}


class ImportForm(WorkspaceForm):
    file = FileField("CSV file")


class ConfirmImportForm(WorkspaceForm):
    csv_text = HiddenField(validators=[Length(max=2_000_000)])
