"""Senders waiting for the writer hold no pooled connection: a pool of two serves twenty."""

import threading

import pytest
from sqlalchemy import func, select

from jit.chat.models import Message
from jit.extensions import db
from tests.jit.chat.conftest import NAMESPACE

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


def test_a_pool_of_two_serves_twenty_concurrent_sends(app, chat_team, connect):
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
    for thread in threads:
        thread.join(60)
    assert all(answers[n]["ok"] for n in range(SENDS)), answers
    assert sorted(a["seq"] for a in answers.values()) == list(range(1, SENDS + 1))
    assert db.session.scalar(select(func.count()).select_from(Message)) == SENDS
