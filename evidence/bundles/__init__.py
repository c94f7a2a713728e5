"""Legal requests out of the team (bundles): MLA, EIO, EAW, extradition, firearms tracing.

Each type is defined as data in ``instruments/``; ``services.py`` holds every write,
``pdf.py`` and ``pades.py`` the signed request PDF, ``document.py`` its JSON. See
docs/bundles.md.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from evidence.bundles.search_kinds import search_kinds
    from jit import signals

    signals.search_kinds.connect(search_kinds)
