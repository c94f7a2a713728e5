"""Group commit in real servers: two processes numbering one channel, and a killed process.

Two processes share a database in production on PostgreSQL (and Redis); the same
numbering holds on SQLite, whose write lock orders the processes as the channel row's
lock does on PostgreSQL, so both run.

A message is acknowledged only after its commit. A process killed while its batch
waits for the database has committed nothing of the batch and acknowledged nothing of
it; the senders send again under the same client ids and every message is stored once,
numbered without a gap. Killed with its batch inserted and its commit under way
(PostgreSQL), it has acknowledged and broadcast nothing; whether the database then
commits the batch or rolls it back, a resend stores each message once.
"""

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from jit.chat.models import Message
from jit.extensions import db
from tests.conftest import _backends

pytestmark = pytest.mark.slow

SENDERS = 8


@pytest.fixture
def unlimited(monkeypatch):
    """Servers started in this test send as fast as they are asked to."""
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "0")


def _members(chat_team, make_membership):
    return [chat_team.nl, chat_team.de] + [
        make_membership(chat_team.team, "member", "DE").user for _ in range(SENDERS - 2)
    ]


def _joined(live_client, server, person, chat_team):
    client = live_client(server, person, chat_team.code)
    client.wait_for("ready")
    assert client.call("join", {"channel": chat_team.general.id})["ok"]
    return client


def _stored(channel_id):
    db.session.rollback()
    return db.session.execute(
        select(Message.seq, Message.client_id)
        .where(Message.channel_id == channel_id)
        .order_by(Message.seq)
    ).all()


