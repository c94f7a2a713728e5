"""Requests out of the team (bundles): one request of one type, its evidence, consents.

A final bundle never changes: the ORM refuses to update it (listener at the end); a
change is a new bundle, a new version linked to the one it replaces.
"""

from datetime import date, datetime
from enum import StrEnum

from flask import current_app, has_app_context
from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from evidence.models import CustodyEvent, EvidenceItem
from jit.accounts.models import User
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.models import Membership, Party, Team
from jit.types import UTCDateTime


class BundleStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class FinalBundleError(RuntimeError):
    """Raised when code tries to change a bundle that has been finalised."""


class Bundle(db.Model):
    """One request (MLA, EIO, EAW, extradition, tracing) drafted by one party of a team."""

    __tablename__ = "bundles"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_bundles_team_id_party_id", "team_id", "party_id"),
        # A version has at most one next version (services.new_version says so first).
        Index("uq_bundles_previous_id", "previous_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    number: Mapped[int]  # per team, shown as REQ-<number>
    request_type: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("bundles.id"))
    status: Mapped[str] = mapped_column(String(8), default=BundleStatus.DRAFT.value)
    language: Mapped[str] = mapped_column(String(8), default="en")
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    agreement_reference: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Recorded at finalising: the agreement in force then, and the hash of the request.
    agreement_version: Mapped[str | None] = mapped_column(String(40))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))  # the signed PDF, blob store
    document: Mapped[dict | None] = mapped_column(JSON)  # the request as frozen at finalising
    # The signed BagIt package written at finalising, kept in the blob store under its hash.
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    package_size: Mapped[int | None] = mapped_column(BigInteger)

    team: Mapped[Team] = relationship()
    party: Mapped[Party] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id])
    previous: Mapped["Bundle | None"] = relationship(remote_side=[id])
    items: Mapped[list["BundleItem"]] = relationship(
        back_populates="bundle", order_by="BundleItem.position", cascade="all, delete-orphan"
    )
    consents: Mapped[list["BundleConsent"]] = relationship(
        back_populates="bundle", order_by="BundleConsent.id", cascade="all, delete-orphan"
    )
    translations: Mapped[list["BundleTranslation"]] = relationship(
        back_populates="bundle", order_by="BundleTranslation.language", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Bundle REQ-{self.number} {self.request_type} v{self.version} team={self.team_id}>"

    @property
    def label(self) -> str:
        return f"REQ-{self.number}"

    @property
    def is_final(self) -> bool:
        return self.status == BundleStatus.FINAL.value

    def consent_for(self, item_id: int) -> "BundleConsent | None":
        return next((c for c in self.consents if c.item_id == item_id), None)


class BundleItem(db.Model):
    """An evidence item selected for a bundle, in schedule order."""

    __tablename__ = "bundle_items"
    __table_args__ = (UniqueConstraint("bundle_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    position: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    bundle: Mapped[Bundle] = relationship(back_populates="items")
    item: Mapped[EvidenceItem] = relationship()

    def __repr__(self) -> str:
        return f"<BundleItem bundle={self.bundle_id} item={self.item_id}>"


class PackageReport(db.Model):
    """A custody report rendered ahead for a draft request's package (prerender.py).

    Keyed by the item, the chain head it was made for, and a fingerprint of everything
    else its HTML depends on except the two times it states (when it was generated and
    when the item was checked); ``checked_at`` is that check. Finalising reuses it only
    when its own fresh check gives the same key (docs/bundles.md).
    """

    __tablename__ = "package_reports"
    __table_args__ = (UniqueConstraint("item_id", "head_seq", "head_hash", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), index=True
    )
    head_seq: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BundleConsent(db.Model):
    """The originating party's leader letting one of its items go out in one bundle.

    Needed for H1/H2 items (DESIGN.md §3) and for items of another party than the
    drafting one ("own party's items need own leader").
    """

    __tablename__ = "bundle_consents"
    __table_args__ = (UniqueConstraint("bundle_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    given_by_name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bundle: Mapped[Bundle] = relationship(back_populates="consents")
    party: Mapped[Party] = relationship()

    def __repr__(self) -> str:
        return f"<BundleConsent bundle={self.bundle_id} item={self.item_id}>"


class BundleTranslation(db.Model):
    """A translation of the drafter's own text, one file per target language.

    The file sits in the blob store under its SHA-256; it goes out with the request
    (listed in its PDF and JSON, and in the package).
    """

    __tablename__ = "bundle_translations"
    __table_args__ = (UniqueConstraint("bundle_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_name: Mapped[str] = mapped_column(String(200))

    bundle: Mapped[Bundle] = relationship(back_populates="translations")

    def __repr__(self) -> str:
        return f"<BundleTranslation bundle={self.bundle_id} {self.language}>"


class BundleShare(db.Model):
    """A final bundle shared with one reviewer (by membership) for judicial review."""

    __tablename__ = "bundle_shares"
    __table_args__ = (UniqueConstraint("bundle_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    bundle: Mapped[Bundle] = relationship()
    membership: Mapped[Membership] = relationship()

    def __repr__(self) -> str:
        return f"<BundleShare bundle={self.bundle_id} membership={self.membership_id}>"


class ReviewDecision(StrEnum):
    ADMISSIBLE = "admissible"
    QUESTIONS = "questions"
    NOT_ADMISSIBLE = "not_admissible"

    @property
    def label(self) -> str:
        return {"admissible": "Admissible", "questions": "Questions"}.get(
            self.value, "Not admissible"
        )


class BundleReview(db.Model):
    """A reviewer's decision on a shared bundle, with their note; kept, never changed."""

    __tablename__ = "bundle_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_name: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<BundleReview bundle={self.bundle_id} {self.decision}>"

    @property
    def decision_label(self) -> str:
        return ReviewDecision(self.decision).label


class BundleStatusChange(db.Model):
    """One step of a sent request's life (sent, acknowledged, …), dated and attributed."""

    __tablename__ = "bundle_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    previous_status: Mapped[str] = mapped_column(String(24))
    occurred_on: Mapped[date] = mapped_column(Date)  # the day, in the deadline time zone
    arrested_on: Mapped[date | None] = mapped_column(Date)  # EAW: starts art. 17's time limit
    recognised_on: Mapped[date | None] = mapped_column(Date)  # EIO: starts art. 12(4)'s
    reference: Mapped[str] = mapped_column(String(200), default="")  # the other side's
    note: Mapped[str] = mapped_column(Text, default="")
    reply_item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(200))

    reply_item: Mapped[EvidenceItem | None] = relationship()

    def __repr__(self) -> str:
        return f"<BundleStatusChange bundle={self.bundle_id} {self.status}>"


@event.listens_for(Bundle, "before_update")
def _refuse_changing_a_final_bundle(_mapper, connection, bundle: Bundle) -> None:
    """Refuse any flush that changes a bundle already stored as final, whatever the path."""
    stored = connection.scalar(
        select(Bundle.__table__.c.status).where(Bundle.__table__.c.id == bundle.id)
    )
    if stored != BundleStatus.FINAL.value:
        return
    state = inspect(bundle)
    changed = [
        a.key
        for a in state.attrs
        if a.key not in ("items", "consents", "translations") and a.history.has_changes()
    ]
    if changed:
        raise FinalBundleError(
            f"{bundle.label} is final and cannot be changed ({', '.join(changed)})"
        )


def _refuse_children_of_final(_mapper, connection, target) -> None:
    stored = connection.scalar(
        select(Bundle.__table__.c.status).where(Bundle.__table__.c.id == target.bundle_id)
    )
    if stored == BundleStatus.FINAL.value:
        raise FinalBundleError(
            "a final bundle's evidence, consents and translations cannot be changed"
        )


for _model in (BundleItem, BundleConsent, BundleTranslation):
    for _event in ("before_insert", "before_update", "before_delete"):
        event.listen(_model, _event, _refuse_children_of_final)


# --- scheduling the custody reports made ahead (prerender.py) --------------------------

_PRERENDER = "bundle_report_prerender"


@event.listens_for(Session, "after_flush")
def _note_items_to_prerender(session, _flush_context) -> None:
    """Note items added to a bundle or given a custody event: their reports may change."""
    ids = {
        target.item_id
        for target in session.new
        if isinstance(target, BundleItem | CustodyEvent) and target.item_id is not None
    }
    if ids:
        session.info.setdefault(_PRERENDER, set()).update(ids)


@event.listens_for(Session, "after_commit")
def _prerender_after_commit(session) -> None:
    """Hand the noted items to the background worker once their change is committed."""
    ids = session.info.pop(_PRERENDER, None)
    if ids and has_app_context() and current_app.config.get("REPORT_PRERENDER"):
        from evidence.bundles import prerender

        prerender.worker(current_app._get_current_object()).schedule(ids)


@event.listens_for(Session, "after_rollback")
def _forget_items_to_prerender(session) -> None:
    session.info.pop(_PRERENDER, None)
