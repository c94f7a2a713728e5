"""Group commit: concurrent sends share one transaction, numbered without gaps, in order.

Through the Socket.IO test client, on both databases: eight senders at once, a batch
held back until others queue behind it, and the bound on sends a process takes in.
"""

import os
import threading

import pytest
from sqlalchemy import delete, event, func, select

from jit import gates
from jit.chat import services, writer
from jit.chat.models import Channel, Message
from jit.chat.services import ChatBusy
from jit.extensions import db
from tests.jit.chat.conftest import NAMESPACE, first_argument, pending_send

SENDERS = 8


@pytest.fixture
def app_config(app_config):
    return app_config | {"CHAT_RATE_MESSAGES": 0}


@pytest.fixture
def senders(chat_team, make_membership, connect):
    """Connected, joined Socket.IO test clients of ``SENDERS`` different members."""
    people = [chat_team.nl, chat_team.de] + [
        make_membership(chat_team.team, "member", "NL").user for _ in range(SENDERS - 2)
    ]
    clients = []
    for person in people:
        sio = connect(person, chat_team.code)
        answer = sio.emit(
            "join", {"channel": chat_team.general.id}, namespace=NAMESPACE, callback=True
        )
        assert answer["ok"]
        clients.append(sio)
    db.session.commit()
    return clients


