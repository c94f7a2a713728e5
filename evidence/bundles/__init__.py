"""Legal requests out of the team (bundles): MLA, EIO, EAW, extradition, firearms tracing.

Each type is defined as data in ``instruments/``; ``services.py`` holds every write,
``pdf.py`` and ``pades.py`` the signed request PDF, ``document.py`` its JSON,
``package.py`` the signed BagIt package written at finalising and ``verify.py`` its
offline check. See docs/bundles.md.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Add the ``jit bundle`` commands, the requests' search kind, and reviewers' reading.

    A party's close-out archive takes its own requests, with their tracking, from here.
    """
    from evidence.bundles import closeout
    from evidence.bundles.access import shared_evidence
    from evidence.bundles.cli import bundle_cli
    from evidence.bundles.search_kinds import search_kinds
    from jit import signals

    app.cli.add_command(bundle_cli)
    signals.search_kinds.connect(search_kinds)
    signals.shared_evidence.connect(shared_evidence)
    signals.closeout_payload.connect(closeout.closeout_payload)
