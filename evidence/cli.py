"""``jit evidence …``: verify chains and files, sweep the blob store, finish text extraction."""

import sys

import click
from flask import current_app
from sqlalchemy import select

from jit import signals
from jit.extensions import db


@click.group("evidence")
def evidence_cli():
    """Work with evidence: verification, blob store, text extraction."""


def _teams(team_code: str | None):
    from jit.teams.models import Team

    if team_code:
        team = db.session.scalar(select(Team).where(Team.code == team_code.strip().upper()))
        if team is None:
            raise click.ClickException(f"No team with the operation code {team_code}.")
        return [team]
    return list(db.session.scalars(select(Team).order_by(Team.code)))


@evidence_cli.command("verify")
@click.option("--team", "team_code", default=None, help="Only this team (operation code).")
@click.option(
    "--no-files", is_flag=True, help="Check the chains and signatures only, not the stored bytes."
)
def verify_command(team_code, no_files):
    """Re-hash every stored file, re-walk every chain; exit 1 naming the first break."""
    from evidence import custody, verification
    from evidence.models import EvidenceItem

    broken_teams = 0
    for team in _teams(team_code):
        items = list(
            db.session.scalars(
                select(EvidenceItem)
                .where(EvidenceItem.team_id == team.id)
                .order_by(EvidenceItem.id)
            )
        )
        result = custody.verify_items(items, check_files=not no_files)
        verification.record_verification(team, result, actor=None)
        db.session.commit()
        click.echo(f"{team.code}: {result.summary()}")
        for problem in result.problems[1:]:
            click.echo(f"  also: {problem}")
        broken_teams += not result.is_intact
    if broken_teams:
        click.echo(f"{broken_teams} team(s) with broken evidence or custody.", err=True)
        sys.exit(1)


@evidence_cli.command("gc")
@click.option(
    "--grace-minutes",
    default=60,
    show_default=True,
    type=int,
    help="Keep unreferenced blobs younger than this (an upload may be committing).",
)
def gc_command(grace_minutes):
    """Remove blobs no evidence file references (left by a crash) and stale temp files."""
    from evidence import storage
    from evidence.bundles.models import Bundle, BundleTranslation, PackageReport
    from evidence.models import EvidenceFile

    referenced = set(db.session.scalars(select(EvidenceFile.sha256).distinct()))
    referenced |= set(db.session.scalars(select(BundleTranslation.sha256).distinct()))
    # The signed PDFs and the packages of final requests live in the blob store too, and
    # the custody reports made ahead for packages.
    for column in (Bundle.pdf_sha256, Bundle.package_sha256, PackageReport.pdf_sha256):
        referenced |= set(db.session.scalars(select(column).where(column.is_not(None))))
    # Blobs other packages keep (close-out archives) are named through the hook.
    on_disk = {path.name for path in storage.iter_blobs()} - referenced
    referenced |= set(
        signals.values(signals.blobs_in_use, current_app._get_current_object(), candidates=on_disk)
    )
    report = storage.collect_garbage(referenced, grace_seconds=grace_minutes * 60)
    for sha256 in report.removed_blobs:
        click.echo(f"removed unreferenced blob {sha256}")
    click.echo(
        f"Removed {len(report.removed_blobs)} unreferenced blob(s) and "
        f"{report.removed_temp_files} abandoned temporary file(s); kept {report.kept_recent} "
        f"younger than {grace_minutes} minutes."
    )


@evidence_cli.command("extract")
def extract_command():
    """Extract the text of every file still waiting for it (after a restart)."""
    from evidence import extraction

    pending = extraction.pending_file_ids()
    for file_id in pending:
        extraction.extract_file(file_id)
    click.echo(f"Extracted {len(pending)} file(s).")
