"""Firearms and ammunition recorded on evidence items, and firearms tracing requests.

The markings follow the International Tracing Instrument (para. 8) and the transaction
data the Firearms Protocol's art. 7 asks records to keep (LEGAL.md §8).
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evidence.bundles.models import Bundle
from evidence.models import EvidenceFile, EvidenceItem
from jit.accounts.models import User
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.models import Party, Team
from jit.teams.reference import country_name
from jit.types import UTCDateTime


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return LABELS[self]


class FirearmType(_Labelled):
    """The ITI's list of types (LEGAL.md §8)."""

    PISTOL = "pistol"
    REVOLVER = "revolver"
    RIFLE = "rifle"
    CARBINE = "carbine"
    SHOTGUN = "shotgun"
    SUB_MACHINE_GUN = "sub-machine-gun"
    MACHINE_GUN = "machine-gun"
    OTHER = "other"


class Condition(_Labelled):
    COMPLETE = "complete"
    CONVERTED = "converted"
    REACTIVATED = "reactivated"
    PRIVATELY_MADE = "privately-made"
    ASSEMBLED = "assembled-from-parts"


class MarkedPart(_Labelled):
    FRAME = "frame"
    SLIDE = "slide"
    BARREL = "barrel"
    OTHER = "other-part"


class Alteration(_Labelled):
    """What happened to a serial number before it was read."""

    NONE = "none"
    OBLITERATED = "obliterated"
    PARTLY_LEGIBLE = "partly-legible"
    RESTORED = "restored-by-laboratory"


class RecordKind(_Labelled):
    WEAPON = "weapon"
    PART = "part"


class TracingStatus(_Labelled):
    """Incoming: received → … → closed. Outgoing: draft → sent → answered (→ closed),
    following its request bundle's tracking."""

    DRAFT = "draft"
    SENT = "sent"
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    BEING_TRACED = "being-traced"
    ANSWERED = "answered"
    CLOSED = "closed"


class Direction(_Labelled):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


LABELS = {
    FirearmType.PISTOL: "Pistol",
    FirearmType.REVOLVER: "Revolver",
    FirearmType.RIFLE: "Rifle",
    FirearmType.CARBINE: "Carbine",
    FirearmType.SHOTGUN: "Shotgun",
    FirearmType.SUB_MACHINE_GUN: "Sub-machine gun",
    FirearmType.MACHINE_GUN: "Machine gun",
    FirearmType.OTHER: "Other",
    Condition.COMPLETE: "Complete",
    Condition.CONVERTED: "Converted (e.g. from an alarm/blank-firing or deactivated weapon)",
    Condition.REACTIVATED: "Reactivated",
    Condition.PRIVATELY_MADE: "3D-printed or privately made",
    Condition.ASSEMBLED: "Assembled from parts",
    MarkedPart.FRAME: "Frame or receiver",
    MarkedPart.SLIDE: "Slide",
    MarkedPart.BARREL: "Barrel",
    MarkedPart.OTHER: "Other part",
    Alteration.NONE: "Legible as made",
    Alteration.OBLITERATED: "Obliterated",
    Alteration.PARTLY_LEGIBLE: "Partly legible",
    Alteration.RESTORED: "Restored by a laboratory",
    RecordKind.WEAPON: "Weapon",
    RecordKind.PART: "Part",
    TracingStatus.DRAFT: "Draft",
    TracingStatus.SENT: "Sent",
    TracingStatus.RECEIVED: "Received",
    TracingStatus.ACKNOWLEDGED: "Acknowledged",
    TracingStatus.BEING_TRACED: "Being traced",
    TracingStatus.ANSWERED: "Answered",
    TracingStatus.CLOSED: "Closed",
    Direction.INCOMING: "Incoming",
    Direction.OUTGOING: "Outgoing",
}


