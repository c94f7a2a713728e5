"""Every chat write (channels, messages, edits, retractions, read marks) and the loaders.

Writes add to the caller's transaction and never commit; the caller commits and only
then broadcasts, so nobody sees a message the database does not hold.
"""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from jit import codes, gates
from jit.audit import services as audit
from jit.chat.models import GENERAL_CHANNEL, Channel, Message, MessageRevision, ReadMark
from jit.clock import utcnow
from jit.extensions import db
from jit.inputs import holds_nul, nul_message
from jit.permissions import Permission
from jit.teams.access import TeamAccess

# One definition for the workspace (jit/codes.py), under the names the chat uses.
HANDLING_CODES = codes.HANDLING
HANDLING_LABELS = codes.HANDLING_SHORT
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Refusals said by the sends and by the group-commit writer alike. A channel of another
# team is answered like one that does not exist.
NO_SUCH_CHANNEL = "There is no such channel in this team."
CLIENT_ID_USED_ELSEWHERE = "That client id was already used for a message in another channel."
CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_CONDITIONS = 500


# SQLite has one writer at a time and makes the others retry with sleeps of up to
# 100 ms; chat writes of one process wait their turn on this lock instead.
_sqlite_writer = threading.Lock()


@contextmanager
def serialised_writes() -> Iterator[None]:
    """Queue this process's chat writes on a lock (SQLite; PostgreSQL needs none).

    A writer that has to wait first gives its pooled connection back (ending its
    read-only transaction), so waiters never use up the pool that the writer ahead of
    them needs. Rows it loaded before are reloaded when next used.
    """
    if db.engine.dialect.name != "sqlite":
        yield
        return
    if not _sqlite_writer.acquire(blocking=False):
        db.session.rollback()
        _sqlite_writer.acquire()
    try:
        yield
    finally:
        _sqlite_writer.release()


class ChatError(ValueError):
    """A refused chat operation, with a reason fit to show the person."""


class ChatBusy(ChatError):
    """A send refused for now (too fast, or the server is full); it may go after ``retry_after``."""

    def __init__(self, reason: str, *, retry_after: float):
        super().__init__(reason)
        self.retry_after = retry_after


SOURCE_RELIABILITY = codes.SOURCE_RELIABILITY
INFORMATION_ACCURACY = codes.INFORMATION_ACCURACY


@dataclass(frozen=True)
class Draft:
    """A message as the client sent it, checked. The fields are the message's own names."""

    body: str
    handling_code: str
    handling_conditions: str
    source_reliability: str | None = None
    information_accuracy: str | None = None


RECORDED_FIELDS = [
    "body",
    "handling_code",
    "handling_conditions",
    "source_reliability",
    "information_accuracy",
]


def recorded(obj) -> dict:
    """Return what an edit replaces, from a message, a revision or a draft."""
    return {name: getattr(obj, name) for name in RECORDED_FIELDS}


def may_manage_channels(access: TeamAccess) -> bool:
    """Coordinators and leaders add channels."""
    return access.can(Permission.CHAT) and access.can(Permission.MANAGE_CHANNELS)


def may_read_history(access: TeamAccess) -> bool:
    """Earlier texts and retracted messages are part of the record the coordinator keeps."""
    return access.can(Permission.CHAT) and access.can(Permission.VIEW_CHAT_RECORD)


# --- Channels -------------------------------------------------------------------------


def new_general_channel(team) -> Channel:
    """Return the #general channel every new team gets (not yet added)."""
    return Channel(team=team, name=GENERAL_CHANNEL, topic="The whole team", is_general=True)


def channels_of(access: TeamAccess) -> list[Channel]:
    """Return the team's channels, #general first, then by name."""
    return list(
        db.session.scalars(
            select(Channel)
            .where(Channel.team_id == access.team.id)
            .order_by(Channel.is_general.desc(), Channel.name)
        )
    )


def channel_for(access: TeamAccess, channel_id) -> Channel:
    """Return the channel with ``channel_id`` if it belongs to the member's team."""
    if isinstance(channel_id, bool) or not isinstance(channel_id, int):
        raise ChatError("Name the channel by its number.")
    channel = db.session.get(Channel, channel_id)
    if channel is None or channel.team_id != access.team.id:
        raise ChatError(NO_SUCH_CHANNEL)
    return channel


def read_only_reason(access: TeamAccess) -> str | None:
    """Why the chat is read-only now (the team's agreement has ended), or None."""
    decision = gates.may(access.team, "write_chat")
    return None if decision else decision.reason


def check_may_write(access: TeamAccess) -> None:
    """Refuse a change to the chat's record once the team's agreement has ended."""
    reason = read_only_reason(access)
    if reason:
        raise ChatError(reason)


