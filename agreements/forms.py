"""Forms for drafting, signing, withdrawing and closing, and evaluation contributions.

The agreement editor posts the whole structured text at once; :func:`raw_from_form`
turns its fields (``leaders-0-name`` …) into the dict :mod:`agreements.content` checks.
"""

import re

from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from agreements.content import PERSON_FIELDS
from jit.forms import WorkspaceForm
from jit.inputs import BoundedIntegerField, FiniteDecimalField


class DraftForm(WorkspaceForm):
    """The editor: CSRF here, the agreement's fields parsed by :func:`raw_from_form`."""


class StartVersionForm(WorkspaceForm):
    kind = HiddenField()
    change_summary = TextAreaField(
        "What it changes and why",
        validators=[Length(max=4000)],
        description="Recorded with the new version and shown in the diff and the PDF.",
    )


class SignForm(WorkspaceForm):
    function = StringField(
        "Your function",
        validators=[DataRequired(message="Give your function."), Length(max=200)],
        description="As it should appear under your signature, e.g. 'Public prosecutor'.",
    )
    place = StringField(
        "Place of signature",
        validators=[DataRequired(message="Give the place of signature."), Length(max=200)],
    )
    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password to sign.")],
        description="Signing asks for your password again, so that only you can sign.",
    )
    code = StringField(
        "Authentication code",
        validators=[Optional(), Length(max=12)],
        description="The current 6-digit code from your authenticator app.",
    )


class WithdrawForm(WorkspaceForm):
    reason = TextAreaField(
        "Reason", validators=[DataRequired(message="Give the reason."), Length(max=2000)]
    )


class CloseForm(WorkspaceForm):
    note = TextAreaField(
        "Why the team closes",
        validators=[DataRequired(message="Record why the team closes."), Length(max=4000)],
    )


class InvitationForm(WorkspaceForm):
    email = StringField("Account e-mail address", validators=[Length(max=254)])


class ImportForm(WorkspaceForm):
    file = FileField("Agreement JSON file")


class EvaluationForm(WorkspaceForm):
    setting_up = TextAreaField(
        "Setting-up phase",
        description="How the need was identified and partners found; diverging priorities; "
        "drafting, language and signature of the agreement; national approvals.",
        validators=[Length(max=20000)],
    )
    operational = TextAreaField(
        "Operational phase",
        description="Exchange of information and evidence; investigative measures and "
        "seconded members; coordination meetings and action days; interpretation; media; "
        "funding; cooperation with states not party to the team.",
        validators=[Length(max=20000)],
    )
    prosecution = TextAreaField(
        "Prosecution and trial phase",
        description="Admissibility of evidence and disclosure; choice of jurisdiction and "
        "transfer of proceedings; European Arrest Warrants; asset recovery.",
        validators=[Length(max=20000)],
    )
    legal_issues = TextAreaField(
        "Legal issues",
        description="Legal difficulties met: differences between the parties' laws, "
        "admissibility, disclosure, data protection, use of information under the agreement.",
        validators=[Length(max=20000)],
    )
    arrests = BoundedIntegerField("Arrests", validators=[Optional(), NumberRange(min=0)])
    searches = BoundedIntegerField(
        "House and premises searches", validators=[Optional(), NumberRange(min=0)]
    )
    firearms_seized = BoundedIntegerField(
        "Firearms seized", validators=[Optional(), NumberRange(min=0)]
    )
    ammunition_seized = BoundedIntegerField(
        "Rounds of ammunition seized", validators=[Optional(), NumberRange(min=0)]
    )
    drugs_seized = TextAreaField(
        "Drugs seized",
        description="One line per substance with its quantity, e.g. 'Cocaine: 412 kg'.",
        validators=[Length(max=4000)],
    )
    convictions = BoundedIntegerField("Convictions", validators=[Optional(), NumberRange(min=0)])
    eios_issued = BoundedIntegerField(
        "European Investigation Orders issued", validators=[Optional(), NumberRange(min=0)]
    )
    eaws_issued = BoundedIntegerField(
        "European Arrest Warrants issued", validators=[Optional(), NumberRange(min=0)]
    )
    mla_issued = BoundedIntegerField(
        "MLA requests issued", validators=[Optional(), NumberRange(min=0)]
    )
    eurojust_funding_eur = FiniteDecimalField(
        "Eurojust funding received (EUR)",
        places=2,
        validators=[Optional(), NumberRange(min=0)],
    )
    assets_seized_eur = FiniteDecimalField(
        "Assets seized (EUR)", places=2, validators=[Optional(), NumberRange(min=0)]
    )
    assets_recovered_eur = FiniteDecimalField(
        "Assets recovered (EUR)",
        places=2,
        validators=[Optional(), NumberRange(min=0)],
        description="Confiscated or returned to victims, not only frozen.",
    )
    other_results = TextAreaField("Other results", validators=[Length(max=8000)])
    added_value = TextAreaField(
        "Added value",
        description="Of the team, and of Eurojust, Europol and other participants.",
        validators=[Length(max=20000)],
    )
    lessons_learned = TextAreaField(
        "Lessons learned and best practices", validators=[Length(max=20000)]
    )


_ROW = re.compile(r"^(leaders|members|participants)-(\d{1,3})-([a-z_]+)$")


def raw_from_form(formdata, party_keys: list[str]) -> dict:
    """Return the agreement fields of a posted editor form as a raw content dict."""
    get = lambda name: formdata.get(name, "")  # noqa: E731
    rows: dict[str, dict[int, dict]] = {kind: {} for kind in PERSON_FIELDS}
    for name in formdata:
        match = _ROW.match(name)
        if match and match.group(3) in PERSON_FIELDS[match.group(1)]:
            kind, index, field = match.group(1), int(match.group(2)), match.group(3)
            rows[kind].setdefault(index, {})[field] = formdata.get(name)
    return {
        "reference": get("reference"),
        "title": get("title"),
        "legal_basis": formdata.getlist("legal_basis"),
        "legal_basis_other": get("legal_basis_other"),
        "parties": [
            {
                "party": key,
                "role": formdata.get(f"party-{key}-role", "none"),
                "authority": get(f"party-{key}-authority"),
            }
            for key in party_keys
        ],
        "purpose": {
            "text": get("purpose_text"),
            "offences": get("purpose_offences"),
            "proceedings": get("purpose_proceedings"),
        },
        "period": {
            "entry_into_force": get("entry_into_force") or "signature",
            "starts_on": get("starts_on"),
            "expires_on": get("expires_on"),
        },
        "operating_states": {
            "states": formdata.getlist("operating_states"),
            "note": get("operating_note"),
        },
        **{kind: [rows[kind][i] for i in sorted(rows[kind])] for kind in PERSON_FIELDS},
        "general_conditions": get("general_conditions"),
        "organisation": get("organisation"),
        "measures": get("measures"),
        "information_use": {
            "other_purposes": get("other_purposes"),
            "consent_conditions": get("consent_conditions"),
            "admissibility": get("admissibility"),
        },
        "confidentiality": get("confidentiality"),
        "retention_years": get("retention_years"),
        "media": get("media"),
        "costs_liability": get("costs_liability"),
        "languages": get("languages"),
        "workspace": {
            "is_used": get("workspace_is_used"),
            "access_rules": get("workspace_access_rules"),
        },
        "evaluation": {
            "mid_term_on": get("mid_term_on"),
            "arrangements": get("evaluation_arrangements"),
        },
        "appendix_i": get("appendix_i"),
        "time_zone": get("time_zone"),
    }
