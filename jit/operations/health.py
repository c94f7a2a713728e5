"""``/healthz`` and ``/readyz`` for load balancers and process supervisors.

Both answer without a session, write nothing and leave nothing in the audit log: a
probe every few seconds must not bury the record people read.
"""

import os
import secrets
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from jit.extensions import db

bp = Blueprint("operations", __name__)

REDIS_TIMEOUT_SECONDS = 2


def blob_root() -> Path:
    """Return the folder of the evidence blob store (``JIT_BLOB_DIR`` or ``<instance>/blobs``)."""
    configured = current_app.config.get("BLOB_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "blobs"


def newest_migrations() -> set[str]:
    """Return the head revisions of the migration scripts (read once per process)."""
    cached = current_app.extensions.get("jit_migration_heads")
    if cached is None:
        from alembic.script import ScriptDirectory

        config = current_app.extensions["migrate"].migrate.get_config(
            current_app.extensions["migrate"].directory
        )
        cached = frozenset(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["jit_migration_heads"] = cached
    return set(cached)


def at_newest_migration() -> bool:
    """Return whether the database's schema is at the newest migration.

    Reads ``alembic_version`` itself: Alembic's migration context would log two lines
    for every readiness probe.
    """
    try:
        with db.engine.connect() as connection:
            current = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        return False  # no alembic_version table: never migrated
    return current == newest_migrations()


def _check_database() -> str | None:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return f"database not reachable: {type(error).__name__}"
    if not at_newest_migration():
        return "database schema is not at the newest migration (run `jit db upgrade`)"
    return None


def _check_blob_store() -> str | None:
    folder = blob_root()
    probe = folder / "tmp" / f"readyz-{secrets.token_hex(6)}"
    try:
        probe.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        probe.unlink()
    except OSError as error:
        return f"blob store not writable: {error.strerror or error}"
    return None


def _check_redis() -> str | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        return f"Redis not reachable: {type(error).__name__}"
    return None


READINESS_CHECKS = {
    "database": _check_database,
    "blob_store": _check_blob_store,
    "redis": _check_redis,
}


@bp.get("/healthz")
def healthz():
    """Answer while the process serves requests at all."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Answer 200 when the database, its schema, the blob store and Redis are usable."""
    checks = {}
    for name, check in READINESS_CHECKS.items():
        problem = check()
        checks[name] = problem or "ok"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
