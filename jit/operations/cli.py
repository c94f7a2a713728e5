"""``jit backup``, ``jit restore`` and ``jit doctor``."""

import sys
from pathlib import Path

import click
from flask import current_app

from jit.extensions import db
from jit.operations import backup as backups
from jit.operations import deploy, doctor


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--verify", "verify_only", is_flag=True, help="Check the newest snapshot in DEST.")
@click.option("--snapshot", default=None, help="With --verify: the snapshot to check.")
def backup_command(dest: Path, verify_only: bool, snapshot: str | None):
    """Take an online backup into DEST (incremental blobs), or check one with --verify."""
    try:
        if verify_only:
            _verify(dest, snapshot)
            return
        report = backups.backup(dest, show_progress=sys.stdout.isatty())
    except backups.BackupError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(
        f"Snapshot {report.snapshot.name} written to {report.snapshot}: "
        f"{report.blobs_copied} new blob(s) ({report.bytes_copied} bytes) of "
        f"{report.blobs_total} copied."
    )
    if report.problems:
        for problem in report.problems:
            click.echo(f"  damaged in the blob store: {problem}", err=True)
        click.echo("The backup is written, but the instance has damaged blobs.", err=True)
        sys.exit(1)


def _verify(dest: Path, snapshot: str | None) -> None:
    folder = backups.snapshot_folder(dest, snapshot)
    problems = backups.verify(dest, snapshot)
    if problems:
        click.echo(f"Snapshot {folder.name} does NOT verify:", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    manifest = backups.load_manifest(folder)
    click.echo(
        f"Snapshot {folder.name} verifies: {len(manifest['files'])} file(s) and "
        f"{len(manifest['blobs'])} blob(s) match the signed manifest "
        f"(key {manifest['key_fingerprint']})."
    )


@click.command("restore")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--snapshot", default=None, help="The snapshot to restore (default: the newest).")
def restore_command(source: Path, snapshot: str | None):
    """Restore a backup into this empty instance, then verify the audit and custody record."""
    try:
        report = backups.restore(source, snapshot, show_progress=sys.stdout.isatty())
    except backups.BackupError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Restored snapshot {report.snapshot.name} with {report.blobs} blob(s).")
    if not report.heads_match:
        for difference in report.head_differences:
            click.echo(f"  chain head differs: {difference}", err=True)
    failures = not report.heads_match
    for group, command in (("audit", "verify"), ("evidence", "verify")):
        click.echo(f"\n$ jit {group} {command}")
        failures += _run(group, command)
    if failures:
        click.echo("\nThe restored record does NOT verify.", err=True)
        sys.exit(1)
    click.echo("\nThe restored record verifies.")


def _run(group: str, command: str) -> bool:
    """Run another ``jit`` command in this process; return True if it failed."""
    found = current_app.cli.commands.get(group)
    sub = getattr(found, "commands", {}).get(command) if found else None
    if sub is None:
        return False  # the package is not installed in this workspace
    db.session.remove()
    try:
        click.get_current_context().invoke(sub)
    except SystemExit as stopped:
        return bool(stopped.code)
    return False


@click.command("doctor")
def doctor_command():
    """Check this installation's configuration and say what is wrong."""
    findings = doctor.diagnose()
    for finding in findings:
        click.echo(finding.describe())
    problems = sum(finding.level == doctor.PROBLEM for finding in findings)
    if problems:
        click.echo(f"\n{problems} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("\nNo problem found." if not findings else "\nNo problem found; advice above.")


@click.group("deploy")
def deploy_command():
    """Render deployment files for this installation."""


@deploy_command.command("nginx")
@click.option("--port", "ports", multiple=True, type=int, required=True, help="A jit run port.")
@click.option("--server-name", default="jit.example.org", show_default=True)
@click.option("--certificate", default="/etc/ssl/jit/fullchain.pem", show_default=True)
@click.option("--certificate-key", default="/etc/ssl/jit/privkey.pem", show_default=True)
def deploy_nginx_command(ports, server_name, certificate, certificate_key):
    """Print the nginx site (docs/deploy/nginx-jit.conf) for these processes."""
    try:
        site = deploy.render_nginx_site(
            list(ports),
            server_name=server_name,
            certificate=certificate,
            certificate_key=certificate_key,
        )
    except deploy.DeployError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(site, nl=False)


@click.group("bag")
def bag_command():
    """Check packages that left the workspace."""


@bag_command.command("verify")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--fingerprint", default=None, help="The SHA-256 fingerprint the signer must have.")
def bag_verify_command(path: Path, fingerprint: str | None):
    """Check a bag (ZIP or folder) offline: oxum, manifests, tag manifest, signature."""
    from jit import bags

    try:
        result = bags.verify(path, fingerprint)
    except bags.BagError as refused:
        raise click.ClickException(str(refused)) from None
    for name, ok, detail in result.checks:
        click.echo(f"{'ok ' if ok else 'BAD'}  {name}: {detail}")
    if not result.is_intact:
        click.echo(f"\n{path} does NOT verify ({len(result.problems)} problem(s)).", err=True)
        sys.exit(1)
    click.echo(f"\n{path} verifies.")