def test_two_processes_number_one_channel_without_gaps(
    app, chat_team, make_membership, chat_server, live_client, redis_url, unlimited
):
    people = _members(chat_team, make_membership)
    channel_id = chat_team.general.id
    servers = [chat_server(redis_url, name="first"), chat_server(redis_url, name="second")]
    clients = [
        _joined(live_client, servers[index % 2], person, chat_team)
        for index, person in enumerate(people)
    ]
    answers = {index: [] for index in range(SENDERS)}
    start = threading.Barrier(SENDERS)

    def run(index):
        start.wait(10)
        for number in range(25):
            answers[index].append(
                clients[index].call(
                    "send",
                    {"channel": channel_id, "client_id": f"p{index}-{number:06d}", "body": "x"},
                    timeout=30,
                )
            )

    threads = [threading.Thread(target=run, args=(index,)) for index in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for index, sent in answers.items():
        assert len(sent) == 25, sent
        assert all(a["ok"] for a in sent), sent
        seqs = [a["seq"] for a in sent]
        assert seqs == sorted(seqs), f"sender {index} saw its messages out of order"
    total = SENDERS * 25
    assert [seq for seq, _ in _stored(channel_id)] == list(range(1, total + 1))
    # Every member, on either process, received every message exactly once.
    for client in clients:
        deadline = time.monotonic() + 20
        while len(client.payloads("message")) < total and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(m["seq"] for m in client.payloads("message")) == list(range(1, total + 1))


class DatabaseLock:
    """Hold the channel's row (PostgreSQL) or the write lock (SQLite) from outside."""

    def __init__(self, app, db_backend, channel_id):
        url = make_url(app.config["DATABASE_URL"])
        if db_backend == "sqlite":
            self._sqlite = sqlite3.connect(url.database, isolation_level=None, timeout=10)
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            self._engine = create_engine(url)
            self._connection = self._engine.connect()
            self._connection.execute(
                text("SELECT last_seq FROM chat_channels WHERE id = :id FOR UPDATE"),
                {"id": channel_id},
            )
        self._backend = db_backend
        self._released = False

    def wait_for_the_writer(self):
        """Return once the server's batch waits for this lock (seen on PostgreSQL)."""
        if self._backend == "sqlite":
            time.sleep(1.0)  # SQLite does not show who waits for its lock
            return
        # A loaded CI machine may take many seconds to hand the batch to the writer.
        deadline = time.monotonic() + 90
        with self._engine.connect() as observer:
            while time.monotonic() < deadline:
                waiting = observer.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar()
                if waiting:
                    return
                time.sleep(0.05)
        raise AssertionError("the server's batch never waited for the channel's row")

    def release(self):
        """Let go of the lock; again is a no-op, so a failing test still closes it."""
        if self._released:
            return
        self._released = True
        if self._backend == "sqlite":
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
        else:
            self._connection.rollback()
            self._connection.close()
            self._engine.dispose()


def test_a_killed_process_loses_no_acknowledged_message_and_acknowledges_none_unstored(
    app, db_backend, chat_team, chat_server, live_client, unlimited
):
    channel_id = chat_team.general.id
    server = chat_server()
    alice = _joined(live_client, server, chat_team.nl, chat_team)
    acknowledged = [
        alice.call("send", {"channel": channel_id, "client_id": f"before-{n:04d}", "body": "x"})
        for n in range(5)
    ]
    assert [a["seq"] for a in acknowledged] == [1, 2, 3, 4, 5]

    # The writer's next batch waits for the database; the process dies meanwhile.
    lock = DatabaseLock(app, db_backend, channel_id)
    answers = []
    try:
        for number in range(5):
            alice.sio.emit(
                "send",
                {"channel": channel_id, "client_id": f"during-{number:04d}", "body": "x"},
                namespace="/chat",
                callback=lambda *answer: answers.append(answer),
            )
        try:
            lock.wait_for_the_writer()  # the batch is in the writer's transaction, waiting
        except AssertionError as error:  # say what the sends got instead
            raise AssertionError(f"{error}; answers meanwhile: {answers}") from error
        server.kill()
    finally:
        lock.release()
    time.sleep(1.0)
    assert answers == []  # nothing of the batch was acknowledged
    assert [client_id for _, client_id in _stored(channel_id)] == [
        f"before-{n:04d}" for n in range(5)
    ]

    # The client sends the unacknowledged messages again, under the same ids.
    server.start()
    alice = _joined(live_client, server, chat_team.nl, chat_team)
    again = [
        alice.call("send", {"channel": channel_id, "client_id": f"during-{n:04d}", "body": "x"})
        for n in range(5)
    ] + [alice.call("send", {"channel": channel_id, "client_id": "before-0004", "body": "x"})]
    assert [a["seq"] for a in again] == [6, 7, 8, 9, 10, 5]
    assert again[-1]["duplicate"]
    assert [seq for seq, _ in _stored(channel_id)] == list(range(1, 11))


class HeldAtCommit:
    """Hold the commit of every transaction that inserted chat messages (PostgreSQL): a
    constraint trigger deferred to the commit waits for an advisory lock the test holds.

    Everything the writer does before its commit has run; the commit has not."""

    KEY = 7_311_046

    def __init__(self, app):
        self._engine = create_engine(make_url(app.config["DATABASE_URL"]))
        self._connection = self._engine.connect()
        with self._engine.begin() as setup:
            setup.execute(
                text(
                    "CREATE FUNCTION jit_test_hold_commit() RETURNS trigger AS $$ BEGIN "
                    f"PERFORM pg_advisory_xact_lock_shared({self.KEY}); RETURN NULL; "
                    "END $$ LANGUAGE plpgsql"
                )
            )
            setup.execute(
                text(
                    "CREATE CONSTRAINT TRIGGER jit_test_hold_commit AFTER INSERT ON "
                    "chat_messages DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    "EXECUTE FUNCTION jit_test_hold_commit()"
                )
            )
        self._connection.execute(text(f"SELECT pg_advisory_lock({self.KEY})"))
        self._holder = self._connection.execute(text("SELECT pg_backend_pid()")).scalar()
        self._connection.commit()

    def wait_for_the_commit(self) -> int:
        """Return the server process of a transaction that has written to the messages (its
        insert's lock on the table granted) and waits at its commit for the test's lock."""
        deadline = time.monotonic() + 90
        with self._engine.connect() as observer:
            while time.monotonic() < deadline:
                held = observer.execute(
                    text(
                        "SELECT activity.pid FROM pg_stat_activity AS activity "
                        "JOIN pg_locks AS lock ON lock.pid = activity.pid "
                        "WHERE :holder = ANY(pg_blocking_pids(activity.pid)) "
                        "AND lock.relation = 'chat_messages'::regclass "
                        "AND lock.mode = 'RowExclusiveLock' AND lock.granted"
                    ),
                    {"holder": self._holder},
                ).scalar()
                observer.rollback()
                if held:
                    return held
                time.sleep(0.05)
        raise AssertionError("the server's commit never waited after its insert")

    def end_transaction_of(self, pid: int, *, commit: bool) -> None:
        """Let the held commit go through (``commit``), or end its connection (it rolls
        back); return once its transaction is over."""
        with self._engine.connect() as observer:
            if not commit:
                observer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            self._release()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                active = observer.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).scalar()
                observer.rollback()
                if not active:
                    return
                time.sleep(0.05)
        raise AssertionError("the held transaction never ended")

    def _release(self):
        if self._connection is not None:
            self._connection.execute(text(f"SELECT pg_advisory_unlock({self.KEY})"))
            self._connection.commit()
            self._connection.close()
            self._connection = None

    def close(self):
        """Let go of the lock and drop the trigger (the database outlives the test)."""
        self._release()
        if self._engine is None:
            return
        with self._engine.begin() as teardown:
            teardown.execute(text("DROP TRIGGER IF EXISTS jit_test_hold_commit ON chat_messages"))
            teardown.execute(text("DROP FUNCTION IF EXISTS jit_test_hold_commit()"))
        self._engine.dispose()
        self._engine = None


