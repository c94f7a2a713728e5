"""The outbox that keeps the index in step with the database, and its one writer.

Every flush that touches a model a kind watches writes outbox rows on the same
connection, so they commit or roll back with the change. One drainer turns them into
index writes: a background thread in the one process that holds the writer lock
(Whoosh: an ``flock`` on ``<index dir>/writer.lock``; PostgreSQL: an advisory lock per
batch). Rows a dead process left behind are drained when a writer next starts, and
draining twice is harmless (documents are replaced, not appended).
"""

import fcntl
import os
import threading
import time
from collections import defaultdict
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Session

from jit.clock import utcnow
from jit.extensions import db
from search.backends import get_backend
from search.models import OutboxEntry
from search.registry import kinds, load

BATCH = 200
_WAKE = "search_outbox_wake"
# Any constant: the key of the PostgreSQL advisory lock the drainer holds per batch.
ADVISORY_LOCK_KEY = 0x5EA4C4


def install(app: Flask) -> None:
    """Prepare the app's search state; the worker starts with the first request."""
    app.extensions["search"] = {"worker": None, "lock": threading.Lock()}
    if app.config.get("SEARCH_WORKER"):

        @app.before_request
        def _start_writer() -> None:
            ensure_worker(app)


# --- Filling the outbox ---------------------------------------------------------------


def _watchers(app: Flask) -> dict[type, list[tuple[str, object]]]:
    state = app.extensions["search"]
    if "watchers" not in state:
        watchers: dict[type, list] = defaultdict(list)
        for kind in kinds(app).values():
            for model, affected in kind.watch.items():
                watchers[model].append((kind.name, affected))
        state["watchers"] = dict(watchers)
    return state["watchers"]


def _app():
    if not has_app_context():
        return None
    app = current_app._get_current_object()
    return app if "search" in app.extensions else None


def _queue(session: Session, objects) -> None:
    app = _app()
    if app is None:
        return
    watchers = _watchers(app)
    wanted = set()
    for obj in objects:
        for kind_name, affected in watchers.get(type(obj), ()):
            wanted.update((kind_name, object_id) for object_id in affected(obj))
    if not wanted:
        return
    now = utcnow()
    session.connection().execute(
        insert(OutboxEntry),
        [{"kind": k, "object_id": i, "created_at": now} for k, i in sorted(wanted)],
    )
    session.info[_WAKE] = True


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context):
    _queue(session, [*session.new, *session.dirty, *session.deleted])


@event.listens_for(Session, "do_orm_execute")
def _orm_insert(state):
    """Catch rows written by an ORM ``INSERT … RETURNING`` (they bypass the flush)."""
    app = _app()
    if app is None or not state.is_insert or not state.statement._returning:
        # A bulk INSERT without RETURNING (a fixture, a migration) names no rows to
        # queue; `jit search check` finds such rows and `reindex` adds them.
        return None
    watched = tuple(m.class_ for m in state.all_mappers if m.class_ in _watchers(app))
    if not watched:
        return None
    frozen = state.invoke_statement().freeze()
    rows = frozen().all()
    _queue(state.session, [row[0] for row in rows if row and isinstance(row[0], watched)])
    return frozen()


@event.listens_for(Session, "after_commit")
def _wake_writer(session):
    if session.info.pop(_WAKE, False):
        app = _app()
        worker = app.extensions["search"].get("worker") if app else None
        if worker is not None:
            worker.wake()


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_WAKE, None)


# --- Draining it ------------------------------------------------------------------------


class WriterLock:
    """An exclusive ``flock`` on the index folder: one writing process per instance."""

    def __init__(self, folder):
        self.path = Path(folder) / "writer.lock"
        self.handle = None

    def acquire(self, timeout: float = 0) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115  (held until release)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    return False
                time.sleep(0.1)
                continue
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            self.handle = handle
            return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


class WriterBusy(RuntimeError):
    """Another process owns the index writer."""


def _needs_file_lock(app: Flask) -> bool:
    return get_backend(app).name == "whoosh"