class Firearm(db.Model):
    """One weapon, or one part of a weapon, held in an evidence item of type firearm."""

    __tablename__ = "firearms"
    __table_args__ = (
        UniqueConstraint("item_id", "position"),
        Index("ix_firearms_team_id_make_key", "team_id", "make_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    position: Mapped[int]  # 1, 2, … within the item
    kind: Mapped[str] = mapped_column(String(16), default=RecordKind.WEAPON.value)
    manufacturer: Mapped[str] = mapped_column(String(200), default="")
    make_key: Mapped[str] = mapped_column(String(200), default="")  # for matching
    model: Mapped[str] = mapped_column(String(200), default="")
    firearm_type: Mapped[str] = mapped_column(String(32))
    calibre: Mapped[str] = mapped_column(String(60))
    country_of_manufacture: Mapped[str | None] = mapped_column(String(2))
    year_of_manufacture: Mapped[int | None]
    import_country: Mapped[str | None] = mapped_column(String(2))
    import_year: Mapped[int | None]
    proof_marks: Mapped[str] = mapped_column(Text, default="")
    other_marks: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(String(32), default=Condition.COMPLETE.value)
    condition_notes: Mapped[str] = mapped_column(Text, default="")
    # Firearms Protocol art. 7: the transaction, where known.
    licence_reference: Mapped[str] = mapped_column(String(200), default="")
    licence_issued_on: Mapped[date | None] = mapped_column(Date)
    licence_expires_on: Mapped[date | None] = mapped_column(Date)
    export_country: Mapped[str | None] = mapped_column(String(2))
    transit_countries: Mapped[str] = mapped_column(String(200), default="")  # ";"-separated
    final_recipient: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship()
    item: Mapped[EvidenceItem] = relationship()
    created_by: Mapped[User | None] = relationship()
    serials: Mapped[list["FirearmSerial"]] = relationship(
        back_populates="firearm", order_by="FirearmSerial.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list["FirearmPhoto"]] = relationship(
        back_populates="firearm", order_by="FirearmPhoto.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Firearm {self.id} ({self.position}) of item {self.item_id}>"

    @property
    def label(self) -> str:
        """``HR-0003/2``: the exhibit and the weapon's place in it."""
        return f"{self.item.exhibit_number}/{self.position}"

    @property
    def description(self) -> str:
        parts = [self.manufacturer, self.model, FirearmType(self.firearm_type).label.lower()]
        return " ".join(part for part in parts if part) + f", {self.calibre}"

    @property
    def type_label(self) -> str:
        return FirearmType(self.firearm_type).label

    @property
    def condition_label(self) -> str:
        return Condition(self.condition).label

    @property
    def kind_label(self) -> str:
        return RecordKind(self.kind).label

    @property
    def country_of_manufacture_name(self) -> str:
        return country_name(self.country_of_manufacture) if self.country_of_manufacture else ""

    @property
    def transit_list(self) -> list[str]:
        return [code for code in self.transit_countries.split(";") if code]

    def snapshot(self) -> dict:
        """Return the record's fields as plain values, for the audit log."""
        values = {
            column: getattr(self, column)
            for column in (
                "kind",
                "manufacturer",
                "model",
                "firearm_type",
                "calibre",
                "country_of_manufacture",
                "year_of_manufacture",
                "import_country",
                "import_year",
                "proof_marks",
                "other_marks",
                "condition",
                "condition_notes",
                "licence_reference",
                "export_country",
                "transit_countries",
                "final_recipient",
            )
        }
        for column in ("licence_issued_on", "licence_expires_on"):
            value = getattr(self, column)
            values[column] = value.isoformat() if value else None
        values["serials"] = [
            {"part": s.part, "as_read": s.as_read, "alteration": s.alteration} for s in self.serials
        ]
        values["photo_file_ids"] = [photo.file_id for photo in self.photos]
        return values


class FirearmSerial(db.Model):
    """A serial number marked on one part, as read and as normalised for matching."""

    __tablename__ = "firearm_serials"

    id: Mapped[int] = mapped_column(primary_key=True)
    firearm_id: Mapped[int] = mapped_column(
        ForeignKey("firearms.id", ondelete="CASCADE"), index=True
    )
    part: Mapped[str] = mapped_column(String(16))
    as_read: Mapped[str] = mapped_column(String(100))
    normalised: Mapped[str] = mapped_column(String(100), index=True)
    alteration: Mapped[str] = mapped_column(String(32), default=Alteration.NONE.value)

    firearm: Mapped[Firearm] = relationship(back_populates="serials")

    def __repr__(self) -> str:
        return f"<FirearmSerial {self.part} {self.as_read!r}>"

    @property
    def part_label(self) -> str:
        return MarkedPart(self.part).label

    @property
    def alteration_label(self) -> str:
        return Alteration(self.alteration).label


class FirearmPhoto(db.Model):
    """A photograph of the markings: one of the item's own files."""

    __tablename__ = "firearm_photos"
    __table_args__ = (UniqueConstraint("firearm_id", "file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firearm_id: Mapped[int] = mapped_column(ForeignKey("firearms.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id"))

    firearm: Mapped[Firearm] = relationship(back_populates="photos")
    file: Mapped[EvidenceFile] = relationship()

    def __repr__(self) -> str:
        return f"<FirearmPhoto file {self.file_id} of firearm {self.firearm_id}>"


class Ammunition(db.Model):
    """Cartridges held in an evidence item."""

    __tablename__ = "ammunition_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    calibre: Mapped[str] = mapped_column(String(60))
    headstamp: Mapped[str] = mapped_column(String(100), default="")
    quantity: Mapped[int]
    lot: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[EvidenceItem] = relationship()

    def __repr__(self) -> str:
        return f"<Ammunition {self.quantity} × {self.calibre} of item {self.item_id}>"

    def snapshot(self) -> dict:
        return {
            "calibre": self.calibre,
            "headstamp": self.headstamp,
            "quantity": self.quantity,
            "lot": self.lot,
            "notes": self.notes,
        }


class TracingRequest(db.Model):
    """A firearms tracing request; an incoming one is the crime notice it opens.

    ``party`` is the team's party that received (or sent) it: its leader answers for it.
    An outgoing one is the tracing request bundle drafted from a firearm record
    (``bundle``): ``received_on`` is the day it was drafted, ``sent_on`` the day the
    bundle's tracking recorded it sent, and it has no answer deadline of ours (``due_on``).
    """

    __tablename__ = "tracing_requests"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_tracing_requests_team_id_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    number: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(16))
    counterpart_country: Mapped[str] = mapped_column(String(2))
    counterpart_authority: Mapped[str] = mapped_column(String(300))
    counterpart_reference: Mapped[str] = mapped_column(String(200), default="")
    received_on: Mapped[date] = mapped_column(Date)  # outgoing: the day it was drafted
    due_on: Mapped[date | None] = mapped_column(Date)  # incoming only: our answer's deadline
    sent_on: Mapped[date | None] = mapped_column(Date)  # outgoing only
    status: Mapped[str] = mapped_column(String(16), default=TracingStatus.RECEIVED.value)
    # The weapon as the request describes it (ITI para. 17(b)).
    manufacturer: Mapped[str] = mapped_column(String(200), default="")
    make_key: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    firearm_type: Mapped[str] = mapped_column(String(32))
    calibre: Mapped[str] = mapped_column(String(60))
    serial_as_read: Mapped[str] = mapped_column(String(100), default="")
    serial_normalised: Mapped[str] = mapped_column(String(100), default="")
    country_of_manufacture: Mapped[str | None] = mapped_column(String(2))
    other_marks: Mapped[str] = mapped_column(Text, default="")
    circumstances: Mapped[str] = mapped_column(Text, default="")  # para. 17(a)
    intended_use: Mapped[str] = mapped_column(Text, default="")  # para. 17(c)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[date | None] = mapped_column(Date)
    linked_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    proposes_new_team: Mapped[bool] = mapped_column(default=False)
    proposal_note: Mapped[str] = mapped_column(Text, default="")
    firearm_id: Mapped[int | None] = mapped_column(ForeignKey("firearms.id"))
    # Outgoing: the request bundle it was drafted as (its newest version once sent).
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundles.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(foreign_keys=[team_id])
    party: Mapped[Party] = relationship()
    linked_team: Mapped[Team | None] = relationship(foreign_keys=[linked_team_id])
    firearm: Mapped[Firearm | None] = relationship()
    bundle: Mapped[Bundle | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<TracingRequest {self.number} of team {self.team_id}>"

    @property
    def status_label(self) -> str:
        return TracingStatus(self.status).label

    @property
    def direction_label(self) -> str:
        return Direction(self.direction).label

    @property
    def is_open(self) -> bool:
        return self.status not in (TracingStatus.ANSWERED.value, TracingStatus.CLOSED.value)

    @property
    def is_outgoing(self) -> bool:
        return self.direction == Direction.OUTGOING.value

    @property
    def counterpart_country_name(self) -> str:
        return country_name(self.counterpart_country) if self.counterpart_country else ""

    def is_overdue(self, today: date) -> bool:
        """Whether our answer is late on ``today`` (a date in the reader's zone)."""
        return self.is_open and self.due_on is not None and today > self.due_on

    def days_since_sent(self, today: date) -> int | None:
        """Days from sending an outgoing request to ``today`` (None until it is sent)."""
        return (today - self.sent_on).days if self.sent_on else None

    def snapshot(self) -> dict:
        values = {
            column: getattr(self, column)
            for column in (
                "number",
                "direction",
                "counterpart_country",
                "counterpart_authority",
                "counterpart_reference",
                "status",
                "manufacturer",
                "model",
                "firearm_type",
                "calibre",
                "serial_as_read",
                "country_of_manufacture",
                "other_marks",
                "circumstances",
                "intended_use",
                "answer",
                "linked_team_id",
                "proposes_new_team",
                "proposal_note",
                "firearm_id",
                "bundle_id",
            )
        }
        for column in ("received_on", "due_on", "sent_on", "answered_on"):
            value = getattr(self, column)
            values[column] = value.isoformat() if value else None
        return values
