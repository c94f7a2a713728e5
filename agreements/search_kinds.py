"""The agreement in the case search: the text of each version."""

from flask import url_for
from sqlalchemy import select

from agreements.models import Agreement, AgreementVersion
from jit.extensions import db
from jit.permissions import Permission

READER = "agreement"


def _strings(value) -> list[str]:
    """Every string inside the structured content, in order."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def version_documents(ids: list[int]) -> dict:
    from search.registry import Document

    rows = db.session.execute(
        select(AgreementVersion, Agreement.team_id)
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .where(AgreementVersion.id.in_(ids))
    ).all()
    return {
        version.id: Document(
            kind="agreement",
            object_id=version.id,
            team_id=team_id,
            title=f"Agreement version {version.number} ({version.kind})",
            body="\n".join([version.change_summary, *_strings(version.content)]),
            occurred_at=version.created_at,
            readers=(READER,),
            ref=str(version.number),
        )
        for version, team_id in rows
    }


def search_kinds(_app):
    """Register agreement versions with the case search."""
    from search.registry import SearchKind

    return SearchKind(
        name="agreement",
        label="Agreement",
        documents=version_documents,
        ids_of_team=lambda team_id: db.session.scalars(
            select(AgreementVersion.id)
            .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
            .where(Agreement.team_id == team_id)
        ),
        reader_tokens=lambda access: {READER} if access.can(Permission.VIEW_AGREEMENT) else set(),
        link=lambda code, ref: url_for("agreements.version", code=code, number=int(ref)),
        watch={AgreementVersion: lambda version: [version.id]},
    )