def create_channel(access: TeamAccess, *, name: str, topic: str = "") -> Channel:
    """Open a channel for the whole team; ChatError if refused."""
    if not may_manage_channels(access):
        raise ChatError("Only the coordinator and the leaders add channels.")
    check_may_write(access)
    if holds_nul(name):
        raise ChatError(nul_message("channel name"))
    if holds_nul(topic):
        raise ChatError(nul_message("topic"))
    name = (name or "").strip().lower().lstrip("#")
    topic = (topic or "").strip()
    if not CHANNEL_NAME.match(name):
        raise ChatError(
            "A channel name is 1 to 64 lower-case letters, digits or hyphens, "
            "e.g. nl-surveillance or operation-harbour."
        )
    if len(topic) > 200:
        raise ChatError("Keep the topic under 200 characters.")
    exists = db.session.scalar(
        select(Channel.id).where(Channel.team_id == access.team.id, Channel.name == name)
    )
    if exists:
        raise ChatError(f"The channel #{name} already exists.")
    channel = Channel(team=access.team, name=name, topic=topic, created_by_id=access.user.id)
    db.session.add(channel)
    db.session.flush()
    audit.record(
        "chat.channel.created",
        team=access.team,
        target=channel,
        new={"name": name, "topic": topic},
        actor=access.user,
    )
    return channel


# --- Messages -------------------------------------------------------------------------


