"""What the audit record may show a reader of the agreement and the evaluations.

Connected to :data:`jit.signals.record_visibility`, by the rules of the pages that
show these objects: the agreement, its versions and signatures to who may view the
agreement; invitations to who manages every membership; evaluations and their parts
to who sees the team's dashboard.
"""

from flask import url_for
from sqlalchemy import select

from agreements.models import Agreement, AgreementVersion
from jit.audit.visibility import numeric_ids
from jit.extensions import db
from jit.permissions import Permission


def openable_agreement(access, objects: dict[str, set[str]]) -> dict:
    """Return the agreement objects among ``objects`` that ``access`` may open."""
    opened: dict = {}
    code = access.team.code
    if access.can(Permission.VIEW_AGREEMENT):
        overview = url_for("agreements.overview", code=code)
        for object_type in ("agreements", "agreement_signatures"):
            opened |= dict.fromkeys(
                ((object_type, i) for i in objects.get(object_type, ())), overview
            )
        version_ids = numeric_ids(objects.get("agreement_versions", ()))
        if version_ids:
            rows = db.session.execute(
                select(AgreementVersion.id, AgreementVersion.number)
                .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
                .where(AgreementVersion.id.in_(version_ids), Agreement.team_id == access.team.id)
            )
            for version_id, number in rows:
                opened[("agreement_versions", str(version_id))] = url_for(
                    "agreements.version", code=code, number=number
                )
    if access.can(Permission.MANAGE_ALL_MEMBERSHIPS):
        for invitation_id in numeric_ids(objects.get("agreement_invitations", ())):
            opened[("agreement_invitations", str(invitation_id))] = url_for(
                "agreements.invitation", code=code, invitation_id=invitation_id
            )
    if access.can(Permission.VIEW_DASHBOARD):
        evaluations = url_for("agreements.evaluation_overview", code=code)
        for object_type in ("evaluations", "evaluation_contributions"):
            opened |= dict.fromkeys(
                ((object_type, i) for i in objects.get(object_type, ())), evaluations
            )
    return opened
