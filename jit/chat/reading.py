"""What chat clients read: history pages, catch-up after a gap, unread counts, payloads.

Callers have authorised the channel already (:func:`jit.chat.services.channel_for`).
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from jit.audit.models import AuditEntry, team_chain
from jit.chat.markdown import render
from jit.chat.models import Channel, Message, ReadMark
from jit.chat.services import ChatError
from jit.extensions import db
from jit.teams.access import TeamAccess

PAGE_SIZE = 50
CATCH_UP_LIMIT = 500
# An edit is stamped when it is written and seen by others when it commits, a moment
# later; a client's "synced at" may fall in between. Looking this far further back
# sends a few updates twice (harmless: they replace by id) and never misses one.
CHANGE_OVERLAP = timedelta(seconds=30)


def _messages(channel: Channel):
    return (
        select(Message)
        .where(Message.channel_id == channel.id)
        .options(joinedload(Message.author), joinedload(Message.author_party))
    )


def history(channel: Channel, *, before_seq=None, limit=PAGE_SIZE) -> tuple[list[Message], bool]:
    """Return up to ``limit`` messages older than ``before_seq`` (oldest first) and whether
    there are older ones still."""
    if before_seq is not None and (isinstance(before_seq, bool) or not isinstance(before_seq, int)):
        raise ChatError("before_seq must be a message number.")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_SIZE:
        raise ChatError(f"Ask for 1 to {PAGE_SIZE} messages at a time.")
    statement = _messages(channel)
    if before_seq is not None:
        statement = statement.where(Message.seq < before_seq)
    rows = list(db.session.scalars(statement.order_by(Message.seq.desc()).limit(limit + 1)))
    has_more = len(rows) > limit
    return list(reversed(rows[:limit])), has_more


def missed(channel: Channel, *, after_seq) -> tuple[list[Message], bool]:
    """Return the messages after ``after_seq`` in order (at most CATCH_UP_LIMIT) and whether
    more follow."""
    if isinstance(after_seq, bool) or not isinstance(after_seq, int) or after_seq < 0:
        raise ChatError("after_seq must be the number of the last message seen (0 for none).")
    rows = list(
        db.session.scalars(
            _messages(channel)
            .where(Message.seq > after_seq)
            .order_by(Message.seq)
            .limit(CATCH_UP_LIMIT + 1)
        )
    )
    return rows[:CATCH_UP_LIMIT], len(rows) > CATCH_UP_LIMIT


def parse_synced_at(value) -> datetime:
    """Read back a ``synced_at`` this server gave a client."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ChatError("changed_since must be the synced_at the server gave (ISO 8601 with zone).")
    return moment


def changed(channel: Channel, *, since: datetime, up_to_seq: int) -> tuple[list[Message], bool]:
    """Return messages up to ``up_to_seq`` edited or retracted since ``since`` (in order),
    at most CATCH_UP_LIMIT, and whether that is all of them.

    A client that was away has the older messages as they were; these replace them.
    """
    rows = list(db.session.scalars(changed_statement(channel, since=since, up_to_seq=up_to_seq)))
    complete = len(rows) <= CATCH_UP_LIMIT
    return sorted(rows[:CATCH_UP_LIMIT], key=lambda message: message.seq), complete


def changed_statement(channel: Channel, *, since: datetime, up_to_seq: int):
    """The query behind :func:`changed`: a range of the (channel, changed_at) index.

    Ordered by that index, not by number: ordered by number, the planners would walk
    the whole channel to skip a sort of the few rows found. Which rows come first
    matters only when there are more than CATCH_UP_LIMIT, and then the client reloads.
    """
    return (
        _messages(channel)
        .where(Message.changed_at >= since - CHANGE_OVERLAP, Message.seq <= up_to_seq)
        .order_by(Message.changed_at)
        .limit(CATCH_UP_LIMIT + 1)
    )


def unread_counts(access: TeamAccess, channel_id: int | None = None) -> dict[int, int]:
    """Return, per channel of the team (or for ``channel_id`` alone), the messages of
    others after the reader's mark."""
    mark = ReadMark.__table__
    statement = (
        select(Channel.id, func.count(Message.id))
        .select_from(Channel)
        .outerjoin(mark, and_(mark.c.channel_id == Channel.id, mark.c.user_id == access.user.id))
        .outerjoin(
            Message,
            and_(
                Message.channel_id == Channel.id,
                Message.seq > func.coalesce(mark.c.last_read_seq, 0),
                Message.author_id != access.user.id,
                Message.retracted_at.is_(None),
            ),
        )
        .where(Channel.team_id == access.team.id)
        .group_by(Channel.id)
    )
    if channel_id is not None:
        statement = statement.where(Channel.id == channel_id)
    return {channel: count for channel, count in db.session.execute(statement)}


def read_marks(access: TeamAccess, channel_id: int | None = None) -> dict[int, int]:
    """Return the reader's mark per channel of the team (or for ``channel_id`` alone)."""
    statement = (
        select(ReadMark.channel_id, ReadMark.last_read_seq)
        .join(Channel, Channel.id == ReadMark.channel_id)
        .where(ReadMark.user_id == access.user.id, Channel.team_id == access.team.id)
    )
    if channel_id is not None:
        statement = statement.where(Channel.id == channel_id)
    return dict(db.session.execute(statement).all())


# --- What clients receive -------------------------------------------------------------


def message_payload(message: Message, html: str | None = None, author: dict | None = None) -> dict:
    """Return a message as every member of the channel may see it (no per-reader parts).

    ``html`` is the body already rendered, when the caller rendered it outside a lock;
    ``author`` the author as payloads show them, when the caller has them at hand.
    """
    retracted = message.is_retracted
    return {
        "id": message.id,
        "channel": message.channel_id,
        "seq": message.seq,
        "client_id": message.client_id,
        "author": author
        or {
            "id": message.author_id,
            "name": message.author.display_name,
            "party": message.author_party.short_label,
        },
        "created_at": message.created_at.isoformat(timespec="milliseconds"),
        "edited_at": message.edited_at.isoformat(timespec="milliseconds")
        if message.edited_at
        else None,
        "retracted": retracted,
        "handling_code": message.handling_code,
        "handling_conditions": None if retracted else message.handling_conditions,
        "source_reliability": message.source_reliability,
        "information_accuracy": message.information_accuracy,
        "text": None if retracted else message.body,
        "html": None if retracted else (html if html is not None else render(message.body)),
    }


def channel_payload(channel: Channel, unread: int = 0, last_read_seq: int = 0) -> dict:
    return {
        "id": channel.id,
        "name": channel.name,
        "topic": channel.topic,
        "is_general": channel.is_general,
        "last_seq": channel.last_seq,
        "unread": unread,
        "last_read_seq": last_read_seq,
    }


def record_of(access: TeamAccess, message: Message) -> list[AuditEntry]:
    """Return the team's audit entries about ``message``, oldest first: its every text."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.chain == team_chain(access.team.id),
                AuditEntry.object_type == "chat_messages",
                AuditEntry.object_id == str(message.id),
            )
            .order_by(AuditEntry.seq)
        )
    )
