"""Close-out archives, a team's retention settings and legal hold, deletion certificates."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jit.accounts.models import User
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.models import Party, Team
from jit.types import UTCDateTime


class CloseoutArchive(db.Model):
    """A party's close-out archive: a signed bag written once into the blob store."""

    __tablename__ = "closeout_archives"
    __table_args__ = (UniqueConstraint("team_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    files: Mapped[int]
    payload_oxum: Mapped[str] = mapped_column(String(64))
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    party: Mapped[Party] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CloseoutArchive team={self.team_id} party={self.party_id} {self.sha256[:12]}>"


class TeamRetention(db.Model):
    """How long a team's content is kept after it closed, and the legal hold, if any."""

    __tablename__ = "team_retention"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    retention_days: Mapped[int | None]  # None: JIT_RETENTION_DAYS
    hold_reason: Mapped[str | None] = mapped_column(Text)  # set: a legal hold is in force
    hold_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship()
    hold_set_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<TeamRetention team={self.team_id} hold={self.is_on_hold}>"

    @property
    def is_on_hold(self) -> bool:
        return self.hold_reason is not None


class DeletionCertificate(db.Model):
    """What retention deleted of a team, signed with the instance key; never deleted."""

    __tablename__ = "deletion_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly as signed
    sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<DeletionCertificate {self.id} team={self.team_id} {self.sha256[:12]}>"


class CustodyDeletionPermit(db.Model):
    """Lets retention delete one team's custody events, inside its own transaction only.

    The database refuses every change to a custody event (append-only triggers); the
    delete trigger lets a row go only while a permit for its item's team exists.
    :func:`jit.closeout.retention.apply` writes the permit, deletes, and removes the
    permit before it commits, so no permit is ever visible to anyone else.
    """

    __tablename__ = "custody_deletion_permits"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)

    def __repr__(self) -> str:
        return f"<CustodyDeletionPermit team={self.team_id}>"
