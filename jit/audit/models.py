"""The audit log: append-only, one hash chain for the platform and one per team."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jit.canonical import canonical_json, sha256_hex
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

    user: Mapped["User | None"] = relationship("User")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.chain}#{self.seq} {self.operation}>"

    def canonical_fields(self) -> dict:
        """Return every recorded field except the entry's own hash, as hashed."""
        return {
            "chain": self.chain,
            "seq": self.seq,
            "team_id": self.team_id,
            "occurred_at": self.occurred_at,
            "actor_time_zone": self.actor_time_zone,
            "user_id": self.user_id,
            "operation": self.operation,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "old_values": self.old_values,
            "new_values": self.new_values,
            "ip_address": self.ip_address,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return sha256_hex(canonical_json(self.canonical_fields()))


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