# PostgreSQL only: SQLite cannot hold a commit from outside the server
# (tests/jit/chat/test_commit_held.py holds one in-process on both databases).
@pytest.mark.parametrize("db_backend", [b for b in _backends() if b == "postgresql"])
@pytest.mark.parametrize("commit_goes_through", [True, False], ids=["committed", "rolled-back"])
def test_a_process_killed_at_its_commit_acknowledged_nothing_and_a_resend_stores_each_once(
    app, db_backend, chat_team, chat_server, live_client, unlimited, commit_goes_through
):
    """Killed with its batch inserted and its commit asked for but not done (PostgreSQL:
    SQLite cannot hold a commit from outside; test_commit_held.py holds it in-process).
    Nothing was acknowledged or broadcast; the database then commits the batch (the
    commit had been asked for) or rolls it back (its connection ended); either way the
    senders send again under the same ids and each message is stored once, without a gap.
    """
    channel_id = chat_team.general.id
    server = chat_server()
    alice = _joined(live_client, server, chat_team.nl, chat_team)
    bob = _joined(live_client, server, chat_team.de, chat_team)
    first = alice.call("send", {"channel": channel_id, "client_id": "before-0001", "body": "x"})
    assert first["seq"] == 1
    bob.wait_for("message", lambda m: m["client_id"] == "before-0001")

    hold = HeldAtCommit(app)
    answers = []
    try:
        for number in range(5):
            alice.sio.emit(
                "send",
                {"channel": channel_id, "client_id": f"during-{number:04d}", "body": "x"},
                namespace="/chat",
                callback=lambda *answer: answers.append(answer),
            )
        held = hold.wait_for_the_commit()  # inserted in the writer's transaction, held
        acknowledged = list(answers)
        received = [m["client_id"] for m in bob.payloads("message")]
        server.kill()
        hold.end_transaction_of(held, commit=commit_goes_through)
    finally:
        hold.close()
    assert acknowledged == answers == []  # nothing of the held batch was acknowledged
    assert received == ["before-0001"]  # nor broadcast
    stored = _stored(channel_id)
    in_doubt = [client_id for _, client_id in stored[1:]]
    assert [seq for seq, _ in stored] == list(range(1, len(stored) + 1))
    if commit_goes_through:
        assert in_doubt  # the held batch, committed after its process was gone
        # (One connection's sends are handled side by side: any of them, in any order.)
        assert set(in_doubt) <= {f"during-{n:04d}" for n in range(5)}
    else:
        assert in_doubt == []

    server.start()
    alice = _joined(live_client, server, chat_team.nl, chat_team)
    again = [
        alice.call("send", {"channel": channel_id, "client_id": f"during-{n:04d}", "body": "x"})
        for n in range(5)
    ]
    assert sorted(a["seq"] for a in again) == [2, 3, 4, 5, 6]
    assert [a["duplicate"] for a in again] == [f"during-{n:04d}" in in_doubt for n in range(5)]
    assert [seq for seq, _ in _stored(channel_id)] == list(range(1, 7))
