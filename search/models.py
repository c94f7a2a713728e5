"""The search outbox, and the documents table the PostgreSQL backend searches."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from jit.clock import utcnow
from jit.extensions import db
from jit.types import UTCDateTime

# Text on SQLite, where the Whoosh backend keeps documents in its own files instead.
TSVECTOR = Text().with_variant(postgresql.TSVECTOR(), "postgresql")
READERS = JSON().with_variant(postgresql.ARRAY(Text()), "postgresql")


class OutboxEntry(db.Model):
    """A document that may have changed: written in the transaction that changed it."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxEntry {self.id} {self.kind}:{self.object_id}>"


class SearchDocument(db.Model):
    """One indexed document, for the PostgreSQL backend (empty on SQLite)."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
        Index("ix_search_documents_team_id_occurred_at", "team_id", "occurred_at"),
        Index("ix_search_documents_identifiers", "identifiers", postgresql_using="gin"),
    )

    uid: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int]
    ref: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    party: Mapped[str] = mapped_column(String(40), default="")
    readers: Mapped[list] = mapped_column(READERS)
    # "name:value" tokens, one GIN-indexed list: identifiers found in the text
    # (search/identifiers.py: phone:+31612345678, serial:12M5748221) and the headers and
    # properties of files (search.query.identifier_tokens: from:…, author:…, sent:…).
    identifiers: Mapped[list] = mapped_column(READERS, default=list)
    handling_code: Mapped[str] = mapped_column(String(2), default="")
    exhibit: Mapped[str] = mapped_column(String(40), default="")
    evidence_type: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    month: Mapped[str] = mapped_column(String(7))
    # SHA-256 of what was indexed, so ``jit search check`` can tell a stale document.
    digest: Mapped[str] = mapped_column(String(64))
    tsv = mapped_column(TSVECTOR, nullable=True)

    def __repr__(self) -> str:
        return f"<SearchDocument {self.uid} of team {self.team_id}>"


class SearchWord(db.Model):
    """A word of a team's PostgreSQL index: the candidates of fuzzy terms and suggestions.

    Every lexeme the team's ``search_documents.tsv`` holds, written by the search writer
    in the transaction that writes the documents (``PostgresBackend.apply``). Words of
    deleted documents stay until the team is reindexed (a candidate only widens a query
    whose matches are still filtered by permission). ``length`` (characters) lets a
    fuzzy term read only the words whose length is within its distance. Empty on SQLite.
    """

    __tablename__ = "search_vocabulary"
    __table_args__ = (
        Index("ix_search_vocabulary_team_id_length_word", "team_id", "length", "word"),
    )

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    word: Mapped[str] = mapped_column(Text, primary_key=True)
    length: Mapped[int] = mapped_column(SmallInteger)

    def __repr__(self) -> str:
        return f"<SearchWord {self.word!r} of team {self.team_id}>"
