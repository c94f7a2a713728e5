"""SQLite: checkpoint the write-ahead log in the background, not inside a commit.

By default SQLite copies the WAL back into the database inside the commit that
crosses 1,000 pages; that commit then holds the write lock for as long as the copy
takes (~170 ms measured under chat load), and every writer behind it waits. Here a
background thread runs ``PRAGMA wal_checkpoint(PASSIVE)`` (which never blocks writers
or readers) every ``JIT_SQLITE_CHECKPOINT_SECONDS`` after a commit, and the automatic
checkpoint is raised to a safety net for when the thread cannot keep up.
"""

import logging
import os
import sqlite3
import threading
import time
import weakref

from flask import Flask
from sqlalchemy import event

from jit.extensions import db

log = logging.getLogger(__name__)

# Pages (4 KiB each) after which a commit checkpoints by itself: ~40 MB of WAL.
AUTOCHECKPOINT_PAGES = 10_000
# A checkpointer with no commits to follow for this many intervals ends its thread.
IDLE_INTERVALS = 30


class Checkpointer:
    """Checkpoints one SQLite database's WAL from a thread of its own after commits.

    Each checkpoint opens a connection of its own rather than one from the pool: a
    pooled connection must never be copied into a forked server process, and the app
    commits (migrations) just before gunicorn forks.
    """

    def __init__(self, database: str, seconds: float):
        self._database = database
        self._seconds = seconds
        self._reset()
        # A forked process inherits this object but not the thread, and maybe a lock
        # copied while held: start afresh there. (Weakly: tests build many apps.)
        this = weakref.ref(self)
        os.register_at_fork(
            after_in_child=lambda: (checkpointer := this()) and checkpointer._reset()
        )
        # (busy, WAL frames, frames checkpointed) of the last checkpoint, for tests and ops.
        self.last_result: tuple[int, int, int] | None = None

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """Note a commit; the next checkpoint follows within the interval."""
        self._dirty.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="sqlite-checkpoint", daemon=True
                    )
                    self._thread.start()

    def checkpoint(self) -> tuple[int, int, int]:
        """Run one PASSIVE checkpoint now; return (busy, WAL frames, frames checkpointed)."""
        connection = sqlite3.connect(self._database, timeout=10)
        try:
            row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            connection.close()
        self.last_result = tuple(row)
        return self.last_result

    def _run(self) -> None:
        idle = 0
        while idle < IDLE_INTERVALS:
            # The commits of one interval are copied in one go.
            time.sleep(self._seconds)
            if not self._dirty.is_set():
                idle += 1
                continue
            idle = 0
            self._dirty.clear()
            try:
                self.checkpoint()
            except Exception:
                log.exception("the background WAL checkpoint failed")
        with self._lock:
            self._thread = None
        # A commit that came in as the thread ended starts the next one.
        if self._dirty.is_set():
            self.committed()


def init_app(app: Flask) -> None:
    """Checkpoint the app's SQLite database in the background if the settings ask for it."""
    seconds = app.config["SQLITE_CHECKPOINT_SECONDS"]
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") or seconds <= 0:
        return
    with app.app_context():
        engine = db.engine
    app.extensions["jit_wal_checkpointer"] = Checkpointer(engine.url.database, seconds)
    watch_engine(app, engine)


def watch_engine(app: Flask, engine) -> None:
    """Give ``engine``'s connections the large automatic checkpoint, and follow its commits.

    For the app's engine, and any other engine on the same database (the chat writer's).
    Nothing to do where the app has no background checkpointer.
    """
    checkpointer = app.extensions.get("jit_wal_checkpointer")
    if checkpointer is None:
        return

    @event.listens_for(engine, "connect")
    def _large_autocheckpoint(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "commit")
    def _after_commit(_connection):
        checkpointer.committed()
