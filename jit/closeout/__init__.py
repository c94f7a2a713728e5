"""A team's end: each party's close-out archive, retention, legal hold, certified deletion.

See docs/operations.md ("Close-out and retention"). The core builds and keeps the
archives and deletes a team's content; the domain packages say what goes into an
archive and what a deletion removed through hooks of jit/signals.py.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Connect the close-out's own answers to the core's hooks."""
    from jit import signals
    from jit.closeout import hooks

    signals.gate.connect(hooks.refuse_after_deletion)
    signals.blobs_in_use.connect(hooks.archives_in_use)
    signals.record_visibility.connect(hooks.openable_archives)
