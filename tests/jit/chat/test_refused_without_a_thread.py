"""A send the process refuses is answered as it arrives, even while every chat thread waits.

One real server with one thread for chat events (``JIT_CHAT_EVENT_THREADS=1``) and room
for one send at a time (``JIT_CHAT_SEND_QUEUE=1``). The test holds the lock the writer
needs to number the channel's messages, so Alice's send waits for its commit, holding
the process's one place (since session 32 in the writer's batch, not in the only
thread). Bob's send, past the bound, is refused at once, with the time to come back
and a ``chat_error``: a refusal takes no thread (jit/chat/events.py, ``screen_send``).
Past a process's capacity, refusals that each waited for a thread were what turned an
overload into a collapse (benchmarks/chat/README.md, session 31). Once the lock is let
go, Alice's message is stored, and Bob's, sent again at his turn, too.
"""

import threading
import time

import pytest
from sqlalchemy import create_engine, update

from jit.chat.models import Channel

pytestmark = pytest.mark.slow

# Bob's refusal comes well within this; before, it waited for the thread Alice's send held.
ANSWERED_WITHIN = 2.0


@pytest.fixture
def one_thread_server(chat_server, monkeypatch):
    monkeypatch.setenv("JIT_CHAT_EVENT_THREADS", "1")
    monkeypatch.setenv("JIT_CHAT_SEND_QUEUE", "1")
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "0")  # not the per-person allowance
    return chat_server()


def test_a_refused_send_is_answered_while_the_only_chat_thread_waits(
    app, chat_team, one_thread_server, live_client
):
    channel_id = chat_team.general.id
    alice = live_client(one_thread_server, chat_team.nl, chat_team.code)
    bob = live_client(one_thread_server, chat_team.de, chat_team.code)
    for client in (alice, bob):
        client.wait_for("ready")
    engine = create_engine(app.config["DATABASE_URL"])
    first: dict = {}
    try:
        with engine.connect() as holder:
            # The channel's counter, locked (SQLite: the database's write lock) until
            # the rollback below: the writer cannot commit Alice's message meanwhile.
            holder.execute(
                update(Channel).where(Channel.id == channel_id).values(last_seq=Channel.last_seq)
            )
            sender = threading.Thread(
                target=lambda: first.update(
                    alice.call(
                        "send",
                        {"channel": channel_id, "client_id": "alice-000001", "body": "First"},
                        timeout=30,
                    )
                )
            )
            sender.start()
            time.sleep(1.0)  # Alice's send is in, and waits for its commit
            began = time.monotonic()
            refused = bob.call(
                "send",
                {"channel": channel_id, "client_id": "bob-0000001", "body": "Second"},
                timeout=ANSWERED_WITHIN,
            )
            answered = time.monotonic() - began
            assert not first, "Alice's send was stored while the lock was held"
            holder.rollback()
        sender.join(30)
    finally:
        engine.dispose()
    assert refused["ok"] is False
    assert "busy" in refused["error"]
    assert refused["retry_after"] > 0
    error = bob.wait_for("chat_error")
    assert error["event"] == "send"
    assert error["retry_after"] == refused["retry_after"]
    assert answered < ANSWERED_WITHIN
    assert first["ok"], first
    # Sent again at the time named, under the same client id, Bob's message goes in.
    for _ in range(20):
        time.sleep(refused["retry_after"])
        refused = bob.call(
            "send", {"channel": channel_id, "client_id": "bob-0000001", "body": "Second"}
        )
        if refused["ok"]:
            break
    assert refused["ok"], refused
    assert refused["seq"] == first["seq"] + 1