def _send_all(clients, channel_id, per_sender):
    """Each client sends ``per_sender`` messages from its own thread; return the answers."""
    answers = {index: [] for index in range(len(clients))}
    start = threading.Barrier(len(clients))

    def run(index, sio):
        start.wait(10)
        for number in range(per_sender):
            answers[index].append(
                sio.emit(
                    "send",
                    {"channel": channel_id, "client_id": f"s{index}-{number:06d}", "body": "x"},
                    namespace=NAMESPACE,
                    callback=True,
                )
            )

    threads = [threading.Thread(target=run, args=item) for item in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_eight_concurrent_senders_get_gapless_numbers_in_order(chat_team, senders, monkeypatch):
    batch_sizes = []
    plain = writer.write_batch

    def recording(batch):
        batch_sizes.append(len(batch))
        return plain(batch)

    monkeypatch.setattr(writer, "write_batch", recording)
    answers = _send_all(senders, chat_team.general.id, per_sender=25)
    total = SENDERS * 25
    for index, sent in answers.items():
        assert all(a["ok"] and not a["duplicate"] for a in sent), sent
        seqs = [a["seq"] for a in sent]
        assert seqs == sorted(seqs), f"sender {index} saw its messages out of order"
    db.session.expire_all()
    stored = db.session.scalars(
        select(Message.seq).where(Message.channel_id == chat_team.general.id).order_by(Message.seq)
    ).all()
    assert stored == list(range(1, total + 1))
    assert sorted(a["seq"] for sent in answers.values() for a in sent) == stored
    assert db.session.get(Channel, chat_team.general.id).last_seq == total
    assert sum(batch_sizes) == total
    assert len(batch_sizes) < total


def test_sends_waiting_behind_a_batch_are_committed_together_once(
    app, chat_team, senders, monkeypatch
):
    """Hold the first batch until seven more sends queue; they are then one commit."""
    group = app.extensions["jit_chat_writer"]
    first_started, release = threading.Event(), threading.Event()
    plain = writer.write_batch
    batch_sizes = []

    def held(batch):
        batch_sizes.append(len(batch))
        if len(batch_sizes) == 1:
            first_started.set()
            assert release.wait(20)
        return plain(batch)

    monkeypatch.setattr(writer, "write_batch", held)
    gate_asked = []
    plain_may = gates.may

    def may(team, action):
        gate_asked.append(action)
        return plain_may(team, action)

    monkeypatch.setattr(gates, "may", may)
    channel_id = chat_team.general.id
    commits = []

    def committed(connection):
        commits.append(1)

    # The writer commits on a connection of its own, not the request pool's.
    own = group.engine()
    event.listen(own, "commit", committed)
    try:
        results = {}

        def send(index):
            results[index] = senders[index].emit(
                "send",
                {"channel": channel_id, "client_id": f"held-{index:04d}", "body": "x"},
                namespace=NAMESPACE,
                callback=True,
            )

        first = threading.Thread(target=send, args=(0,))
        first.start()
        assert first_started.wait(10)
        others = [threading.Thread(target=send, args=(i,)) for i in range(1, SENDERS)]
        for thread in others:
            thread.start()
        for _ in range(200):
            if group.waiting() == SENDERS - 1:
                break
            threading.Event().wait(0.05)
        assert group.waiting() == SENDERS - 1
        assert results == {}  # nothing is answered before its commit
        commits.clear()
        release.set()
        for thread in [first, *others]:
            thread.join(20)
    finally:
        event.remove(own, "commit", committed)
    assert batch_sizes == [1, SENDERS - 1]
    assert len(commits) == 2  # the held batch, then the seven that queued behind it
    # The agreement gate was asked at commit, not once per send; the second batch,
    # within the moment and after no other change, used the first one's answer
    # (jit/chat/gate_cache.py).
    assert gate_asked == ["write_chat"]
    assert sorted(r["seq"] for r in results.values()) == list(range(1, SENDERS + 1))
    # Each listener gets the held message as a ``message``, then the seven committed
    # together as one ``messages`` event, in number order: one packet, not seven.
    for listener in senders:
        broadcasts = [
            (e["name"], first_argument(e["args"]))
            for e in listener.get_received(NAMESPACE)
            if e["name"] in ("message", "messages")
        ]
        assert [name for name, _ in broadcasts] == ["message", "messages"]
        assert broadcasts[0][1]["seq"] == 1
        assert [m["seq"] for m in broadcasts[1][1]] == list(range(2, SENDERS + 1))


def test_a_process_takes_in_at_most_its_bound_of_sends(app):
    group = writer.GroupWriter(app, capacity=2, deliver=lambda payload: None)
    with group.admitted(), group.admitted():
        assert group.in_progress() == 2
        with pytest.raises(ChatBusy) as refused, group.admitted():
            pass
        assert refused.value.retry_after > 0
        assert group.in_progress() == 2  # the refused one was never counted
        # Each refusal books the next turn (jit/chat/admission.py): the refused senders
        # come back one after another, not together.
        waits = []
        for _ in range(10):
            with pytest.raises(ChatBusy) as again, group.admitted():
                pass
            waits.append(again.value.retry_after)
        assert waits == sorted(waits)
        assert len(set(waits)) == len(waits)
    assert group.in_progress() == 0
    with group.admitted():  # a place is free again once a send is through
        assert group.in_progress() == 1


def test_a_place_taken_as_the_send_arrived_is_held_by_its_event_and_always_given_back(app):
    group = writer.GroupWriter(app, capacity=2, deliver=lambda payload: None)
    # The event reaches its gate: admitted() holds the place taken on arrival, and no other.
    with group.screened(group.take_place()):
        assert group.in_progress() == 1
        with group.admitted():
            assert group.in_progress() == 1
        assert group.in_progress() == 0
    assert group.in_progress() == 0
    # The event ends before its gate: the place goes back with it.
    with group.screened(group.take_place()):
        assert group.in_progress() == 1
    assert group.in_progress() == 0
    # An event run without a place taken on arrival takes one at its gate.
    with group.admitted():
        assert group.in_progress() == 1
    assert group.in_progress() == 0


def test_a_send_beyond_the_bound_is_refused_before_it_touches_the_database(app, chat_team, senders):
    """Each send is a thread: past the bound it must cost no connection and no query."""
    group = app.extensions["jit_chat_writer"]
    channel_id = chat_team.general.id
    statements = []

    def executed(conn, cursor, statement, *args):
        statements.append(statement)

    # Fill the process up to its bound for new sends (jit/chat/admission.py).
    held = []
    while len(held) <= app.config["CHAT_SEND_QUEUE"]:
        slot = group.admitted()
        try:
            slot.__enter__()
        except ChatBusy:
            break
        held.append(slot)
    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        answer = senders[0].emit(
            "send",
            {"channel": channel_id, "client_id": "beyond-0001", "body": "x"},
            namespace=NAMESPACE,
            callback=True,
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", executed)
        for slot in held:
            slot.__exit__(None, None, None)
    assert answer["ok"] is False
    assert answer["retry_after"] > 0
    assert statements == []
    errors = [e for e in senders[0].get_received(NAMESPACE) if e["name"] == "chat_error"]
    assert errors
    assert errors[-1]["args"][0]["retry_after"] > 0
    # Once the others are through, the same send goes (the client sends it again).
    again = senders[0].emit(
        "send",
        {"channel": channel_id, "client_id": "beyond-0001", "body": "x"},
        namespace=NAMESPACE,
        callback=True,
    )
    assert again["ok"]
    assert again["duplicate"] is False


def test_a_forked_process_starts_with_a_fresh_queue(app):
    """gunicorn forks the worker from the process that built the app: no thread came along,
    and a lock copied while held must not stop the worker's first send."""
    group = app.extensions["jit_chat_writer"]
    with group._lock:
        pid = os.fork()
        if pid == 0:
            os._exit(0 if not group._lock.locked() and group._thread is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_resend_that_reaches_the_writer_is_answered_from_the_record(app, chat_team):
    """Resends reach the writer (a send asks the database nothing before it queues): it
    answers them from the record and stores nothing, or refuses one whose client id was
    used in another channel."""
    from jit.teams.access import team_access_for

    group = app.extensions["jit_chat_writer"]
    ops = services.create_channel(team_access_for(chat_team.leader, chat_team.code), name="ops")
    db.session.commit()
    first = pending_send(chat_team, "raced-000001", "Convoy at the border")
    again = pending_send(chat_team, "raced-000001", "Convoy at the border")
    elsewhere = pending_send(chat_team, "raced-000001", "Convoy at the border", ops.id)
    db.session.close()
    group.submit(first)
    assert first.done.wait(10)
    assert first.is_new
    assert first.error is None
    for send in (again, elsewhere):
        group.submit(send)
        assert send.done.wait(10)
    assert again.error is None
    assert not again.is_new
    assert again.payload["id"] == first.payload["id"]
    assert again.payload["seq"] == first.payload["seq"] == 1
    assert elsewhere.error == "That client id was already used for a message in another channel."
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    assert db.session.get(Channel, chat_team.general.id).last_seq == 1


def test_the_writer_refuses_a_channel_of_another_team_even_for_a_resend(app, chat_team, make_team):
    """A send names its channel by number only; the writer checks that the channel is the
    sender's team's before it answers anything, a stored message under the client id
    included, and before it numbers or stores."""
    from jit.chat.services import channels_of
    from jit.teams.access import team_access_for

    group = app.extensions["jit_chat_writer"]
    other = make_team(code="OTHER-TEAM")
    foreign = channels_of(team_access_for(other.memberships[0].user, other.code))[0]
    foreign_id, foreign_seq = foreign.id, foreign.last_seq
    db.session.commit()
    stored = pending_send(chat_team, "foreign-0001", "Convoy at the border")
    db.session.close()
    group.submit(stored)
    assert stored.done.wait(10)
    assert stored.is_new
    # The same message and client id, and a new one, aimed at the other team's channel.
    resend = pending_send(chat_team, "foreign-0001", "Convoy at the border", foreign_id)
    fresh = pending_send(chat_team, "foreign-0002", "Route changed", foreign_id)
    missing = pending_send(chat_team, "foreign-0003", "Nowhere", 999_999)
    for send in (resend, fresh, missing):
        group.submit(send)
    for send in (resend, fresh, missing):
        assert send.done.wait(10)
        assert send.error == "There is no such channel in this team."
        assert send.payload is None
        assert not send.is_new
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    assert db.session.get(Channel, foreign_id).last_seq == foreign_seq


def test_the_writer_queues_each_message_it_stores_for_the_search_index(app, chat_team):
    """The writer inserts on its connection, past the ORM's flush and its hooks: it names
    the rows it stored to the search outbox itself, in their transaction, once each; a
    resend answered from the record queues nothing."""
    from search.models import OutboxEntry

    group = app.extensions["jit_chat_writer"]
    db.session.execute(delete(OutboxEntry))  # what setting up the team queued
    db.session.commit()
    sends = [pending_send(chat_team, f"indexed-{n:04d}", f"Convoy {n}") for n in range(3)]
    again = pending_send(chat_team, "indexed-0000", "Convoy 0")
    db.session.close()
    for send in sends:
        group.submit(send)
    for send in sends:
        assert send.done.wait(10)
        assert send.is_new
    group.submit(again)
    assert again.done.wait(10)
    assert not again.is_new
    queued = db.session.execute(select(OutboxEntry.kind, OutboxEntry.object_id)).all()
    assert sorted(queued) == sorted(("message", send.payload["id"]) for send in sends)


def test_a_batch_of_resends_loads_their_stored_messages_in_one_query(app, chat_team):
    group = app.extensions["jit_chat_writer"]
    firsts = [pending_send(chat_team, f"again-{n:04d}", f"Convoy {n}") for n in range(3)]
    resends = [pending_send(chat_team, f"again-{n:04d}", f"Convoy {n}") for n in range(3)]
    db.session.close()
    for send in firsts:
        group.submit(send)
    for send in firsts:
        assert send.done.wait(10)
        assert send.is_new
    reads = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM chat_messages" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        writer.write_batch(resends)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    for first, again in zip(firsts, resends, strict=True):
        assert again.error is None
        assert not again.is_new
        assert again.payload["id"] == first.payload["id"]
    # Which client ids were stored, then those messages: two reads, not one per resend.
    assert len(reads) == 2
