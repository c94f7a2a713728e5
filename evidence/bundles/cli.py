"""``jit bundle verify``: check a request's package offline, without the server."""

import sys
from pathlib import Path

import click


@click.group("bundle")
def bundle_cli():
    """Work with the packages of legal requests."""


@bundle_cli.command("verify")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--fingerprint", default=None, help="The SHA-256 fingerprint the signer must have.")
def verify_command(path: Path, fingerprint: str | None):
    """Check a package (ZIP or unpacked folder): bag, signature, every custody chain."""
    from evidence.bundles.verify import verify_package
    from jit.bags import BagError

    try:
        result = verify_package(path, fingerprint)
    except BagError as refused:
        raise click.ClickException(f"{refused}; nothing was extracted or checked.") from None
    for name, ok, detail in result.checks:
        click.echo(f"{'ok ' if ok else 'BAD'}  {name}: {detail}")
    if not result.is_intact:
        click.echo(f"\n{path} does NOT verify ({len(result.problems)} problem(s)):", err=True)
        for problem in result.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(f"\n{path} verifies.")
