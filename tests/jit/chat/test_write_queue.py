"""Chat writes wait on a lock of the process's own on SQLite, holding no pooled connection.

SQLite has one writer at a time and makes the others retry with sleeps of up to
100 ms; queued on a process lock, writers sleep until their turn instead. A writer that
must wait gives its pooled connection back first, so the waiters cannot use up the
pool that the writer ahead of them needs. PostgreSQL orders messages by the channel
row's lock and needs no process lock.
"""

import threading

from sqlalchemy import text

from jit.chat import services
from jit.extensions import db


def _in_thread(app, target):
    def run():
        with app.app_context():
            target()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_sqlite_writes_queue_one_at_a_time_and_postgresql_writes_pass(app, db_backend):
    holding, release, entered = threading.Event(), threading.Event(), []

    def hold():
        with services.serialised_writes():
            holding.set()
            release.wait(10)

    def write():
        with services.serialised_writes():
            entered.append("second")

    holder = _in_thread(app, hold)
    assert holding.wait(10)
    second = _in_thread(app, write)
    second.join(0.3)
    assert entered == ([] if db_backend == "sqlite" else ["second"])
    release.set()
    for thread in (holder, second):
        thread.join(10)
    assert entered == ["second"]


def test_a_waiting_writer_gives_its_connection_back(app, db_backend):
    holding, release, waiting_without = threading.Event(), threading.Event(), []

    def hold():
        with services.serialised_writes():
            holding.set()
            release.wait(10)

    def wait_for_turn():
        db.session.execute(text("SELECT 1"))  # a read transaction checks a connection out
        checked_out = db.engine.pool.checkedout()
        with services.serialised_writes():
            # The holder released it; while waiting, this thread held none.
            waiting_without.append(checked_out)

    holder = _in_thread(app, hold)
    assert holding.wait(10)
    before = db.engine.pool.checkedout()
    waiter = _in_thread(app, wait_for_turn)
    deadline = threading.Event()
    deadline.wait(0.3)
    # The waiter took a connection for its read; on SQLite it gave it back to wait for
    # the lock, on PostgreSQL (no lock to wait for) it has finished.
    assert db.engine.pool.checkedout() == before
    assert (waiting_without == []) is (db_backend == "sqlite")
    release.set()
    for thread in (holder, waiter):
        thread.join(10)
    assert waiting_without == [before + 1]
