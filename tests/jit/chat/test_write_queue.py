"""A process's chat writers wait on a lock of their own, not inside the database.

On PostgreSQL the senders to one channel are ordered by the channel row's lock. Threads
queued inside the database stay runnable and take the GIL from the one holding the
lock, which then commits later; under load that queue fed itself and latencies grew
to seconds. Queued on a process lock, they sleep until their turn.
"""

import threading
from contextlib import contextmanager

from jit.chat import services
from tests.jit.chat.conftest import ack


def _in_thread(app, target):
    def run():
        with app.app_context():
            target()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_writers_of_one_channel_queue_and_other_channels_pass(app, db_backend):
    holding, release, entered = threading.Event(), threading.Event(), []

    def hold():
        with services.serialised_writes(7):
            holding.set()
            release.wait(10)

    def write(channel_id, name):
        def run():
            with services.serialised_writes(channel_id):
                entered.append(name)

        return run

    holder = _in_thread(app, hold)
    assert holding.wait(10)
    same = _in_thread(app, write(7, "same channel"))
    other = _in_thread(app, write(8, "other channel"))
    same.join(0.3)
    other.join(0.3)
    if db_backend == "sqlite":
        assert entered == []  # one writer at a time, whatever the channel
    else:
        assert entered == ["other channel"]  # only the channel's own senders queue
    release.set()
    for thread in (holder, same, other):
        thread.join(10)
    assert sorted(entered) == ["other channel", "same channel"]


def test_a_send_queues_behind_the_other_senders_of_its_channel(chat_team, connect, monkeypatch):
    queued = []
    plain = services.serialised_writes

    @contextmanager
    def recording(channel_id=None):
        queued.append(channel_id)
        with plain(channel_id):
            yield

    monkeypatch.setattr(services, "serialised_writes", recording)
    alice = connect(chat_team.nl, chat_team.code)
    channel = chat_team.general.id
    answer = ack(alice, "send", {"channel": channel, "client_id": "queue-0001", "body": "hi"})
    assert answer["ok"], answer
    assert queued == [channel]
