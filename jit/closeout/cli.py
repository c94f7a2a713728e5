"""``jit retention …``: what retention would delete, deleting it, and its certificates."""

import getpass
import json
import socket
import sys
from pathlib import Path

import click
from sqlalchemy import select

from jit.closeout import retention
from jit.closeout.models import DeletionCertificate
from jit.extensions import db
from jit.teams.models import Team


@click.group("retention")
def retention_command():
    """Retention of closed teams: dry run, deletion with a certificate, periods."""


def _team(code: str) -> Team:
    team = db.session.scalar(select(Team).where(Team.code == code.strip().upper()))
    if team is None:
        raise click.ClickException(f"No team with the code {code!r}.")
    return team


@retention_command.command("run")
@click.option("--apply", "do_apply", is_flag=True, help="Delete what is due (default: dry run).")
@click.option("--team", "code", default=None, help="Only this team (its code).")
def run_command(do_apply: bool, code: str | None):
    """Say what is due for deletion; with --apply, delete it and issue certificates."""
    teams = [_team(code)] if code else list(db.session.scalars(select(Team).order_by(Team.code)))
    operator = f"{getpass.getuser()}@{socket.gethostname()} (jit retention run --apply)"
    refused = 0
    for team in teams:
        standing = retention.standing(team)
        click.echo(standing.explanation())
        if standing.state != retention.DUE:
            if code and do_apply:
                raise click.ClickException(f"{standing.explanation()} Nothing was deleted.")
            continue
        if not do_apply:
            for table, count in sorted(retention.plan(team).items()):
                click.echo(f"  would delete {count:>8} row(s) of {table}")
            continue
        try:
            certificate = retention.apply(team, operator=operator)
        except retention.RetentionError as problem:
            click.echo(f"  REFUSED: {problem}", err=True)
            refused += 1
            continue
        body = json.loads(certificate.body)
        click.echo(
            f"  deleted {sum(body['rows_deleted'].values())} row(s) and "
            f"{len(body['blobs_removed'])} blob(s); certificate {certificate.id}, "
            f"SHA-256 {certificate.sha256}"
        )
    if not do_apply:
        click.echo("\nDry run: nothing was deleted. Add --apply to delete what is due.")
    if refused:
        sys.exit(1)


@retention_command.command("period")
@click.argument("code")
@click.argument("days", type=int)
def period_command(code: str, days: int):
    """Set a team's own retention period in days (counted from its closing)."""
    team = _team(code)
    try:
        retention.set_period(team, days)
    except retention.RetentionError as problem:
        raise click.ClickException(str(problem)) from None
    db.session.commit()
    click.echo(retention.standing(team).explanation())


@retention_command.command("certificate")
@click.argument("code")
@click.option("--output", type=click.Path(path_type=Path), help="Also write it as JSON here.")
def certificate_command(code: str, output: Path | None):
    """Show a team's deletion certificate and check it (hash, signature, audit entry)."""
    team = _team(code)
    certificate = db.session.scalar(
        select(DeletionCertificate)
        .where(DeletionCertificate.team_id == team.id)
        .order_by(DeletionCertificate.id.desc())
        .limit(1)
    )
    if certificate is None:
        raise click.ClickException(f"{team.code} has no deletion certificate.")
    document = retention.certificate_document(certificate)
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if output is not None:
        output.write_text(text, encoding="utf-8")
    click.echo(text, nl=False)
    problems = retention.verify_certificate(certificate)
    for problem in problems:
        click.echo(f"BAD  {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"Certificate {certificate.id} verifies (SHA-256 {certificate.sha256}).")
