"""The ``jit`` console script: a Flask command group that builds the workspace app.

The commands live in :mod:`jit.commands` (and in the domain packages' ``init_app``)
and the app factory adds them; this module only builds the app for them, so the
factory and the commands do not import each other. The offline checks of a package
(:data:`jit.packages.OFFLINE_COMMANDS`) are the exception: they are found without the
app, by name, through the composition point.
"""

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, shell_command

from jit.packages import OFFLINE_COMMANDS, offline_command

# Commands that check a package someone was sent, on a machine with no workspace: a
# court clerk's laptop. Building the app would write ``./instance/`` wherever they run
# it (a secret key, a fresh signing key, compiled translations), so these are imported
# by name when asked for (jit.packages) and run without the app. They need none; the app
# adds them too (its ``init_app``), so the server's own ``jit`` and the test runner list
# them as ever.
# Without the app no ``init_app`` has connected a ``bag_checks`` receiver: a package's
# own checks belong in its command, as ``verify_package`` runs the custody checks.


def _make_app() -> Flask:
    # Imported here, when a command runs: a PDF renderer process re-runs the ``jit``
    # script as its main module (jit.pdf.FORK_SERVER_PRELOAD) and needs no app.
    from jit.app import create_app

    return create_app()


class _WorkspaceGroup(FlaskGroup):
    """Flask's command group, with :data:`OFFLINE_COMMANDS` found before any app is built."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in OFFLINE_COMMANDS and (command := offline_command(name)) is not None:
            return command
        return super().get_command(ctx, name)


@click.group(
    cls=_WorkspaceGroup,
    create_app=_make_app,
    add_default_commands=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main():
    """JIT Workspace: a collaboration workspace for joint investigation teams."""


main.add_command(shell_command)
main.add_command(routes_command)
