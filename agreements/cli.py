"""The ``jit agreements`` commands: bring due versions into force, print each status."""

import click
from sqlalchemy import select

from agreements.signing import apply_due
from agreements.status import team_status
from jit.extensions import db
from jit.teams.models import Team


@click.group("agreements")
def agreements_command():
    """Work with the teams' agreements."""


@agreements_command.command("apply-due")
def apply_due_command():
    """Bring into force every signed version whose day has come (run daily)."""
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
    for team in db.session.scalars(select(Team).order_by(Team.code)):
        status = team_status(team)
        click.echo(f"{team.code:<24} {status.label:<14} {status.explanation()}")
