"""Full-text case search: one interface, Whoosh or PostgreSQL behind it, kept in step by an outbox.

Domain packages register what they index through ``jit.signals.search_kinds`` (see
``search/registry.py``); ``init_app`` collects them, watches their models so every
change writes an outbox row in its own transaction, and starts the one index writer.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from pathlib import Path

    from jit import signals
    from search import outbox, registry
    from search.backends import backend_name
    from search.cli import clear_team_index, rebuild_after_restore, search_cli

    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(Path(app.instance_path) / "search-index")
    backend_name(app)  # refuse a misspelt JIT_SEARCH_BACKEND at start
    registry.collect(app)
    outbox.install(app)
    app.cli.add_command(search_cli)
    signals.instance_restored.connect(rebuild_after_restore)
    signals.team_content_deleted.connect(clear_team_index)
