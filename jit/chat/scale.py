"""``jit demo --scale N``: 20×N chat messages in the team's #general, written in bulk."""

import uuid
from datetime import timedelta

from sqlalchemy import insert, select, update

from jit.chat.models import Channel, Message
from jit.chat.services import new_general_channel
from jit.extensions import db
from jit.permissions import Permission, role_allows

MESSAGES_PER_ITEM = 20
BATCH = 5000
_LINES = [
    "Search of the warehouse confirmed for Tuesday 06:00.",
    "Lab results on the pistol are in, see the custody report.",
    "Can someone from AT confirm the courier's travel dates?",
    "The bank answered the production order; uploading the statements now.",
    "Meeting with the investigating judge moved to Thursday.",
    "Serial number matches the one from the Graz seizure.",
]


def seed(team, memberships, n: int, *, start, span) -> dict:
    """Add 20×``n`` messages to the team's #general channel, numbered in order."""
    channel = db.session.scalar(
        select(Channel).where(Channel.team_id == team.id, Channel.is_general.is_(True))
    )
    if channel is None:
        channel = new_general_channel(team)
        db.session.add(channel)
        db.session.flush()
    writers = [m for m in memberships if role_allows(m.role, Permission.CHAT)]
    total = MESSAGES_PER_ITEM * n
    step = span / max(total, 1)
    seq = channel.last_seq
    rows = []
    for number in range(total):
        seq += 1
        writer = writers[number % len(writers)]
        moment = start + step * number + timedelta(seconds=1)
        text = _LINES[number % len(_LINES)]
        if number % 25 == 0:
            text += f" (message {number + 1})"
        rows.append(
            {
                "channel_id": channel.id,
                "seq": seq,
                "author_id": writer.user_id,
                "author_party_id": writer.party_id,
                "client_id": uuid.uuid4().hex,
                "body": text,
                "handling_code": "H0",
                "handling_conditions": "",
                "created_at": moment,
            }
        )
        if len(rows) == BATCH:
            db.session.execute(insert(Message.__table__), rows)
            rows = []
    if rows:
        db.session.execute(insert(Message.__table__), rows)
    db.session.execute(update(Channel).where(Channel.id == channel.id).values(last_seq=seq))
    db.session.commit()
    return {"chat_messages": total}
