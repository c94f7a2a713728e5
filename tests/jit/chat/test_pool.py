"""Senders waiting for the writer hold no pooled connection: a pool of two serves twenty.

And the writer never waits for the pool: it has a connection of its own.
"""

import threading
import time

import pytest
from sqlalchemy import func, select

from jit.chat import writer
from jit.chat.models import Message
from jit.extensions import db
from tests.jit.chat.conftest import NAMESPACE, pending_send

SENDS = 20


@pytest.fixture
def app_config(app_config):
    # No overflow, and a short wait for a connection, so a pool used up by waiters fails
    # the sends within seconds instead of hanging.
    return app_config | {
        "CHAT_RATE_MESSAGES": 0,
        "DATABASE_POOL_SIZE": 2,
        "DATABASE_POOL_OVERFLOW": 0,
        "DATABASE_POOL_TIMEOUT": 3,
    }


def test_a_pool_of_two_serves_twenty_concurrent_sends(app, chat_team, connect, monkeypatch):
    """The writer's first batch is held until every send waits for it: a sender that
    kept its pooled connection while waiting would leave the third sender none (a pool
    of two, no overflow), and its send would fail after the pool's three seconds."""
    group = app.extensions["jit_chat_writer"]
    held_batch, release = [], threading.Event()
    plain = writer.write_batch

    def held(batch):
        if not held_batch:
            held_batch.extend(batch)
            assert release.wait(60), "never released"
        return plain(batch)

    monkeypatch.setattr(writer, "write_batch", held)
    clients = [
        connect(chat_team.nl if n % 2 else chat_team.de, chat_team.code) for n in range(SENDS)
    ]
    channel_id = chat_team.general.id
    db.session.commit()  # the test's own session holds no connection either
    db.session.close()
    answers = {}
    start = threading.Barrier(SENDS)

    def send(number):
        start.wait(10)
        answers[number] = clients[number].emit(
            "send",
            {"channel": channel_id, "client_id": f"pool-{number:05d}", "body": "x"},
            namespace=NAMESPACE,
            callback=True,
        )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDS)]
    for thread in threads:
        thread.start()
    # Every send is with the writer (in the held batch or queued behind it), or one
    # was answered before its commit: a refusal, here a pool used up.
    all_waiting, deadline = False, time.monotonic() + 60
    while not all_waiting and not answers and time.monotonic() < deadline:
        time.sleep(0.01)
        all_waiting = bool(held_batch) and len(held_batch) + group.waiting() == SENDS
    checked_out = db.engine.pool.checkedout()
    release.set()
    for thread in threads:
        thread.join(60)
    assert all_waiting, f"not every send reached the writer: {answers}"
    assert checked_out == 0  # twenty senders waiting, no pooled connection held
    assert all(answers[n]["ok"] for n in range(SENDS)), answers
    assert sorted(a["seq"] for a in answers.values()) == list(range(1, SENDS + 1))
    assert db.session.scalar(select(func.count()).select_from(Message)) == SENDS


def test_the_writer_commits_while_the_request_pool_is_used_up(app, chat_team, connect):
    """Queued behind the senders for a pooled connection, the writer was slowest exactly
    when most sends waited for it (benchmarks/chat/README.md); it has its own."""
    sender = connect(chat_team.nl, chat_team.code)
    pending = pending_send(chat_team, "pool-used-up-0001", "written without a pooled connection")
    db.session.commit()
    db.session.close()
    group = app.extensions["jit_chat_writer"]
    taken = [db.engine.connect() for _ in range(2)]  # the whole pool: size 2, no overflow
    try:
        group.submit(pending)
        assert pending.done.wait(10), "the writer waited for the request pool"
    finally:
        for connection in taken:
            connection.close()
    assert pending.error is None
    assert pending.payload["seq"] == 1
    assert db.session.scalar(select(Message.body).where(Message.client_id == "pool-used-up-0001"))
    assert sender.connected


def test_an_idle_writer_closes_its_own_connection(app, chat_team, monkeypatch):
    """A quiet process keeps no connection open for the chat writer."""
    monkeypatch.setattr(writer, "IDLE_SECONDS", 0.2)
    pending = pending_send(chat_team, "idle-writer-0001", "x")
    db.session.commit()
    group = app.extensions["jit_chat_writer"]
    group.submit(pending)
    assert pending.done.wait(10)
    engine = group._engine
    assert engine is not None
    assert engine.pool.checkedin() == 1  # opened, and back in its pool of one
    deadline = time.monotonic() + 10
    while group._engine is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group._engine is None
    assert engine.pool.checkedin() == 0  # closed with the thread
