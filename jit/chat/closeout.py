"""The chat's share of a party's close-out archive: each channel it could read, as JSONL."""

import json

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jit.bags import Payload, safe_name
from jit.chat.models import Message
from jit.chat.reading import message_payload
from jit.chat.services import channels_of
from jit.extensions import db
from jit.permissions import Permission


def closeout_payload(access) -> list[Payload]:
    """Answer :data:`jit.signals.closeout_payload`: one JSONL file per channel.

    Messages as the channel showed them: a retracted message keeps its place without
    its text (the text stays in the audit record, for whoever may read that).
    """
    if not access.can(Permission.CHAT):
        return []
    files = []
    for channel in channels_of(access):
        name = f"chat/{channel.id}-{safe_name(channel.name, 'channel')}.jsonl"
        files.append(Payload(name, _lines(channel.id)))
    return files


def _lines(channel_id: int):
    def generate():
        messages = db.session.scalars(
            select(Message)
            .where(Message.channel_id == channel_id)
            .order_by(Message.seq)
            .options(selectinload(Message.author), selectinload(Message.author_party))
            .execution_options(yield_per=500)
        )
        for message in messages:
            record = message_payload(message, html="")
            del record["html"]
            yield (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")

    return generate
