"""SQLite's WAL is checkpointed by a background thread, not inside the commits."""

import time

from sqlalchemy import text

from jit import wal
from jit.app import create_app
from jit.extensions import db


def _sqlite_app(tmp_path, **settings):
    return create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}",
            "SECRET_KEY": "test",
            **settings,
        }
    )


def test_commits_leave_the_checkpoint_to_the_background_thread(tmp_path):
    app = _sqlite_app(tmp_path, SQLITE_CHECKPOINT_SECONDS=1)
    checkpointer = app.extensions["jit_wal_checkpointer"]
    with app.app_context():
        assert db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == (
            wal.AUTOCHECKPOINT_PAGES
        )
        db.session.execute(text("CREATE TABLE notes (body TEXT)"))
        for _ in range(50):
            db.session.execute(text("INSERT INTO notes VALUES (:b)"), {"b": "x" * 5000})
            db.session.commit()
        deadline = time.monotonic() + 10
        while checkpointer.last_result is None and time.monotonic() < deadline:
            time.sleep(0.1)
        busy, frames, copied = checkpointer.last_result
        assert busy == 0
        assert frames > 50
        assert copied == frames
        db.session.remove()
        db.engine.dispose()


def test_zero_leaves_checkpoints_to_sqlite(tmp_path):
    app = _sqlite_app(tmp_path, SQLITE_CHECKPOINT_SECONDS=0)
    assert "jit_wal_checkpointer" not in app.extensions
    with app.app_context():
        assert db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
        db.session.remove()
        db.engine.dispose()


def test_postgresql_has_no_checkpointer(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "test",
            "SQLITE_CHECKPOINT_SECONDS": 1,
        }
    )
    assert "jit_wal_checkpointer" not in app.extensions
