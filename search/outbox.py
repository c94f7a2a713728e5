"""The outbox that keeps the index in step with the database, and its one writer.

Every flush that touches a model a kind watches writes outbox rows on the same
connection, so they commit or roll back with the change. One drainer turns them into
index writes: with Whoosh, the writer process (or thread, ``JIT_SEARCH_WRITER``) that
holds an ``flock`` on ``<index dir>/writer.lock``; with PostgreSQL, the writer process
(or thread) of any server, under an advisory lock per batch. Rows a dead process left
behind are drained when a writer next starts, and draining twice is harmless (documents
are replaced, not appended).
"""

import atexit
import contextlib
import fcntl
import gc
import multiprocessing
import os
import signal
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
    _mode(app)  # refuse a misspelt JIT_SEARCH_WRITER at start
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


def queue_written(session: Session, objects) -> None:
    """Queue rows a statement wrote outside the ORM (a Core ``INSERT`` on the session's
    connection), given as objects of their models with what the kinds' ``watch`` reads.

    An ORM flush and an ORM ``INSERT … RETURNING`` queue their rows themselves; the chat's
    group-commit writer inserts on the connection itself (jit/chat/writer.py) and names
    its rows here, in the same transaction.
    """
    _queue(session, objects)


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


def _writer_lock(app: Flask) -> "WriterLock | None":
    """The file lock a writer must hold first (Whoosh: one writer per index), or None:
    PostgreSQL's index is a table, drained one batch at a time under the advisory lock
    (:func:`_drain_batch`), so every server's writer drains."""
    return WriterLock(app.config["SEARCH_INDEX_DIR"]) if _needs_file_lock(app) else None


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


def drain_logged(app: Flask) -> int:
    """One writer round: drain the outbox, logging (not raising) a failure; return the
    changes applied."""
    with app.app_context():
        try:
            return drain_held(app)
        except Exception:
            app.logger.exception("search: draining the outbox failed")
            db.session.rollback()
            return 0
        finally:
            db.session.remove()


def tidy_logged(app: Flask) -> None:
    """Merge the index's small segments (Whoosh), stopping as soon as changes wait."""
    with app.app_context():
        try:
            get_backend(app).tidy(stop=lambda: pending() > 0)
        except Exception:
            app.logger.exception("search: merging the index's segments failed")
        finally:
            db.session.rollback()
            db.session.remove()


