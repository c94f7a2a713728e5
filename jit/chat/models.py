"""Team chat: channels, messages with their earlier texts, and how far each reader has read."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jit.accounts.models import User
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.models import Party, Team
from jit.types import UTCDateTime

GENERAL_CHANNEL = "general"


class Channel(db.Model):
    """A conversation inside one team; every team has a general channel from its creation."""

    __tablename__ = "chat_channels"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(200), default="")
    is_general: Mapped[bool] = mapped_column(default=False)
    # The sequence number of the newest message: messages are numbered 1, 2, 3… per channel
    # without gaps, so a client knows exactly what it missed.
    last_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship()

    def __repr__(self) -> str:
        return f"<Channel {self.id} #{self.name} of team {self.team_id}>"


class Message(db.Model):
    """One message as it reads now; earlier texts are its revisions."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "seq"),
        # The id the client chose: a resend after a reconnect finds the stored message.
        UniqueConstraint("author_id", "client_id"),
        # What a client back after a gap must replace: read by range, not by channel scan.
        Index("ix_chat_messages_channel_id_changed_at", "channel_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("chat_channels.id", ondelete="CASCADE"))
    seq: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    handling_code: Mapped[str] = mapped_column(String(2), default="H0")
    handling_conditions: Mapped[str] = mapped_column(String(500), default="")
    # Europol's 4x4 evaluation (A/B/C/X and 1-4); None when the author did not grade it.
    source_reliability: Mapped[str | None] = mapped_column(String(1))
    information_accuracy: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retracted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The last edit or retraction, whichever came later.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    channel: Mapped[Channel] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    author_party: Mapped[Party] = relationship()
    revisions: Mapped[list["MessageRevision"]] = relationship(
        back_populates="message", order_by="MessageRevision.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Message {self.id} #{self.seq} in channel {self.channel_id}>"

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None


class MessageRevision(db.Model):
    """A text a message carried before an edit replaced it."""

    __tablename__ = "chat_message_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    handling_code: Mapped[str] = mapped_column(String(2))
    handling_conditions: Mapped[str] = mapped_column(String(500), default="")
    source_reliability: Mapped[str | None] = mapped_column(String(1))
    information_accuracy: Mapped[str | None] = mapped_column(String(1))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="revisions")

    def __repr__(self) -> str:
        return f"<MessageRevision {self.id} of message {self.message_id}>"


class ReadMark(db.Model):
    """The newest message of a channel a person has seen: unread counts start after it."""

    __tablename__ = "chat_read_marks"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("chat_channels.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    last_read_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ReadMark user={self.user_id} channel={self.channel_id} seq={self.last_read_seq}>"
