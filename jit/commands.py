"""The ``jit`` commands: run the server, migrate, seed the demo, manage accounts, verify logs.

The app factory adds them to ``app.cli``; the console script is :mod:`jit.cli`.
"""

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from jit.extensions import db


def apply_migrations() -> None:
    """Bring the database schema to the newest migration.

    Then sign the audit chain heads written before heads were signed (migrations do not
    hold the instance's key): only those whose chains verify.
    """
    upgrade(directory=current_app.extensions["migrate"].directory)
    _sign_heads_written_before_signing()


def _sign_heads_written_before_signing() -> None:
    from jit.audit.services import sign_unsigned_heads

    sign_unsigned_heads()


def _at_newest_migration() -> bool:
    from jit.operations.health import at_newest_migration

    return at_newest_migration()


def _db_commands() -> click.Group:
    """Flask-Migrate's ``db`` commands, whose ``upgrade`` also signs old audit chain heads.

    Without it, an instance migrated with ``jit db upgrade`` alone would have
    ``jit audit verify`` report its older chains as unsigned until the next ``jit run``.
    """
    from flask_migrate.cli import db as migrate_commands

    commands = click.Group(
        "db",
        commands=dict(migrate_commands.commands),
        callback=migrate_commands.callback,  # takes the group's -d and -x
        params=migrate_commands.params,
        help=migrate_commands.help,
    )
    plain_upgrade = migrate_commands.commands["upgrade"]

    @with_appcontext
    def upgrade_then_sign(**params):
        click.get_current_context().invoke(plain_upgrade.callback, **params)
        if not params["sql"] and _at_newest_migration():
            _sign_heads_written_before_signing()

    commands.add_command(
        click.Command(
            "upgrade",
            callback=upgrade_then_sign,
            params=plain_upgrade.params,
            help=plain_upgrade.help,
            short_help=plain_upgrade.short_help,
        )
    )
    return commands


def register_commands(app: Flask) -> None:
    from jit.closeout.cli import retention_command
    from jit.operations.cli import (
        backup_command,
        bag_command,
        deploy_command,
        doctor_command,
        restore_command,
    )

    app.cli.add_command(_db_commands())
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(doctor_command)
    app.cli.add_command(deploy_command)
    app.cli.add_command(bag_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(run_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(users)
    app.cli.add_command(audit)


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--threads",
    default=128,
    show_default=True,
    type=int,
    help="Worker threads; each open chat connection holds one.",
)
@click.option(
    "--dev",
    is_flag=True,
    help="Werkzeug's development server with reloading instead of gunicorn (never in production).",
)
def run_command(host: str, port: int, threads: int, dev: bool):
    """Apply pending migrations and serve the workspace (gunicorn with WebSockets)."""
    from jit.server import serve, serve_development

    apply_migrations()
    db.engine.dispose()  # no connection may cross into the server's worker process
    app = current_app._get_current_object()
    if dev:
        click.echo(f"JIT Workspace (development server) on http://{host}:{port}/")
        serve_development(app, host=host, port=port)
        return
    click.echo(f"JIT Workspace on http://{host}:{port}/  (Ctrl+C stops it)")
    serve(app, host=host, port=port, threads=threads)


@click.command("demo")
@click.option(
    "--scale",
    type=click.IntRange(1, 200_000),
    default=None,
    help="Also seed SCALE-N: N items, 10×N custody events, 20×N chat messages.",
)
def demo_command(scale):
    """Create (once) the demo teams and accounts and print the demo sign-ins."""
    from jit.demo import seed

    apply_migrations()
    logins = seed()
    if scale:
        import time

        from jit import scale as scaled

        started = time.perf_counter()
        counts = scaled.seed(scale)
        code = scaled.scale_team_code(scale)
        if counts:
            made = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
            click.echo(f"Seeded {code} in {time.perf_counter() - started:.1f} s: {made}.")
        else:
            click.echo(f"{code} exists already; nothing added.")
    click.echo("\nDemo sign-ins (the password is the same for every demo account):")
    click.echo(f"  password: {logins.password}")
    for email, who in logins.accounts:
        click.echo(f"  {email:<34} {who}")


@click.group("users")
def users():
    """Manage accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="The person's full name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", "is_platform_admin", is_flag=True, help="Make a platform administrator.")
@click.option("--time-zone", default=None, help="IANA zone, e.g. Europe/Amsterdam.")
def create_user(email, display_name, password, is_platform_admin, time_zone):
    """Create an account."""
    from jit.accounts.services import AccountError, create_user

    try:
        user = create_user(
            email, display_name, password, is_platform_admin=is_platform_admin, time_zone=time_zone
        )
    except AccountError as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    role = "platform administrator" if is_platform_admin else "account"
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@click.group("audit")
def audit():
    """Work with the audit log."""


def _team_by_code(team_code: str):
    from jit.teams.models import Team

    team = db.session.scalar(db.select(Team).where(Team.code == team_code.strip().upper()))
    if team is None:
        raise click.ClickException(f"No team with the operation code {team_code}.")
    return team


@audit.command("verify")
@click.option("--team", "team_code", default=None, help="Only this team's chain (operation code).")
def verify_audit(team_code):
    """Re-walk the audit hash chains; exit 1 and name the first broken entry if any."""
    from jit.audit import services
    from jit.audit.models import team_chain

    team = _team_by_code(team_code) if team_code else None
    chains = [team_chain(team.id)] if team else services.all_chains()
    reports = services.verify_and_record(chains, team=team, actor=None)
    db.session.commit()
    for report in reports:
        click.echo(report.describe())
    broken = [report for report in reports if not report.is_intact]
    if broken:
        click.echo(f"{len(broken)} of {len(reports)} chains are broken.", err=True)
        sys.exit(1)
    click.echo(f"All {len(reports)} chains are intact.")


@audit.command("export")
@click.option("--team", "team_code", required=True, help="The team (operation code).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-")
def export_audit(team_code, fmt, output):
    """Write a team's whole audit log, content included, with its signed head."""
    from jit.audit import exports, services

    team = _team_by_code(team_code)
    services.record_export(team, fmt, actor=None)
    db.session.commit()
    for chunk in exports.WRITERS[fmt][1](team):
        output.write(chunk)


@audit.command("verify-export")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "--public-key",
    type=click.File("rb"),
    default=None,
    help="The workspace's public key (PEM); by default this instance's own.",
)
def verify_export_command(file, public_key):
    """Check an exported audit file against its signed head, offline.

    Exit 0 if every entry checks, 1 if the file is broken, 2 if it holds but some
    entries it shows could only be linked by their hash: redacted ones of the older
    format, or (in a log taken without the audit permission) those without their client
    address. Entries held back from the reader count as linked, not as unchecked.
    """
    from jit import signing
    from jit.audit.export_check import verify_export

    if public_key is not None:
        try:
            key = signing.verifying_key_from_pem(public_key.read())
        except ValueError as refused:
            raise click.ClickException(
                f"The public key file holds no Ed25519 key: {refused}"
            ) from None
    else:
        key = signing.signing_key()
    report = verify_export(file.read(), key)
    click.echo(report.describe())
    if not report.is_intact:
        sys.exit(1)
    if not report.is_fully_checked:
        sys.exit(2)
