"""Chat messages in the case search: the current text only, never a retracted one.

Every member who may chat reads every channel of the team, so one reader token
(``chat``) says who may find a message.
"""

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from jit.chat.markdown import plain_text
from jit.chat.models import Channel, Message
from jit.extensions import db
from jit.permissions import Permission

READER = "chat"


def message_documents(ids: list[int]) -> dict:
    from search.registry import Document

    rows = db.session.scalars(
        select(Message)
        .where(Message.id.in_(ids))
        .options(
            joinedload(Message.channel),
            joinedload(Message.author),
            joinedload(Message.author_party),
        )
    )
    return {
        message.id: None
        if message.is_retracted
        else Document(
            kind="message",
            object_id=message.id,
            team_id=message.channel.team_id,
            title=f"#{message.channel.name} — {message.author.display_name}",
            body=plain_text(message.body),
            occurred_at=message.created_at,
            readers=(READER,),
            party=message.author_party.short_label,
            handling_code=message.handling_code,
            ref=f"{message.channel_id}/{message.id}",
        )
        for message in rows
    }


def _link(code: str, ref: str) -> str:
    channel_id, _, message_id = ref.partition("/")
    return url_for("chat.chat", code=code, channel=channel_id, _anchor=f"message-{message_id}")


def search_kinds(_app):
    """Register chat messages with the case search."""
    from search.registry import SearchKind

    return SearchKind(
        name="message",
        label="Chat message",
        documents=message_documents,
        ids_of_team=lambda team_id: db.session.scalars(
            select(Message.id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(Channel.team_id == team_id, Message.retracted_at.is_(None))
        ),
        reader_tokens=lambda access: {READER} if access.can(Permission.CHAT) else set(),
        link=_link,
        watch={Message: lambda message: [message.id]},
    )
