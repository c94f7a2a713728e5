"""Bringing signed versions into force on their day, before anyone looks at the team."""

from datetime import timedelta

from flask import request
from sqlalchemy import select

from agreements.models import Agreement, AgreementVersion
from agreements.signing import apply_due
from agreements.status import agreement_of, today
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.models import Team


def team_with_version_due(code: str) -> Team | None:
    """Return the team with ``code`` if a signed version of its agreement is due, else None.

    The query asks for the date it is somewhere on Earth (UTC+14), so it finds every
    candidate; the agreement's own zone then decides.
    """
    latest_today = (utcnow() + timedelta(hours=14)).date()
    team = db.session.scalar(
        select(Team)
        .join(Agreement, Agreement.team_id == Team.id)
        .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
        .where(
            Team.code == code,
            AgreementVersion.fully_signed_at.is_not(None),
            AgreementVersion.withdrawn_at.is_(None),
            AgreementVersion.applied_at.is_(None),
            AgreementVersion.effective_from <= latest_today,
        )
        .limit(1)
    )
    if team is None:
        return None
    agreement = agreement_of(team)
    due = [
        v
        for v in agreement.versions
        if v.is_fully_signed and not v.is_withdrawn and v.applied_at is None
    ]
    return team if any(v.effective_from <= today(agreement) for v in due) else None


def bring_due_versions_into_force() -> None:
    """Apply a version whose day of entry into force has come, before the team is shown.

    Membership must follow the agreement on the day it takes effect even if nobody
    signs anything that day; ``jit agreements apply-due`` does the same from cron.
    """
    code = (request.view_args or {}).get("code")
    if not code:
        return
    team = team_with_version_due(code)
    if team is not None:
        apply_due(team, actor=None)
        db.session.commit()
