"""Agreements: the JIT agreement as structured, versioned, signed data; evaluation.

See docs/agreements.md. ``init_app`` installs the agreement as the workspace's gate
(:mod:`jit.gates`), brings signed versions into force when their day comes, and adds
the ``jit agreements`` commands and the ``agreement_status`` template helper.
"""

import click
from flask import Flask, request
from sqlalchemy import select


def init_app(app: Flask) -> None:
    from agreements import gate
    from agreements.record import openable_agreement
    from agreements.search_kinds import search_kinds
    from jit import gates, signals

    signals.search_kinds.connect(search_kinds)
    gates.set_provider(gate.decide)
    # Evidence records the version in force with every custody event (evidence/custody.py).
    app.extensions["agreement_version"] = gate.version_label
    # Evidence asks whether participants may read evidence (evidence/access.py).
    app.extensions["participants_read_evidence"] = gate.participants_read_evidence
    app.before_request(_bring_due_versions_into_force)
    app.jinja_env.globals["agreement_status"] = _status_for_template
    app.jinja_env.globals["agreement_legal_bases"] = _legal_bases
    app.cli.add_command(agreements_command)
    signals.record_visibility.connect(openable_agreement)


def _status_for_template(team):
    from agreements.status import team_status

    return team_status(team)


def _legal_bases() -> dict:
    from agreements.content import LEGAL_BASES

    return LEGAL_BASES


def _bring_due_versions_into_force() -> None:
    """Apply a version whose day of entry into force has come, before the team is shown.

    Membership must follow the agreement on the day it takes effect even if nobody
    signs anything that day; ``jit agreements apply-due`` does the same from cron.
    """
    code = (request.view_args or {}).get("code")
    if not code:
        return
    from agreements.models import Agreement, AgreementVersion
    from agreements.services import apply_due
    from agreements.status import today
    from jit.extensions import db
    from jit.teams.models import Team

    team = db.session.scalar(
        select(Team)
        .join(Agreement, Agreement.team_id == Team.id)
        .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
        .where(
            Team.code == code,
            AgreementVersion.fully_signed_at.is_not(None),
            AgreementVersion.withdrawn_at.is_(None),
            AgreementVersion.applied_at.is_(None),
            AgreementVersion.effective_from <= today(),
        )
        .limit(1)
    )
    if team is not None:
        apply_due(team, actor=None)
        db.session.commit()


@click.group("agreements")
def agreements_command():
    """Work with the teams' agreements."""


@agreements_command.command("apply-due")
def apply_due_command():
    """Bring into force every signed version whose day has come (run daily)."""
    from agreements.services import apply_due
    from jit.extensions import db
    from jit.teams.models import Team

    total = 0
    for team in db.session.scalars(select(Team).order_by(Team.code)):
        applied = apply_due(team, actor=None)
        if applied:
            click.echo(f"{team.code}: {applied} version(s) entered into force")
        total += applied
    db.session.commit()
    click.echo(f"{total} version(s) brought into force.")


@agreements_command.command("status")
def status_command():
    """Print each team's agreement status."""
    from agreements.status import team_status
    from jit.extensions import db
    from jit.teams.models import Team

    for team in db.session.scalars(select(Team).order_by(Team.code)):
        status = team_status(team)
        click.echo(f"{team.code:<24} {status.label:<14} {status.explanation()}")
