"""The Alembic history builds exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from jit.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_do_not_import_application_code():
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "jit" / "migrations" / "versions"
    for migration in versions.glob("*.py"):
        source = migration.read_text(encoding="utf-8")
        for package in ("jit", "evidence", "agreements", "search"):
            assert f"import {package}" not in source, migration
            assert f"from {package}" not in source, migration


def test_the_history_is_one_line(app):
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config(
        current_app.extensions["migrate"].directory
    )
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
