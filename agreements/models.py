"""The JIT agreement: one per team, its versions (original, amendments, extensions),
the parties' signatures, the invitations it creates, and the team's evaluations."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jit.accounts.models import User
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.models import Party, Team
from jit.types import UTCDateTime


class FrozenVersionError(RuntimeError):
    """Raised when code tries to change the content of a version that has been signed."""


class Agreement(db.Model):
    """A team's founding agreement: the container of its versions."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), unique=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Closing ends the operational phase for good: the team becomes read-only.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closing_note: Mapped[str] = mapped_column(Text, default="")

    team: Mapped[Team] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    versions: Mapped[list["AgreementVersion"]] = relationship(
        back_populates="agreement",
        order_by="AgreementVersion.number",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Agreement of team {self.team_id}>"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class AgreementVersion(db.Model):
    """One text of the agreement: the original, or an amendment or extension of it.

    ``content`` is the structured agreement (see :mod:`agreements.content`). It may be
    edited only while no party has signed; the first signature fixes ``content_hash``
    and from then on the row's content never changes.
    """

    __tablename__ = "agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # original | amendment | extension
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_versions.id"))
    change_summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict] = mapped_column(JSON)
    # For amendments and extensions: the day it takes effect if later than the last signature.
    takes_effect_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Set when the last party signs: the day the version governs the team from.
    fully_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    effective_from: Mapped[date | None] = mapped_column(Date)
    # Set once the membership follows this version (at its entry into force).
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    based_on: Mapped["AgreementVersion | None"] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    signatures: Mapped[list["AgreementSignature"]] = relationship(
        back_populates="version",
        order_by="AgreementSignature.signed_at",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<AgreementVersion {self.number} ({self.kind}) of agreement {self.agreement_id}>"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def is_fully_signed(self) -> bool:
        return self.fully_signed_at is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def label(self) -> str:
        if self.kind == "original":
            return f"Version {self.number} (original agreement)"
        return f"Version {self.number} ({self.kind})"


@event.listens_for(AgreementVersion, "before_update")
def _refuse_changing_signed_content(_mapper, connection, version: AgreementVersion) -> None:
    """Refuse any flush that would change a signed version's content, whatever the code path."""
    state = inspect(version)
    for name in ("content", "content_hash", "kind", "number", "based_on_id"):
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        stored_frozen_at = connection.scalar(
            select(AgreementVersion.__table__.c.frozen_at).where(
                AgreementVersion.__table__.c.id == version.id
            )
        )
        if stored_frozen_at is not None:
            raise FrozenVersionError(
                f"Version {version.number} was signed and its content is frozen; "
                "change it by an amendment."
            )


class AgreementSignature(db.Model):
    """One party's signature of one version, given by its leader after re-authentication."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (UniqueConstraint("version_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_versions.id", ondelete="CASCADE"), index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_function: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date] = mapped_column(Date)  # the day in the signatory's time zone
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    method: Mapped[str] = mapped_column(String(32))  # password | password+totp | recorded
    content_hash: Mapped[str] = mapped_column(String(64))

    version: Mapped[AgreementVersion] = relationship(back_populates="signatures")
    party: Mapped[Party] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AgreementSignature version={self.version_id} party={self.party_id}>"


class AgreementInvitation(db.Model):
    """A person the agreement names who has no account (or membership) yet."""

    __tablename__ = "agreement_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_versions.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    party: Mapped[Party] = relationship()
    version: Mapped[AgreementVersion] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<AgreementInvitation {self.email} team={self.team_id}>"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None and self.cancelled_at is None


class Evaluation(db.Model):
    """A mid-term or final evaluation of the team, following the JIT evaluation form."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("team_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # mid_term | final
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship()
    contributions: Mapped[list["EvaluationContribution"]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Evaluation {self.kind} team={self.team_id}>"

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None


class EvaluationContribution(db.Model):
    """One party's part of an evaluation."""

    __tablename__ = "evaluation_contributions"
    __table_args__ = (UniqueConstraint("evaluation_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    answers: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    evaluation: Mapped[Evaluation] = relationship(back_populates="contributions")
    party: Mapped[Party] = relationship()
    updated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<EvaluationContribution evaluation={self.evaluation_id} party={self.party_id}>"