def _grade(value, allowed: dict, what: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise ChatError(f"The {what} must be one of {', '.join(allowed)} (or left out).")
    return value


def check_draft(
    body,
    handling_code="H0",
    handling_conditions="",
    source_reliability=None,
    information_accuracy=None,
) -> Draft:
    """Check a message as sent; raise :class:`ChatError` saying what is wrong."""
    if not isinstance(body, str):
        raise ChatError("The message text is missing.")
    if holds_nul(body):
        raise ChatError(nul_message("message"))
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ChatError("The message is empty.")
    limit = current_app.config["CHAT_MAX_MESSAGE_CHARS"]
    if len(body) > limit:
        raise ChatError(
            f"The message is {len(body):,} characters long; the limit is {limit:,}. "
            "Split it, or add the text to the evidence register and reference it."
        )
    handling_code = handling_code or "H0"
    if handling_code not in HANDLING_CODES:
        raise ChatError("The handling code must be H0, H1, H2 or H3.")
    if not isinstance(handling_conditions, str):
        raise ChatError("The handling conditions must be text.")
    if holds_nul(handling_conditions):
        raise ChatError(nul_message("handling conditions"))
    handling_conditions = handling_conditions.strip()
    if handling_code == "H3" and not handling_conditions:
        raise ChatError("State the conditions that H3 puts on this message.")
    if handling_code != "H3":
        handling_conditions = ""
    if len(handling_conditions) > MAX_CONDITIONS:
        raise ChatError(f"Keep the handling conditions under {MAX_CONDITIONS} characters.")
    return Draft(
        body,
        handling_code,
        handling_conditions,
        _grade(source_reliability, SOURCE_RELIABILITY, "source reliability"),
        _grade(information_accuracy, INFORMATION_ACCURACY, "information accuracy"),
    )


def _existing(author_id: int, client_id: str) -> Message | None:
    return db.session.scalar(
        select(Message).where(Message.author_id == author_id, Message.client_id == client_id)
    )


def _check_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ChatError("The message needs a client id of 8 to 64 letters, digits, - or _.")
    return client_id


def _as_resend(existing: Message, channel_id: int) -> Message:
    if existing.channel_id != channel_id:
        raise ChatError(CLIENT_ID_USED_ELSEWHERE)
    return existing


_messages = Message.__table__
# The channel's team (none if it does not exist) and the id of a message already stored
# under the client id, in one statement built once.
_CHANNEL_AND_RESEND = select(
    Channel.__table__.c.team_id,
    select(_messages.c.id)
    .where(
        _messages.c.author_id == bindparam("author_id"),
        _messages.c.client_id == bindparam("client_id"),
    )
    .scalar_subquery()
    .label("stored_id"),
).where(Channel.__table__.c.id == bindparam("channel_id"))


def _stored_resend(access: TeamAccess, channel_id: int, client_id: str) -> Message | None:
    """Return the message stored under ``client_id`` in the team's ``channel_id``, or None.

    One query; refuses as the writer would (:func:`jit.chat.writer.write_batch`).
    """
    row = db.session.execute(
        _CHANNEL_AND_RESEND,
        {"channel_id": channel_id, "author_id": access.user.id, "client_id": client_id},
    ).first()
    if row is None or row.team_id != access.team.id:
        raise ChatError(NO_SUCH_CHANNEL)
    if row.stored_id is None:
        return None
    return _as_resend(db.session.get(Message, row.stored_id), channel_id)


def _check_send_target(access: TeamAccess, channel_id, client_id) -> None:
    """Check the send's channel number and client id as given.

    Nothing is asked of the database here: whether the channel is the team's, and
    whether the client id was stored already (a resend), the group-commit writer asks
    for its whole batch at once (:func:`jit.chat.writer.write_batch`). At a busy
    channel's rate this one query per send was a tenth of the server's busiest time
    (benchmarks/chat/README.md, session 21).
    """
    if isinstance(channel_id, bool) or not isinstance(channel_id, int):
        raise ChatError("Name the channel by its number.")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        channel_for(access, channel_id)  # an unknown channel is what the sender hears first
        _check_client_id(client_id)


def post_message(
    access: TeamAccess, channel: Channel, *, client_id, draft: Draft
) -> tuple[Message, bool]:
    """Store a message once per client id; return it and whether it is new.

    The channel's counter is incremented first: that UPDATE takes the row lock (the
    write lock on SQLite), so numbers are handed out in commit order without gaps. The
    unique (author, client id) constraint stores a resend once.
    """
    _check_client_id(client_id)
    fields = {
        "channel_id": channel.id,
        "author_id": access.user.id,
        "author_party_id": access.party.id,
        "client_id": client_id,
        **recorded(draft),
        "created_at": utcnow(),
    }
    bump = (
        update(Channel)
        .where(Channel.id == channel.id)
        .values(last_seq=Channel.last_seq + 1)
        .returning(Channel.last_seq)
    )
    try:
        if db.engine.dialect.name == "postgresql":
            # One round trip instead of two while the channel's row is locked: the
            # counter bump feeds the INSERT (a data-modifying WITH), then the commit.
            numbered = bump.cte("numbered")
            message = db.session.scalar(
                insert(Message)
                .from_select(
                    ["seq", *fields],
                    select(
                        numbered.c.last_seq,
                        *(literal(v, Message.__table__.c[k].type) for k, v in fields.items()),
                    ),
                )
                .add_cte(numbered)
                .returning(Message)
            )
        else:
            message = Message(seq=db.session.execute(bump).scalar_one(), **fields)
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        # The same client id was stored already, or raced in from another connection.
        db.session.rollback()
        existing = _existing(access.user.id, client_id)
        if existing is None:
            raise
        return _as_resend(existing, channel.id), False
    return message, True


def check_rate(access: TeamAccess, *, refused: str = "") -> None:
    """Spend one of the person's chat writes; raise :class:`ChatBusy` when they go too fast.

    Sends, edits and retractions share one allowance per person (``JIT_CHAT_RATE_*``).
    A send's refusal says only why: the page adds that the message waits and when it is
    sent again. An edit's or a retraction's says what was not done (``refused``): the
    page sends neither again by itself.
    """
    limiter = current_app.extensions["jit_chat_rate_limiter"]
    wait = limiter.take(access.user.id)
    if wait > 0:
        if refused:
            reason = (
                f"You are writing faster than this workspace allows "
                f"({limiter.rate.describe()}, edits and retractions included); {refused}"
            )
        else:
            reason = (
                f"You are sending messages faster than this workspace allows "
                f"({limiter.rate.describe()})."
            )
        raise ChatBusy(reason, retry_after=wait)


# Said when a send waited the whole of JIT_CHAT_SEND_WAIT_SECONDS for the writer.
NOT_CONFIRMED_IN_TIME = "The server is slow to store messages right now."
# When a send that was not confirmed in time may come again, in seconds.
NOT_CONFIRMED_RETRY_AFTER = 5.0


def send_message(
    access: TeamAccess, channel_id, *, client_id, draft: Draft
) -> tuple[dict, bool] | None:
    """Store and broadcast a message once per client id: its payload and whether it is new.

    ``None`` when the writer answers the sender itself.

    In order: the channel's number and the client id are checked as given; the person's
    send rate is asked; the text is rendered. Then the send joins this process's
    group-commit queue (:mod:`jit.chat.writer`), holding no database connection while it
    waits. The writer checks the batch's channels, answers resends with the stored
    message, commits the rest with the other waiting messages (asking the agreement gate
    for the batch) and broadcasts them; only then is the send answered: here, or by the
    writer, when the send's place came with a way to answer its connection (a send taken
    in as it arrived, jit/chat/events.py ``screen_send``). Raises
    :class:`ChatBusy` (with ``retry_after``) when the person sends too fast (the
    process's bound on sends is applied before, as the event arrives),
    :class:`ChatError` for anything else refused.
    """
    # Imported here: both modules import this one.
    from jit.chat import reading
    from jit.chat.markdown import render
    from jit.chat.writer import PendingSend

    _check_send_target(access, channel_id, client_id)
    # The agreement gate is asked by the writer, at commit, once per team of its batch
    # (writer._read_only_teams): the same refusal, fewer queries per send.
    try:
        check_rate(access)
    except ChatBusy:
        # A resend of a stored message costs nothing: answered from the record even when
        # the person is at their limit (the only time a send asks before it queues).
        existing = _stored_resend(access, channel_id, client_id)
        if existing is None:
            raise
        return reading.message_payload(existing), False
    send = PendingSend(
        channel_id=channel_id,
        team_id=access.team.id,
        author={
            "id": access.user.id,
            "name": access.user.display_name,
            "party": access.party.short_label,
        },
        author_party_id=access.party.id,
        client_id=client_id,
        draft=draft,
        html=render(draft.body),
    )
    # Give the pooled connection back before waiting: nothing was written with it, and
    # the writer needs one while every waiting sender would otherwise hold its own.
    db.session.rollback()
    group = current_app.extensions["jit_chat_writer"]
    if group.submit(send):
        return None  # the writer answers the sender itself (GroupWriter.submit)
    # The page waits longer than this for its answer (it is told the same setting).
    if not send.done.wait(current_app.config["CHAT_SEND_WAIT_SECONDS"]):
        # Out of the queue, or (taken into a batch that may yet commit) its place in the
        # process's bound kept by the writer until it is through. Sent again under its
        # client id, a stored message is answered from the record, never stored twice.
        group.give_up(send)
        if not send.done.is_set():
            raise ChatBusy(NOT_CONFIRMED_IN_TIME, retry_after=NOT_CONFIRMED_RETRY_AFTER)
    if send.error:
        raise ChatError(send.error)
    if not send.is_new:
        # The writer answered a resend from the record: give back what the rate took.
        current_app.extensions["jit_chat_rate_limiter"].give_back(access.user.id)
    return send.payload, send.is_new


def message_for(access: TeamAccess, message_id) -> Message:
    """Return the team's message ``message_id``; ChatError if there is none."""
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise ChatError("Name the message by its number.")
    message = db.session.get(Message, message_id)
    if message is None or message.channel.team_id != access.team.id:
        raise ChatError("There is no such message in this team.")
    return message


def edit_message(access: TeamAccess, message_id, draft: Draft) -> Message:
    """Replace a message's text, keeping the earlier one as a revision and in the audit log."""
    message = message_for(access, message_id)
    if message.author_id != access.user.id:
        raise ChatError("Only the author may edit a message.")
    if message.is_retracted:
        raise ChatError("A retracted message cannot be edited.")
    before, after = recorded(message), recorded(draft)
    if before == after:
        return message
    check_rate(access, refused="the edit was not saved.")
    now = utcnow()
    message.revisions.append(
        MessageRevision(
            **before, written_at=message.edited_at or message.created_at, replaced_at=now
        )
    )
    for name, value in after.items():
        setattr(message, name, value)
    message.edited_at = message.changed_at = now
    old, new = audit.diff(before, after)
    audit.record(
        "chat.message.edited",
        team=access.team,
        target=message,
        old={"channel": message.channel.name, "seq": message.seq, **old},
        new={"channel": message.channel.name, "seq": message.seq, **new},
        actor=access.user,
    )
    return message


def retract_message(access: TeamAccess, message_id) -> Message:
    """Hide a message's text from the channel; the audit entry keeps the text."""
    message = message_for(access, message_id)
    if message.author_id != access.user.id:
        raise ChatError("Only the author may retract a message.")
    if message.is_retracted:
        raise ChatError("This message is already retracted.")
    check_rate(access, refused="the message was not retracted.")
    message.retracted_at = message.changed_at = utcnow()
    message.retracted_by_id = access.user.id
    audit.record(
        "chat.message.retracted",
        team=access.team,
        target=message,
        old={"channel": message.channel.name, "seq": message.seq, **recorded(message)},
        new={"retracted": True},
        actor=access.user,
    )
    return message


# --- Read marks -----------------------------------------------------------------------


def mark_read(access: TeamAccess, channel: Channel, seq) -> int:
    """Move the reader's mark forward to ``seq`` (never back); return the mark."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ChatError("seq must be a message number.")
    seq = min(seq, channel.last_seq)
    mark = db.session.get(ReadMark, (channel.id, access.user.id))
    if mark is None:
        mark = ReadMark(channel_id=channel.id, user_id=access.user.id, last_read_seq=0)
        db.session.add(mark)
    if seq > mark.last_read_seq:
        mark.last_read_seq = seq
        mark.updated_at = utcnow()
    return mark.last_read_seq
