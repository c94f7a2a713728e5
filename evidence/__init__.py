"""Evidence: items, files in a content-addressed blob store, the signed chain of custody.

See docs/architecture.md. :func:`init_app` adds the ``jit evidence`` commands and
creates the instance's signing key (jit/signing.py) on first run.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from evidence.backup import custody_heads
    from evidence.cli import evidence_cli
    from evidence.record import openable_evidence
    from evidence.search_kinds import search_kinds
    from jit import signals

    signals.search_kinds.connect(search_kinds)
    app.cli.add_command(evidence_cli)
    signals.chain_heads.connect(custody_heads)
    signals.record_visibility.connect(openable_evidence)
    with app.app_context():
        from jit.signing import signing_key

        signing_key()
