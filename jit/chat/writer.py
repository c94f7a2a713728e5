"""Group commit: one writer thread per process stores every waiting chat message at once.

A send no longer takes the database's write lock itself. It joins a bounded queue,
holding no database connection; the writer takes everything waiting, numbers each
channel's new messages in one ``UPDATE`` of its counter (on PostgreSQL the channel
row's lock, taken once per channel per batch, orders the processes), inserts them and
commits once. Only then does it broadcast the batch, each channel's messages in number
order (several as one ``messages`` event), and answer the senders: it acknowledges a
send taken from its connection as it arrived itself (:meth:`GroupWriter.submit`), and
wakes any other sender waiting for its send.
A process killed mid-batch has committed nothing of it and acknowledged nothing of it;
the clients send again under the same client ids.

The writer has a database connection of its own, beside the request pool: queued
behind the senders for a pooled one, it waited longest exactly when the most sends were
waiting for it (benchmarks/chat/README.md). And a process takes in a bounded number of
sends at once, counted from the event's arrival, before anything else: past the bound
one is refused as it arrives, on the connection's reading thread, with a ``retry_after``
(the time until its turn, :mod:`jit.chat.admission`) instead of taking a thread among a
crowd that makes every send slower (:meth:`GroupWriter.take_place`, and
``jit.chat.events.screen_send``).
"""

import contextlib
import logging
import os
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from time import monotonic

from flask import Flask
from sqlalchemy import bindparam, create_engine, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jit import gates, wal
from jit.chat import admission, gate_cache, reading
from jit.chat.models import Channel, Message
from jit.chat.services import (
    CLIENT_ID_USED_ELSEWHERE,
    NO_SUCH_CHANNEL,
    NOT_CONFIRMED_IN_TIME,
    NOT_CONFIRMED_RETRY_AFTER,
    ChatBusy,
    Draft,
    recorded,
    serialised_writes,
)
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.models import Team
from search import outbox

log = logging.getLogger(__name__)

# Largest batch in one transaction: bounds how long one commit holds the channels' locks.
MAX_BATCH = 500
# A writer thread with nothing to do for this long ends; the next send starts another.
IDLE_SECONDS = 5.0

# Refusals for now: the page adds that the message waits and when it is sent again.
SERVER_BUSY = "The chat server is busy right now."
OWN_SHARE_FULL = "Several of your messages are still being stored."
# A refusal for good: the page keeps the message, marked "Not sent", to send again.
NOT_STORED = "The server could not store this message; nothing was saved."


@dataclass(eq=False)
class PendingSend:
    """One message waiting for the writer, and (once ``done``) what became of it."""

    channel_id: int
    team_id: int  # the channel's team (checked by the send before it queued)
    author: dict  # {"id", "name", "party"}, as payloads show the author
    author_party_id: int
    client_id: str
    draft: Draft
    html: str
    done: threading.Event = field(default_factory=threading.Event)
    payload: dict | None = None
    is_new: bool = False
    error: str | None = None
    # The admission place the writer gives back once it is through with this send, when
    # its sender stopped waiting while the send was in a batch (:meth:`GroupWriter.give_up`),
    # or when the writer answers the send itself.
    held_place: "_Place | None" = None
    # Where the writer answers the send itself (its place's ``reply``), and by when.
    reply: object | None = None
    deadline: float = 0.0
    answered: bool = False


@dataclass(eq=False)
class _Place:
    """One send's place in the process's bound, from its arrival until it is given back."""

    person: Hashable | None
    is_handed_to_writer: bool = False
    # Set by whoever took the place as the event arrived and can answer the sender
    # without the event's thread (jit/chat/events.py, ``screen_send``): the writer then
    # answers the send itself, once it is stored or refused (:meth:`GroupWriter.submit`).
    reply: object | None = None


