"""A send not stored in time is answered "not confirmed yet", and never loosens the bound.

A send waits ``JIT_CHAT_SEND_WAIT_SECONDS`` for the writer. When the wait runs out, a
send still in the queue leaves it (nothing of it will be stored), and one the writer
has taken into a batch keeps its place in the process's bound until the writer is
through with it: during a database stall, the sends the writer holds and those queued
never add up to more than ``JIT_CHAT_SEND_QUEUE``.
"""

import threading

import pytest
from sqlalchemy import select

from jit.chat import services, writer
from jit.chat.models import Message
from jit.extensions import db
from tests.jit.chat.conftest import NAMESPACE

BOUND = 3


@pytest.fixture
def app_config(app_config):
    return app_config | {
        "CHAT_RATE_MESSAGES": 0,
        "CHAT_SEND_QUEUE": BOUND,
        "CHAT_SEND_WAIT_SECONDS": 0.5,
    }


@pytest.fixture
def stalled_writer(monkeypatch):
    """The writer's batches wait (as for a stalled database) until ``release`` is set."""
    entered, release = threading.Event(), threading.Event()
    plain = writer.write_batch

    def stalled(batch):
        entered.set()
        assert release.wait(30), "the test never released the writer"
        return plain(batch)

    monkeypatch.setattr(writer, "write_batch", stalled)
    yield entered, release
    release.set()


@pytest.fixture
def queued(monkeypatch):
    """The client ids submitted to the writer, and a condition notified at each."""
    submitted, condition = [], threading.Condition()
    plain = writer.GroupWriter.submit

    def submit(self, send):
        plain(self, send)
        with condition:
            submitted.append(send.client_id)
            condition.notify_all()

    monkeypatch.setattr(writer.GroupWriter, "submit", submit)

    def wait_for(*client_ids):
        with condition:
            assert condition.wait_for(lambda: set(client_ids) <= set(submitted), 20), submitted

    return wait_for


def test_sends_beyond_the_bound_are_refused_after_earlier_ones_timed_out(
    app, chat_team, make_membership, connect, stalled_writer, queued
):
    entered, release = stalled_writer
    # One person holds at most half the places (jit/chat/admission.py): six people.
    people = [make_membership(chat_team.team, "member", "NL").user for _ in range(6)]
    clients = [connect(person, chat_team.code) for person in people]
    channel_id = chat_team.general.id
    db.session.commit()
    group = app.extensions["jit_chat_writer"]
    answers = {}

    def send(index):
        answers[index] = clients[index].emit(
            "send",
            {"channel": channel_id, "client_id": f"stall-{index:04d}", "body": f"m{index}"},
            namespace=NAMESPACE,
            callback=True,
        )

    def in_thread(index):
        thread = threading.Thread(target=send, args=(index,))
        thread.start()
        return thread

    # The writer takes the first send into a batch and stalls; two more queue behind it.
    first = in_thread(0)
    assert entered.wait(20)
    behind = [in_thread(1), in_thread(2)]
    for thread in [first, *behind]:
        thread.join(20)
    for index in range(3):
        assert answers[index]["ok"] is False
        assert answers[index]["error"] == services.NOT_CONFIRMED_IN_TIME
        assert answers[index]["retry_after"] == services.NOT_CONFIRMED_RETRY_AFTER
    # The two queued left the queue; the one in the stalled batch still holds its place.
    assert group.waiting() == 0
    assert group.in_progress() == 1

    # Two more fill the bound: the writer's one and these two.
    app.config["CHAT_SEND_WAIT_SECONDS"] = 30
    filling = [in_thread(3), in_thread(4)]
    queued("stall-0003", "stall-0004")
    assert group.in_progress() == BOUND
    send(5)  # beyond the bound: refused at once, though three sends timed out before
    assert answers[5]["ok"] is False
    assert answers[5]["error"] == writer.SERVER_BUSY
    assert answers[5]["retry_after"] > 0
    assert group.waiting() == 2

    release.set()
    for thread in filling:
        thread.join(20)
    assert answers[3]["ok"], answers
    assert answers[4]["ok"], answers
    db.session.rollback()
    stored = set(db.session.scalars(select(Message.client_id)))
    # The stalled batch committed after its sender gave up; the withdrawn ones never did.
    assert stored == {"stall-0000", "stall-0003", "stall-0004"}
    for thread in [first, *behind, *filling]:
        assert not thread.is_alive()
    assert group.in_progress() == 0  # the writer gave the stalled send's place back
    # Sent again under its client id, the send that timed out in the batch is answered
    # from the record.
    again = clients[0].emit(
        "send",
        {"channel": channel_id, "client_id": "stall-0000", "body": "m0"},
        namespace=NAMESPACE,
        callback=True,
    )
    assert again["ok"], again
    assert again["duplicate"]


def test_a_send_answered_as_its_wait_runs_out_is_answered_with_its_message(app, chat_team):
    """The writer finishing just as the sender gives up: the sender answers from it."""
    from tests.jit.chat.conftest import pending_send

    group = app.extensions["jit_chat_writer"]
    send = pending_send(chat_team, "just-in-time-01", "x")
    db.session.commit()
    with group.admitted(("someone", "just-in-time-01"), "someone"):
        group.submit(send)
        assert send.done.wait(20)
        assert group.give_up(send) is False  # done: nothing to withdraw, no place kept
        assert send.held_place is None
    assert group.in_progress() == 0
    assert send.payload["seq"] == 1
