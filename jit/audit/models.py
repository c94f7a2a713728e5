"""The audit log: append-only, one hash chain for the platform and one per team."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jit.audit import sealing
from jit.extensions import db
from jit.types import UTCDateTime

if TYPE_CHECKING:  # the audit log names accounts by their table; accounts write to it
    from jit.accounts.models import User

PLATFORM_CHAIN = "platform"


def team_chain(team_id: int) -> str:
    return f"team:{team_id}"


class AuditEntry(db.Model):
    """One operation, with the fields of Regulation (EU) 2023/969 art. 25 and its hash link."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_audit_entries_team_id_occurred_at", "team_id", "occurred_at"),
        # The audit page's filter menus and per-operation counts, and an item's access
        # log, read these ranges instead of the whole chain (benchmarks/pages).
        Index("ix_audit_entries_chain_user_id", "chain", "user_id"),
        Index("ix_audit_entries_chain_operation", "chain", "operation"),
        Index("ix_audit_entries_chain_object_type", "chain", "object_type"),
        Index("ix_audit_entries_team_object", "team_id", "object_type", "object_id", "operation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int]
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_time_zone: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    operation: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    old_values: Mapped[dict | None] = mapped_column(JSON)
    new_values: Mapped[dict | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # How ``hash`` is computed (jit/audit/sealing.py): 1 over every field; 2 over the
    # envelope and ``content_hash``, the salted digest of the old and new values, so an
    # export without the content still verifies. ``content_nonce`` is the salt.
    entry_format: Mapped[int] = mapped_column(default=sealing.CURRENT_FORMAT)
    content_nonce: Mapped[str | None] = mapped_column(String(32))
    content_hash: Mapped[str | None] = mapped_column(String(64))

    user: Mapped["User | None"] = relationship("User")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.chain}#{self.seq} {self.operation}>"

    def seal(self) -> None:
        """Salt and digest the content, then hash the entry, in the current format."""
        self.entry_format = sealing.CURRENT_FORMAT
        self.content_nonce = sealing.new_nonce()
        self.content_hash = self.compute_content_hash()
        self.hash = self.compute_hash()

    def compute_content_hash(self) -> str | None:
        """Return the digest of the content as stored now (None for format 1)."""
        if self.entry_format == sealing.WHOLE:
            return None
        return sealing.content_digest(self.content_nonce, self.old_values, self.new_values)

    def compute_hash(self) -> str:
        """Return the entry's hash from its stored fields (and stored content digest)."""
        fields = {name: getattr(self, name) for name in sealing.ENVELOPE + sealing.CONTENT}
        fields |= {"format": self.entry_format, "content_hash": self.content_hash}
        return sealing.entry_hash(fields)

    def problem(self) -> str | None:
        """Return why the entry does not match its hash, or None if it does."""
        if self.entry_format != sealing.WHOLE and self.compute_content_hash() != self.content_hash:
            return "its content no longer matches its hash"
        if self.compute_hash() != self.hash:
            return "its content no longer matches its hash"
        return None


class AuditChainHead(db.Model):
    """The last entry of each chain: the row writers lock, and what catches a cut-off tail."""

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # The instance's Ed25519 signature over (chain, seq, hash): catches a chain rewritten
    # end to end with consistent hashes (jit/signing.py). None only for heads written
    # before heads were signed, until `jit run` signs them (docs/operations.md).
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    key_id: Mapped[str | None] = mapped_column(String(32))
    signature: Mapped[str | None] = mapped_column(String(128))

    def __repr__(self) -> str:
        return f"<AuditChainHead {self.chain}#{self.seq}>"