class Idle:
    """Whether the writer has had nothing to write for ``seconds`` and not tidied since.

    A Whoosh commit merges only small segments (search/backends/whoosh.py); the larger
    ones are merged while nothing is written, so that no change waits long behind a
    merge. ``seconds`` 0: never.
    """

    def __init__(self, seconds: float, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.changed_at = clock()
        self.tidied = False

    def note(self, changes: int) -> None:
        if changes:
            self.changed_at = self.clock()
            self.tidied = False

    def due(self) -> bool:
        return (
            self.seconds > 0 and not self.tidied and self.clock() - self.changed_at >= self.seconds
        )


def writer_round(app: Flask, idle: Idle) -> None:
    """One round of the writer that holds the index: drain the outbox; once nothing has
    changed for ``idle.seconds``, merge the index's segments (once, until a change)."""
    idle.note(drain_logged(app))
    if idle.due():
        tidy_logged(app)
        idle.tidied = True


class Worker:
    """The background thread that owns the index writer in this process.

    ``JIT_SEARCH_WRITER=thread``.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.pid = os.getpid()
        self.event = threading.Event()
        self.stopped = False
        self.lock = _writer_lock(app)
        self.owns = self.lock is None
        self.thread = threading.Thread(target=self.run, name="search-writer", daemon=True)

    def start(self) -> None:
        self.thread.start()

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
        idle = Idle(self.app.config.get("SEARCH_TIDY_SECONDS", 30))
        while not self.stopped:
            # A process without the lock keeps trying: it takes over when the owner exits.
            if not self.owns:
                self.owns = self.lock.acquire(0)
            if self.owns:
                writer_round(self.app, idle)
            woken = self.event.wait(poll)
            self.event.clear()
            if woken and gather > 0 and not self.stopped:
                # Let the burst that woke the writer gather: one index commit for a busy
                # chat's messages of the last half second, not one (with its segment
                # merge) for every few, taking the CPU from the deliveries meanwhile.
                time.sleep(gather)


def _plain(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))


def child_config(app: Flask) -> dict:
    """The settings a writer process builds its own app with: this app's, as plain data."""
    config = {key: value for key, value in app.config.items() if key.isupper() and _plain(value)}
    # The child serves no requests and renders no reports: no writer of its own in it.
    return config | {"SEARCH_WORKER": False, "REPORT_WORKERS": 0}


def _wait(wakes, seconds: float, parent_pid: int) -> bool:
    """Wait for a byte (or end of file) on ``wakes``, looking at the parent every second."""
    deadline = time.monotonic() + seconds
    while os.getppid() == parent_pid:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if wakes.poll(min(left, 1)):
            return True
    return False


def _writer_process(config: dict, wakes, parent_pid: int) -> None:
    """The writer process: hold the writer lock (Whoosh), drain the outbox when woken or
    polled.

    ``wakes`` is the read end of a pipe whose only write end the parent holds: a byte
    is a wake-up, end of file a stop (a clean one, or the parent's death, since the
    kernel closes a dead process's files). The parent's pid is checked too.
    """
    # Ctrl-C in a terminal reaches the whole process group; the server stops this
    # process itself (end of file), after the drain under way has committed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from jit.app import create_app

    app = create_app(config)
    # Indexing is background work: when the machine is busy, the server's answers (a
    # chat message's broadcast, a page) go first and the index catches up in between.
    os.nice(app.config["SEARCH_WRITER_NICE"])
    gc.collect()
    gc.freeze()
    lock = _writer_lock(app)
    poll = app.config.get("SEARCH_POLL_SECONDS", 2)
    gather = app.config.get("SEARCH_GATHER_SECONDS", 0.5)
    idle = Idle(app.config.get("SEARCH_TIDY_SECONDS", 30))
    owns = lock is None
    try:
        while os.getppid() == parent_pid:
            # Another server's writer may own the index: keep trying, take over when it exits.
            if not owns:
                owns = lock.acquire(0)
            if owns:
                writer_round(app, idle)
            if _wait(wakes, poll, parent_pid):
                if not os.read(wakes.fileno(), 65536):
                    return  # the parent stopped us, or died
                if gather > 0:
                    time.sleep(gather)  # let the burst gather (see Worker.run)
    finally:
        if lock is not None:
            lock.release()


class ProcessWorker:
    """The index writer in a child process of its own (``JIT_SEARCH_WRITER=process``).

    Whoosh indexing is pure Python: in a thread of the server it held the GIL for 43 %
    of a busy chat server's samples (benchmarks/chat). On PostgreSQL, loading each
    document and finding its identifiers is Python too: a third of each of two chat
    servers' GIL samples (session 21). The child is started with
    ``spawn`` (never a fork of a process with threads) and builds its own app. This
    process keeps only a supervising thread, which restarts a child that died (after 1,
    2, 4… up to 30 s, logged), and the write end of the wake-up pipe: a commit that
    wrote outbox rows writes a byte. The writer lock is the child's, so across processes
    there is still one writer per index; a child that did not get it keeps trying.
    """

    BACKOFF_FIRST, BACKOFF_MAX, HEALTHY_AFTER = 1.0, 30.0, 60.0

    def __init__(self, app: Flask):
        self.app = app
        self.pid = os.getpid()
        self.stopped = threading.Event()
        self.process = None
        self.restarts = 0
        self._guard = threading.Lock()
        self._context = multiprocessing.get_context("spawn")
        self._reader, self._writer = self._context.Pipe(duplex=False)
        os.set_blocking(self._writer.fileno(), False)
        self.thread = threading.Thread(target=self._supervise, name="search-writer", daemon=True)

    @property
    def child_pid(self) -> int | None:
        process = self.process
        return process.pid if process is not None and process.is_alive() else None

    def start(self) -> None:
        atexit.register(self.stop)
        self.thread.start()

    def wake(self) -> None:
        with self._guard:
            if self._writer is None:
                return
            # A full pipe holds wake-ups enough: the child has not read them yet.
            with contextlib.suppress(BlockingIOError):
                os.write(self._writer.fileno(), b"w")

    def stop(self, timeout: float = 10) -> None:
        """End the child (after the drain under way) and the supervising thread."""
        atexit.unregister(self.stop)
        self.stopped.set()
        with self._guard:
            if self._writer is not None:
                self._writer.close()  # end of file: the child returns
                self._writer = None
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)
        process = self.process
        if process is not None:
            process.join(timeout)
        self._reader.close()

    def _supervise(self) -> None:
        backoff = self.BACKOFF_FIRST
        while not self.stopped.is_set():
            self.process = self._context.Process(
                target=_writer_process,
                args=(child_config(self.app), self._reader, self.pid),
                name="jit-search-writer",
                daemon=True,
            )
            started = time.monotonic()
            try:
                self.process.start()
            except Exception:
                self.app.logger.exception("search: the index writer process did not start")
            else:
                self.process.join()
            if self.stopped.is_set():
                return
            if time.monotonic() - started > self.HEALTHY_AFTER:
                backoff = self.BACKOFF_FIRST
            self.app.logger.warning(
                "search: the index writer process %s exited (code %s); restarting in %.0f s",
                self.process.pid,
                self.process.exitcode,
                backoff,
            )
            if self.stopped.wait(backoff):
                return
            self.restarts += 1
            backoff = min(backoff * 2, self.BACKOFF_MAX)


def _mode(app: Flask) -> str:
    mode = (app.config.get("SEARCH_WRITER") or "process").strip().lower()
    if mode not in ("process", "thread"):
        raise RuntimeError("JIT_SEARCH_WRITER must be process or thread")
    return mode


def writer_mode(app: Flask) -> str:
    """``process`` or ``thread`` (JIT_SEARCH_WRITER), for either backend."""
    return _mode(app)


def ensure_worker(app: Flask) -> "Worker | ProcessWorker":
    """Start this process's index writer once (again in a forked child)."""
    state = app.extensions["search"]
    with state["lock"]:
        worker = state.get("worker")
        if worker is None or worker.pid != os.getpid():
            worker = ProcessWorker(app) if writer_mode(app) == "process" else Worker(app)
            state["worker"] = worker
            worker.start()
        return worker
