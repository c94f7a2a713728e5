"""Teams (JIT spaces), the parties to them, and who acts for which party in which role."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jit.accounts.models import User
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.reference import BODIES, country_name
from jit.types import UTCDateTime


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    parties: Mapped[list["Party"]] = relationship(
        back_populates="team", order_by="Party.position", cascade="all, delete-orphan"
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Team {self.code}>"


class Party(db.Model):
    """A state's competent authority, or an EU/international body, taking part in a team."""

    __tablename__ = "parties"
    __table_args__ = (
        UniqueConstraint("team_id", "country_code"),
        UniqueConstraint("team_id", "body"),
        CheckConstraint("(country_code IS NULL) <> (body IS NULL)", name="state_or_body"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    country_code: Mapped[str | None] = mapped_column(String(2))
    body: Mapped[str | None] = mapped_column(String(16))
    authority: Mapped[str] = mapped_column(String(200))

    team: Mapped[Team] = relationship(back_populates="parties")

    def __repr__(self) -> str:
        return f"<Party {self.short_label} of team {self.team_id}>"

    @property
    def is_state(self) -> bool:
        return self.country_code is not None

    @property
    def short_label(self) -> str:
        """``NL`` for a state, ``Eurojust`` for a body: what fits in a badge."""
        return self.country_code or BODIES[self.body]

    @property
    def name(self) -> str:
        """``Netherlands`` for a state, ``Eurojust`` for a body."""
        return country_name(self.country_code) if self.country_code else BODIES[self.body]


class Membership(db.Model):
    """One person in one team, acting for one party in one role."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
    party: Mapped[Party] = relationship()

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} team={self.team_id} {self.role}>"