def documents_for(app: Flask, entries) -> tuple[dict, list[str]]:
    """Load what the entries name: documents per team, and the uids to forget."""
    registered = kinds(app)
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        wanted[entry.kind].add(entry.object_id)
    upserts, gone = defaultdict(list), []
    for kind_name, ids in wanted.items():
        kind = registered.get(kind_name)
        found = load(kind, sorted(ids)) if kind else {}
        for object_id in sorted(ids):
            document = found.get(object_id)
            if document is None:
                gone.append(f"{kind_name}:{object_id}")
            else:
                upserts[document.team_id].append(document)
    return upserts, gone


def _drain_batch(app: Flask) -> int:
    backend = get_backend(app)
    statement = select(OutboxEntry).order_by(OutboxEntry.id).limit(BATCH)
    if backend.name == "postgresql":
        got = db.session.scalar(select(func.pg_try_advisory_xact_lock(ADVISORY_LOCK_KEY)))
        if not got:
            db.session.rollback()
            return 0
    entries = list(db.session.scalars(statement))
    if not entries:
        db.session.rollback()
        return 0
    upserts, gone = documents_for(app, entries)
    # Forget first: a document that moved out of reach must not outlive a batch.
    if gone:
        backend.delete_everywhere(gone)
    for team_id in sorted(upserts):
        backend.apply(team_id, upserts[team_id], [])
    db.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_([e.id for e in entries])))
    db.session.commit()
    return len(entries)


def drain_held(app: Flask) -> int:
    """Drain the whole outbox; the caller holds the writer lock."""
    total = 0
    while True:
        done = _drain_batch(app)
        if not done:
            return total
        total += done


def drain(app: Flask, timeout: float = 30) -> int:
    """Take the writer lock and drain the whole outbox (CLI, tests, crash recovery)."""
    if not _needs_file_lock(app):
        return drain_held(app)
    lock = WriterLock(app.config["SEARCH_INDEX_DIR"])
    if not lock.acquire(timeout):
        raise WriterBusy("Another process holds the search index writer (see docs/search.md).")
    try:
        return drain_held(app)
    finally:
        lock.release()


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEntry)) or 0


class Worker:
    """The background thread that owns the index writer in this process."""

    def __init__(self, app: Flask):
        self.app = app
        self.pid = os.getpid()
        self.event = threading.Event()
        self.stopped = False
        self.lock = WriterLock(app.config["SEARCH_INDEX_DIR"]) if _needs_file_lock(app) else None
        self.owns = self.lock is None
        self.thread = threading.Thread(target=self.run, name="search-writer", daemon=True)

    def wake(self) -> None:
        self.event.set()

    def stop(self) -> None:
        self.stopped = True
        self.event.set()
        self.thread.join(timeout=10)
        if self.lock is not None:
            self.lock.release()

    def run(self) -> None:
        poll = self.app.config.get("SEARCH_POLL_SECONDS", 2)
        gather = self.app.config.get("SEARCH_GATHER_SECONDS", 0.5)
        while not self.stopped:
            # A process without the lock keeps trying: it takes over when the owner exits.
            if not self.owns:
                self.owns = self.lock.acquire(0)
            if self.owns:
                with self.app.app_context():
                    try:
                        drain_held(self.app)
                    except Exception:
                        self.app.logger.exception("search: draining the outbox failed")
                        db.session.rollback()
                    finally:
                        db.session.remove()
            woken = self.event.wait(poll)
            self.event.clear()
            if woken and gather > 0 and not self.stopped:
                # Let the burst that woke the writer gather: one index commit for a busy
                # chat's messages of the last half second, not one (with its segment
                # merge) for every few, taking the CPU from the deliveries meanwhile.
                time.sleep(gather)


def ensure_worker(app: Flask) -> "Worker":
    """Start this process's writer thread once (again in a forked child)."""
    state = app.extensions["search"]
    with state["lock"]:
        worker = state.get("worker")
        if worker is None or worker.pid != os.getpid():
            worker = Worker(app)
            state["worker"] = worker
            worker.thread.start()
        return worker
