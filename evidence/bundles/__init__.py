"""Legal requests out of the team (bundles): MLA, EIO, EAW, extradition, firearms tracing.

Each type is defined as data in ``instruments/``; ``services.py`` holds every write,
``pdf.py`` and ``pades.py`` the signed request PDF, ``document.py`` its JSON. See
docs/bundles.md.
"""


def init_app(app) -> None:
    """Let reviewers read the items of the bundles shared with them."""
    from evidence.bundles.access import shared_evidence
    from jit import signals

    signals.shared_evidence.connect(shared_evidence)
