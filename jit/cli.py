"""The ``jit`` console script: a Flask command group that builds the workspace app.

The commands live in :mod:`jit.commands` (and in the domain packages' ``init_app``)
and the app factory adds them; this module only builds the app for them, so the
factory and the commands do not import each other.
"""

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, shell_command


def _make_app() -> Flask:
    # Imported here, when a command runs: a PDF renderer process re-runs the ``jit``
    # script as its main module (jit.pdf.FORK_SERVER_PRELOAD) and needs no app.
    from jit.app import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_make_app,
    add_default_commands=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main():
    """JIT Workspace: a collaboration workspace for joint investigation teams."""


main.add_command(shell_command)
main.add_command(routes_command)
