"""What the audit record may show a reader of chat channels and messages.

Connected to :data:`jit.signals.record_visibility`. A channel's entries show to every
member who chats (channels are open to the whole team). A message's entries carry its
earlier texts (edits, retractions), so they follow the message-record page
(``/t/<code>/chat/messages/<id>``): only who may read that page sees them.
"""

from flask import url_for
from sqlalchemy import select

from jit.audit.visibility import numeric_ids
from jit.chat.models import Channel, Message
from jit.chat.services import may_read_history
from jit.extensions import db
from jit.permissions import Permission


def openable_chat(access, objects: dict[str, set[str]]) -> dict:
    """Return the channels and messages among ``objects`` that ``access`` may open."""
    opened: dict = {}
    if not access.can(Permission.CHAT):
        return opened
    channel_ids = numeric_ids(objects.get("chat_channels", ()))
    if channel_ids:
        found = db.session.scalars(
            select(Channel.id).where(Channel.id.in_(channel_ids), Channel.team_id == access.team.id)
        )
        for channel_id in found:
            opened[("chat_channels", str(channel_id))] = url_for(
                "chat.chat", code=access.team.code, channel=channel_id
            )
    message_ids = numeric_ids(objects.get("chat_messages", ()))
    if message_ids and may_read_history(access):
        found = db.session.scalars(
            select(Message.id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(Message.id.in_(message_ids), Channel.team_id == access.team.id)
        )
        for message_id in found:
            opened[("chat_messages", str(message_id))] = url_for(
                "chat.message_record", code=access.team.code, message_id=message_id
            )
    return opened