class GroupWriter:
    """The queue of one app's sends in this process, and the thread that writes them."""

    def __init__(
        self,
        app: Flask,
        capacity: int,
        deliver: Callable[[list[dict]], None],
        answer: "Callable[[Flask, PendingSend, ChatBusy | None], None] | None" = None,
    ):
        self._app = app
        self._capacity = capacity
        self._deliver = deliver
        self._answer_sender = answer
        self._engine: Engine | None = None
        self._reset()
        # A forked server process inherits this object but not the thread, and maybe a
        # lock copied while held: start afresh there. (Weakly: tests build many apps.)
        this = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (writer := this()) and writer._reset())

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._pending: list[PendingSend] = []
        # Sends the writer answers itself and has not yet, oldest (soonest due) first.
        self._unanswered: dict[PendingSend, None] = {}
        self._due = threading.Condition(self._lock)
        self._watcher: threading.Thread | None = None
        self._admission = admission.Admission(self._capacity)
        # The place of the send this thread is answering (set by :meth:`admitted`).
        self._local = threading.local()
        self._thread: threading.Thread | None = None
        if self._engine is not None:
            # The parent's connection stays the parent's; this process opens its own.
            self._engine.dispose(close=False)
            self._engine = None

    def take_place(self, key: Hashable | None = None, person: Hashable | None = None) -> _Place:
        """Take one send in now, or raise :class:`ChatBusy` with the time until its turn.

        ``key`` (the sender and the client id) claims the send's turn; ``person`` holds
        at most their share of the places (see :mod:`jit.chat.admission`). Called on the
        connection's reading thread as the event arrives (:meth:`screened`), before the
        send takes a thread or a database connection.
        """
        try:
            self._admission.enter(key, person)
        except admission.Refused as refused:
            raise ChatBusy(
                OWN_SHARE_FULL if refused.is_own_share else SERVER_BUSY,
                retry_after=refused.retry_after,
            ) from None
        return _Place(person)

    @contextlib.contextmanager
    def screened(self, place: _Place) -> Iterator[None]:
        """Run one send event holding the place it was given as it arrived.

        :meth:`admitted` takes the place on the thread that runs the event. A place the
        event never claimed (it ended before its gate) is given back when it ends.
        """
        self._local.screened = place
        try:
            yield
        finally:
            left = getattr(self._local, "screened", None)
            self._local.screened = None
            if left is not None:
                self._admission.leave(left.person)

    @contextlib.contextmanager
    def admitted(
        self, key: Hashable | None = None, person: Hashable | None = None
    ) -> Iterator[None]:
        """Count one send in this process while it is checked, queued and written.

        The place was taken as the event arrived (:meth:`screened`), or is taken now
        (:meth:`take_place`: raises :class:`ChatBusy` at once, before the send uses a
        database connection, when the process takes in no more now).

        The place is given back when the send is answered, unless its sender stopped
        waiting while the writer had it in a batch: then the writer gives it back once
        the batch is through (:meth:`give_up`), so the bound counts every send the
        writer still holds.
        """
        place = getattr(self._local, "screened", None)
        self._local.screened = None
        if place is None:
            place = self.take_place(key, person)
        self._local.place = place
        try:
            yield
        finally:
            self._local.place = None
            if not place.is_handed_to_writer:
                self._admission.leave(place.person)

    def submit(self, send: PendingSend) -> bool:
        """Queue ``send`` for the writer (a send admitted by :meth:`admitted`); return
        whether the writer answers its sender itself.

        It does when the send's place came with a ``reply`` (taken as the event arrived,
        by a caller that can answer the connection directly) and an answer callback was
        given: the event then ends at once, holding no thread while the send waits, and
        the writer answers once the send is stored or refused, with the broadcast that
        wakes the connection anyway. A send still unanswered after
        ``CHAT_SEND_WAIT_SECONDS`` is answered "not confirmed yet" as a waiting sender
        would be (:meth:`_watch`). The place is then the writer's to give back.
        """
        place = getattr(self._local, "place", None)
        answered_here = (
            place is not None and place.reply is not None and self._answer_sender is not None
        )
        with self._lock:
            if answered_here:
                send.reply, send.held_place = place.reply, place
                place.is_handed_to_writer = True
                send.deadline = monotonic() + self._app.config["CHAT_SEND_WAIT_SECONDS"]
                self._unanswered[send] = None
                if self._watcher is None:
                    self._watcher = threading.Thread(
                        target=self._watch, name="chat-writer-watch", daemon=True
                    )
                    self._watcher.start()
            self._pending.append(send)
            self._start_if_needed()
            self._work.notify()
        return answered_here

    def give_up(self, send: PendingSend) -> bool:
        """Stop waiting for ``send``; return whether it was withdrawn, never to be stored.

        A send still in the queue leaves it. One the writer has taken into a batch may
        yet be stored: the writer keeps its place in the bound until the batch is through
        (so a stalled database cannot draw more sends into the queue than the bound),
        and its sender answers "not confirmed yet"; sent again under its client id, it is
        answered from the record if it was stored.
        """
        with self._lock:
            if send in self._pending:
                self._pending.remove(send)
                return True
            if not send.done.is_set():
                place = getattr(self._local, "place", None)
                if place is not None:
                    place.is_handed_to_writer = True
                    send.held_place = place
            return False

    def waiting(self) -> int:
        with self._lock:
            return len(self._pending)

    def in_progress(self) -> int:
        return self._admission.in_progress

    def engine(self) -> Engine:
        """The writer's engine: one connection to the app's database, outside its pool."""
        if self._engine is None:
            shared = db.engine
            options = {"pool_size": 1, "max_overflow": 0}
            if shared.dialect.name != "sqlite":
                options["pool_pre_ping"] = True  # as the app's (jit/app.py)
            self._engine = create_engine(shared.url, **options)
            wal.watch_engine(self._app, self._engine)
        return self._engine

    def _start_if_needed(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="chat-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending:
                    if not self._work.wait(IDLE_SECONDS) and not self._pending:
                        self._thread = None
                        # The connection goes with the thread; the next one opens another.
                        self.close()
                        return
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            self._write_and_deliver(batch)

    def close(self) -> None:
        """Close the writer's own connection (it opens again when next needed)."""
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()

    def _write_and_deliver(self, batch: list[PendingSend]) -> None:
        try:
            with self._app.app_context():
                # db.session is this app context's own: bound to the writer's connection.
                # (Flask-SQLAlchemy closes it when the context ends.)
                db.session.registry.set(Session(bind=self.engine()))
                try:
                    write_batch(batch)
                except IntegrityError:
                    # A client id raced in from another process: store them one by one.
                    db.session.rollback()
                    if len(batch) == 1:
                        raise
                    for send in batch:
                        self._write_and_deliver([send])
                    return
                except Exception:
                    db.session.rollback()
                    raise
        except Exception:
            log.exception("a batch of %d chat messages failed", len(batch))
            for send in batch:
                send.payload, send.is_new = None, False
                send.error = NOT_STORED
            # Tell each sender: their messages are refused, nothing of them was stored.
            self._answer(batch)
            return
        fresh = [send.payload for send in batch if send.is_new]
        if fresh:
            try:
                self._deliver(fresh)
            except Exception:
                log.exception("broadcasting %d chat messages failed", len(fresh))
        self._answer(batch)

    def _answer(self, batch: list[PendingSend]) -> None:
        """Wake each sender, or answer it; give back the places the writer holds."""
        for send in batch:
            send.done.set()
        # Under the lock: a sender giving up marks its send before ``done`` is set, or
        # finds it set and answers from it (give_up); a send answered "not confirmed"
        # when its time ran out is not answered again.
        with self._lock:
            places = [send.held_place for send in batch if send.held_place is not None]
            replies = [send for send in batch if send.reply is not None and not send.answered]
            for send in replies:
                send.answered = True
                self._unanswered.pop(send, None)
        for send in replies:
            self._reply(send)
        for place in places:
            self._admission.leave(place.person)

    def _reply(self, send: PendingSend, busy: ChatBusy | None = None) -> None:
        try:
            self._answer_sender(self._app, send, busy)
        except Exception:
            # The connection may have closed meanwhile; the message is stored or not
            # as the batch went, and a resend under its client id is answered from it.
            log.exception("answering a chat send failed")

    def _watch(self) -> None:
        """Answer "not confirmed yet" to each send the writer answers that is due.

        As a waiting sender gives up (:meth:`give_up`): a send still queued leaves the
        queue, never to be stored, and its place is given back; one in a batch keeps
        its place until the batch is through, and a resend under its client id is
        answered from the record if it was stored.
        """
        while True:
            with self._lock:
                while True:
                    if not self._unanswered:
                        self._watcher = None
                        return
                    wait = next(iter(self._unanswered)).deadline - monotonic()
                    if wait <= 0:
                        break
                    self._due.wait(wait)
                now, due, withdrawn = monotonic(), [], []
                for send in self._unanswered:
                    if send.deadline > now:
                        break
                    due.append(send)
                for send in due:
                    del self._unanswered[send]
                    send.answered = True
                    if send in self._pending:
                        self._pending.remove(send)
                        withdrawn.append(send.held_place)
                        send.held_place = None
            busy = ChatBusy(NOT_CONFIRMED_IN_TIME, retry_after=NOT_CONFIRMED_RETRY_AFTER)
            for send in due:
                self._reply(send, busy)
            for place in withdrawn:
                self._admission.leave(place.person)


# The batch's statements, built once: a batch runs them on the writer's connection
# itself, not through the ORM's execution (half of the writer's time at a busy channel's
# rate went to the ORM: loading each new row back as an object, the flush hooks;
# benchmarks/chat/README.md, session 32).
_messages, _channels = Message.__table__, Channel.__table__
_CHANNEL_TEAMS = select(_channels.c.id, _channels.c.team_id).where(
    _channels.c.id.in_(bindparam("channels", expanding=True))
)
_STORED = select(_messages.c.id, _messages.c.author_id, _messages.c.client_id).where(
    _messages.c.author_id.in_(bindparam("authors", expanding=True)),
    _messages.c.client_id.in_(bindparam("client_ids", expanding=True)),
)
_NUMBER = (
    update(_channels)
    .where(_channels.c.id == bindparam("channel"))
    .values(last_seq=_channels.c.last_seq + bindparam("count"))
    .returning(_channels.c.last_seq)
)
_INSERT = insert(_messages).returning(_messages.c.id, sort_by_parameter_order=True)


def write_batch(batch: list[PendingSend]) -> None:
    """Store a batch in one transaction: channels checked, resends found, numbers handed
    out, one commit.

    Fills each send's ``payload`` (and ``is_new``) or ``error``. Each channel's counter
    is bumped once for all its new messages, channels in id order so two processes'
    writers never wait for each other in a circle.
    """
    with serialised_writes():
        connection = db.session.connection()
        # The sends checked nothing in the database (services.send_message): the channel
        # must be the sender's team's, before anything else is answered, resends too.
        team_of = dict(
            connection.execute(
                _CHANNEL_TEAMS, {"channels": sorted({send.channel_id for send in batch})}
            ).all()
        )
        ours = []
        for send in batch:
            if team_of.get(send.channel_id) == send.team_id:
                ours.append(send)
            else:
                send.error = NO_SUCH_CHANNEL
        batch = ours
        if not batch:
            return
        read_only = _read_only_teams({send.team_id for send in batch})
        # By author and client id, the unique index's columns: no scan of the channel.
        stored = {
            (author_id, client_id): message_id
            for message_id, author_id, client_id in connection.execute(
                _STORED,
                {
                    "authors": sorted({s.author["id"] for s in batch}),
                    "client_ids": sorted({s.client_id for s in batch}),
                },
            )
        }
        # The resends' stored messages, loaded in one query when there are any.
        resent = {stored[key] for s in batch if (key := (s.author["id"], s.client_id)) in stored}
        answers = (
            {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_(resent)))}
            if resent
            else {}
        )
        first_of: dict[tuple[int, str], PendingSend] = {}
        by_channel: dict[int, list[PendingSend]] = defaultdict(list)
        repeats: list[tuple[PendingSend, PendingSend]] = []
        for send in batch:
            key = (send.author["id"], send.client_id)
            if key in stored:
                _as_resend(send, answers[stored[key]])
            elif key in first_of:
                repeats.append((send, first_of[key]))
            elif send.team_id in read_only:
                send.error = read_only[send.team_id]
            else:
                first_of[key] = send
                by_channel[send.channel_id].append(send)
        now = utcnow()
        fresh, rows = [], []
        for channel_id in sorted(by_channel):
            sends = by_channel[channel_id]
            last = connection.execute(
                _NUMBER, {"channel": channel_id, "count": len(sends)}
            ).scalar_one_or_none()
            if last is None:  # deleted since it was looked up above
                for send in sends:
                    send.error = NO_SUCH_CHANNEL
                continue
            for offset, send in enumerate(sends):
                rows.append(
                    {
                        "seq": last - len(sends) + 1 + offset,
                        "channel_id": channel_id,
                        "author_id": send.author["id"],
                        "author_party_id": send.author_party_id,
                        "client_id": send.client_id,
                        "created_at": now,
                        **recorded(send.draft),
                    }
                )
                fresh.append(send)
        if fresh:
            ids = connection.execute(_INSERT, rows).scalars().all()
            # As the rows were written, not loaded back: what the payloads and the
            # search outbox read of them (an ORM flush or INSERT would queue them itself).
            written = [
                Message(id=message_id, **row) for message_id, row in zip(ids, rows, strict=True)
            ]
            outbox.queue_written(db.session, written)
            for send, message in zip(fresh, written, strict=True):
                send.payload = reading.message_payload(message, send.html, author=send.author)
                send.is_new = True
        for send, first in repeats:
            if first.payload is not None and first.channel_id == send.channel_id:
                send.payload = first.payload
            else:
                send.error = first.error or CLIENT_ID_USED_ELSEWHERE
        db.session.commit()


def _read_only_teams(team_ids: set[int]) -> dict[int, str]:
    """The batch's teams that may not write in the chat now, with the reason.

    The agreement gate (:func:`jit.gates.may`, ``"write_chat"``) is asked here, at
    commit, once per team, instead of by every send before it queued: its answer takes
    a few queries (the agreement's status, a deletion certificate), most of a send's
    database work before this. A message is thus checked when it is stored, however
    long it waited, against an answer at most a moment old and given after the last
    change this process made (:mod:`jit.chat.gate_cache`). A resend of a message stored
    in time is answered from the record before this refusal (as :func:`write_batch`
    orders them).
    """
    reasons = {}
    for team_id in team_ids:
        reason = gate_cache.read_only_reason(team_id, _ask)
        if reason is not None:
            reasons[team_id] = reason
    return reasons


def _ask(team_id: int) -> str | None:
    decision = gates.may(db.session.get(Team, team_id), "write_chat")
    return None if decision else decision.reason


def _as_resend(send: PendingSend, message: Message) -> None:
    if message.channel_id != send.channel_id:
        send.error = CLIENT_ID_USED_ELSEWHERE
    else:
        send.payload = reading.message_payload(message)
