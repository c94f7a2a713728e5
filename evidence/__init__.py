"""Evidence: items, files in a content-addressed blob store, the signed chain of custody.

See docs/architecture.md. :func:`init_app` connects the evidence register to the core's
hooks (jit/signals.py), adds the ``jit evidence`` commands and creates the instance's
signing key (jit/signing.py) on first run.
"""

from flask import Flask

from jit import signals


def init_app(app: Flask) -> None:
    from evidence import access, closeout
    from evidence.backup import custody_heads
    from evidence.bundles.tally import requests_issued
    from evidence.cli import evidence_cli
    from evidence.record import openable_evidence
    from evidence.search_kinds import search_kinds

    # The chat links #exhibit references only to items the reader may open.
    signals.exhibit_links.connect(access.exhibit_links)
    signals.search_kinds.connect(search_kinds)
    app.cli.add_command(evidence_cli)
    signals.chain_heads.connect(custody_heads)
    signals.record_visibility.connect(openable_evidence)
    signals.legal_requests_issued.connect(requests_issued)  # the evaluation's counts
    signals.closeout_payload.connect(closeout.closeout_payload)
    signals.retention_inventory.connect(closeout.retention_inventory)
    signals.blobs_in_use.connect(closeout.blobs_in_use)
    with app.app_context():
        from jit.signing import signing_key

        signing_key()
