"""A send is answered by the group-commit writer: no thread waits for its commit.

Real servers. A send that arrives on a connection of the process is checked and queued
on the connection's reading thread, and the writer acknowledges it once it is stored
(jit/chat/events.py, ``screen_send`` and ``answer_send``). The test holds the lock the
writer needs to number the channel's messages, so a send waits for its commit as long as
the test wants:

- with one thread for chat events, that thread stays free for other events meanwhile
  (before, the waiting send held it);
- a send still unanswered after ``JIT_CHAT_SEND_WAIT_SECONDS`` is answered "not
  confirmed yet", with a ``chat_error`` and the time to come back, whether the writer
  holds it in its stalled batch (stored once the lock goes, and a resend is answered from
  the record) or it still waits in the queue (withdrawn: never stored).
"""

import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, update

from jit.chat.models import Channel, Message
from jit.chat.services import NOT_CONFIRMED_IN_TIME, NOT_CONFIRMED_RETRY_AFTER
from jit.extensions import db

pytestmark = pytest.mark.slow


@contextmanager
def channel_locked(app, channel_id):
    """Hold the channel's counter (SQLite: the database's write lock) until the block ends:
    the writer cannot number, so cannot commit, a message of the channel meanwhile."""
    engine = create_engine(app.config["DATABASE_URL"])
    try:
        with engine.connect() as holder:
            holder.execute(
                update(Channel).where(Channel.id == channel_id).values(last_seq=Channel.last_seq)
            )
            yield
            holder.rollback()
    finally:
        engine.dispose()


def _send_in_background(client, channel_id, client_id, body, answers):
    def send():
        answers[client_id] = client.call(
            "send", {"channel": channel_id, "client_id": client_id, "body": body}, timeout=30
        )

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def _stored(client_id) -> int:
    db.session.rollback()  # see what the servers committed since
    return db.session.scalar(
        select(func.count()).select_from(Message).where(Message.client_id == client_id)
    )


def _two_members_in_general(chat_team, server, live_client):
    """The NL and DE members' real clients, connected to ``server`` and in #general."""
    clients = [
        live_client(server, person, chat_team.code) for person in (chat_team.nl, chat_team.de)
    ]
    for client in clients:
        client.wait_for("ready")
        assert client.call("join", {"channel": chat_team.general.id})["ok"]
    return clients


def test_a_send_waiting_for_its_commit_holds_no_chat_thread(
    app, chat_team, chat_server, live_client, monkeypatch
):
    monkeypatch.setenv("JIT_CHAT_EVENT_THREADS", "1")
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "0")
    alice, bob = _two_members_in_general(chat_team, chat_server(), live_client)
    channel_id = chat_team.general.id
    answers: dict = {}
    with channel_locked(app, channel_id):
        sender = _send_in_background(alice, channel_id, "alice-000001", "Convoy left", answers)
        time.sleep(1.0)  # Alice's send is in, waiting for its commit
        began = time.monotonic()
        history = bob.call("history", {"channel": channel_id}, timeout=2.0)
        answered = time.monotonic() - began
        assert not answers, "Alice's send was answered while the lock was held"
    sender.join(30)
    assert history["ok"], history
    assert answered < 2.0
    assert answers["alice-000001"]["ok"], answers
    assert answers["alice-000001"]["seq"] == 1
    assert answers["alice-000001"]["message"]["text"] == "Convoy left"
    assert alice.wait_for("message")["client_id"] == "alice-000001"


def test_a_send_not_stored_in_time_is_answered_not_confirmed_and_kept_or_withdrawn(
    app, chat_team, chat_server, live_client, monkeypatch
):
    monkeypatch.setenv("JIT_CHAT_SEND_WAIT_SECONDS", "1")
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "0")
    alice, bob = _two_members_in_general(chat_team, chat_server(), live_client)
    channel_id = chat_team.general.id
    answers: dict = {}
    with channel_locked(app, channel_id):
        # Alice's send goes into the writer's batch, which waits for the lock; Bob's,
        # sent a moment later, waits in the queue behind that batch.
        first = _send_in_background(alice, channel_id, "alice-000001", "Convoy left", answers)
        time.sleep(0.3)
        second = _send_in_background(bob, channel_id, "bob-00000001", "Route changed", answers)
        first.join(5)
        second.join(5)
        assert set(answers) == {"alice-000001", "bob-00000001"}, answers
        for answer in answers.values():
            assert answer == {
                "ok": False,
                "error": NOT_CONFIRMED_IN_TIME,
                "retry_after": NOT_CONFIRMED_RETRY_AFTER,
            }
        for client in (alice, bob):
            error = client.wait_for("chat_error")
            assert error["event"] == "send"
            assert error["reason"] == NOT_CONFIRMED_IN_TIME
        assert _stored("alice-000001") == 0
    # Once the lock goes, the batch that held Alice's send commits; Bob's was withdrawn.
    alice.wait_for("message", lambda m: m["client_id"] == "alice-000001")
    time.sleep(1.0)
    assert _stored("alice-000001") == 1
    assert _stored("bob-00000001") == 0
    # Sent again under their client ids: Alice's is answered from the record, Bob's stored.
    again = alice.call(
        "send", {"channel": channel_id, "client_id": "alice-000001", "body": "Convoy left"}
    )
    assert again["ok"], again
    assert again["duplicate"]
    assert again["seq"] == 1
    bobs = bob.call(
        "send", {"channel": channel_id, "client_id": "bob-00000001", "body": "Route changed"}
    )
    assert bobs["ok"], bobs
    assert not bobs["duplicate"]
    assert bobs["seq"] == 2
    assert _stored("bob-00000001") == 1
