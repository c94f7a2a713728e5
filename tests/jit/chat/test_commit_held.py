"""Between a batch's insert and its commit nothing is acknowledged or broadcast; a
commit that fails acknowledges nothing, and nothing of the batch is stored.

The writer's transaction is held at its commit (a ``before_commit`` hook on the writer's
thread that waits on an Event), after the batch's rows were inserted. While it is held
the test looks at what the senders and a listener got; then the commit fails, as a
database gone mid-commit would make it. The kill of a real server at the same point is
tests/jit/chat/test_group_commit_servers.py's.
"""

import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from jit.chat.models import Message
from jit.extensions import db
from tests.jit.chat.conftest import NAMESPACE, events

SENDERS = 4


@pytest.fixture
def app_config(app_config):
    return app_config | {"CHAT_RATE_MESSAGES": 0}


class HeldCommit:
    """Hold the chat writer's next commit until ``fail`` or ``let_through``."""

    def __init__(self):
        self.reached = threading.Event()
        self._decided = threading.Event()
        self._failing = False
        self.inserted = None  # rows the writer's transaction sees at its commit

    def __call__(self, session):
        if threading.current_thread().name != "chat-writer" or self.reached.is_set():
            return
        self.inserted = session.scalar(select(func.count()).select_from(Message))
        self.reached.set()
        assert self._decided.wait(30), "the test never decided the held commit"
        if self._failing:
            raise OperationalError("COMMIT", {}, Exception("the database went away"))

    def fail(self):
        self._failing = True
        self._decided.set()

    def let_through(self):
        self._decided.set()


@pytest.fixture
def held_commit():
    hold = HeldCommit()
    event.listen(Session, "before_commit", hold)
    yield hold
    hold.let_through()
    event.remove(Session, "before_commit", hold)


def test_a_held_commit_answers_nothing_and_a_failed_one_stores_nothing(
    app, chat_team, make_membership, connect, held_commit
):
    people = [make_membership(chat_team.team, "member", "NL").user for _ in range(SENDERS)]
    senders = [connect(person, chat_team.code) for person in people]
    listener = connect(chat_team.de, chat_team.code)
    channel_id = chat_team.general.id
    assert listener.emit("join", {"channel": channel_id}, namespace=NAMESPACE, callback=True)["ok"]
    events(listener)
    db.session.commit()
    answers = {}

    def send(index):
        answers[index] = senders[index].emit(
            "send",
            {"channel": channel_id, "client_id": f"held-{index:04d}", "body": f"m{index}"},
            namespace=NAMESPACE,
            callback=True,
        )

    threads = [threading.Thread(target=send, args=(index,)) for index in range(SENDERS)]
    threads[0].start()
    assert held_commit.reached.wait(30)
    # The first batch's rows are inserted in the writer's transaction, not committed.
    assert held_commit.inserted >= 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    for thread in threads[1:]:
        thread.start()
    group = app.extensions["jit_chat_writer"]
    # The others queue behind the held batch (or were taken into it).
    for _ in range(400):
        if group.waiting() + held_commit.inserted == SENDERS:
            break
        threading.Event().wait(0.05)
    assert group.waiting() + held_commit.inserted == SENDERS
    # Held between insert and commit: no sender acknowledged, nothing broadcast.
    assert answers == {}
    assert events(listener) == []
    for sender in senders:
        assert events(sender, "message") == []

    held_commit.fail()
    for thread in threads:
        thread.join(30)
    db.session.rollback()
    stored = set(db.session.scalars(select(Message.client_id)))
    # No message acknowledged that the database does not hold.
    for index, answer in answers.items():
        if answer["ok"]:
            assert f"held-{index:04d}" in stored, answer
    held = [i for i in range(SENDERS) if not answers[i]["ok"]]
    assert len(held) == held_commit.inserted  # the failed batch was refused, all of it
    for index in held:
        assert f"held-{index:04d}" not in stored
        assert answers[index]["error"] == (
            "The server could not store this message; nothing was saved."
        )
        assert "retry_after" not in answers[index]  # refused for good: the page keeps it
    # Broadcast only what was committed (the sends queued behind the failed batch).
    broadcast = {m["client_id"] for m in events(listener, "message")}
    assert broadcast == stored
    # Sent again under the same client ids, each is stored once.
    for index in held:
        send(index)
        assert answers[index]["ok"], answers[index]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Message)) == SENDERS
