"""Evidence items, their files, their chain of custody and the verifications run on them.

Custody rows are append-only: the ORM refuses to update or delete them (see the
listeners at the end) and the migration adds database triggers that refuse it too.
"""

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jit import codes
from jit.accounts.models import User
from jit.canonical import canonical_json, sha256_hex
from jit.clock import utcnow
from jit.codes import HANDLING, handling_label
from jit.extensions import db
from jit.teams.models import Party, Team
from jit.types import UTCDateTime
from search.languages import NAMES as LANGUAGE_NAMES


class ItemType(StrEnum):
    DOCUMENT = "document"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DEVICE_IMAGE = "device-image"
    COMMUNICATION_DATA = "communication-data"
    FINANCIAL_RECORD = "financial-record"
    PHYSICAL_ITEM = "physical-item"
    FIREARM = "firearm"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ITEM_TYPE_LABELS[self]


ITEM_TYPE_LABELS = {
    ItemType.DOCUMENT: "Document",
    ItemType.IMAGE: "Image",
    ItemType.VIDEO: "Video",
    ItemType.AUDIO: "Audio",
    ItemType.DEVICE_IMAGE: "Forensic device image",
    ItemType.COMMUNICATION_DATA: "Communication data",
    ItemType.FINANCIAL_RECORD: "Financial record",
    ItemType.PHYSICAL_ITEM: "Physical item record",
    ItemType.FIREARM: "Firearm",
    ItemType.OTHER: "Other",
}


class Visibility(StrEnum):
    TEAM = "team"
    PARTY = "party"
    LEADERS = "leaders"

    @property
    def label(self) -> str:
        return {
            "team": "Whole team",
            "party": "Originating party only",
            "leaders": "Team leaders only",
        }[self.value]


class HandlingCode(StrEnum):
    """Europol SIENA handling codes; their meaning is :data:`jit.codes.HANDLING`."""

    H0 = "H0"
    H1 = "H1"
    H2 = "H2"
    H3 = "H3"

    @property
    def label(self) -> str:
        return HANDLING_LABELS[self]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


HANDLING_LABELS = {HandlingCode(code): handling_label(code) for code in HANDLING}
# One definition for the workspace (jit/codes.py); kept here under the names evidence uses.
SOURCE_RELIABILITY = codes.SOURCE_RELIABILITY
INFORMATION_ACCURACY = codes.INFORMATION_ACCURACY


class Derivation(StrEnum):
    COPY = "copy"
    EXTRACT = "extract"
    ANALYSIS = "analysis"

    @property
    def label(self) -> str:
        return {"copy": "Copy", "extract": "Extract", "analysis": "Analysis product"}[self.value]


class EvidenceItem(db.Model):
    """One exhibit of a team: what it is, where it came from and how it may be used."""

    __tablename__ = "evidence_items"
    __table_args__ = (
        UniqueConstraint("team_id", "exhibit_number"),
        UniqueConstraint("team_id", "party_id", "party_sequence"),
        Index("ix_evidence_items_team_id_collected_at", "team_id", "collected_at"),
        Index("ix_evidence_items_team_id_party_id", "team_id", "party_id"),
        Index("ix_evidence_items_team_id_item_type", "team_id", "item_type"),
        Index("ix_evidence_items_team_id_handling_code", "team_id", "handling_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    party_sequence: Mapped[int]
    exhibit_number: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    item_type: Mapped[str] = mapped_column(String(32))
    collected_by: Mapped[str] = mapped_column(String(200))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collected_time_zone: Mapped[str] = mapped_column(String(64))
    collected_location: Mapped[str] = mapped_column(String(300))
    seized_from: Mapped[str] = mapped_column(String(300), default="")
    legal_basis: Mapped[str] = mapped_column(String(300))
    legal_reference: Mapped[str] = mapped_column(String(200), default="")
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.TEAM.value)
    handling_code: Mapped[str] = mapped_column(String(2), default=HandlingCode.H0.value)
    handling_conditions: Mapped[str] = mapped_column(Text, default="")
    # None: not evaluated (a choice of its own, never a silent X/4).
    source_reliability: Mapped[str | None] = mapped_column(String(1))
    information_accuracy: Mapped[str | None] = mapped_column(String(1))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    derivation: Mapped[str | None] = mapped_column(String(16))
    # The language of its text, for search's stemming (search/languages.py); "" when not
    # stated, and the search guesses it from the text.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship()
    party: Mapped[Party] = relationship()
    created_by: Mapped[User | None] = relationship()
    parent: Mapped["EvidenceItem | None"] = relationship(
        remote_side=[id], back_populates="children"
    )
    children: Mapped[list["EvidenceItem"]] = relationship(
        back_populates="parent", order_by="EvidenceItem.id"
    )
    files: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="item", order_by="EvidenceFile.id"
    )
    tags: Mapped[list["EvidenceTag"]] = relationship(
        back_populates="item", order_by="EvidenceTag.tag", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<EvidenceItem {self.exhibit_number} of team {self.team_id}>"

    @property
    def type_label(self) -> str:
        return ItemType(self.item_type).label

    @property
    def local_collected_at(self) -> datetime:
        """Return when it was collected, in the time zone its collection was stated in."""
        return self.collected_at.astimezone(_zone(self.collected_time_zone))

    @property
    def visibility_label(self) -> str:
        return Visibility(self.visibility).label

    @property
    def handling_label(self) -> str:
        return HandlingCode(self.handling_code).label

    @property
    def is_restricted(self) -> bool:
        """Whether the handling code puts conditions on use (H1–H3)."""
        return self.handling_code != HandlingCode.H0.value

    @property
    def tag_names(self) -> list[str]:
        return [tag.tag for tag in self.tags]

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES.get(self.language, self.language)

    @property
    def derivation_label(self) -> str:
        return Derivation(self.derivation).label if self.derivation else ""

    def snapshot(self) -> dict:
        """Return the descriptive fields, as recorded in audit entries and custody details."""
        return {
            "exhibit_number": self.exhibit_number,
            "title": self.title,
            "item_type": self.item_type,
            "party": self.party.short_label if self.party else None,
            "collected_by": self.collected_by,
            "collected_at": self.collected_at.isoformat() if self.collected_at else None,
            "collected_time_zone": self.collected_time_zone,
            "collected_location": self.collected_location,
            "seized_from": self.seized_from,
            "legal_basis": self.legal_basis,
            "legal_reference": self.legal_reference,
            "visibility": self.visibility,
            "handling_code": self.handling_code,
            "handling_conditions": self.handling_conditions,
            "source_reliability": self.source_reliability,
            "information_accuracy": self.information_accuracy,
            "derivation": self.derivation,
            "language": self.language,
            "tags": self.tag_names,
        }


class EvidenceTag(db.Model):
    __tablename__ = "evidence_tags"
    __table_args__ = (
        UniqueConstraint("item_id", "tag"),
        Index("ix_evidence_tags_tag_item_id", "tag", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(60))

    item: Mapped[EvidenceItem] = relationship(back_populates="tags")

    def __repr__(self) -> str:
        return f"<EvidenceTag {self.tag} on item {self.item_id}>"


class ExtractionStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    NOT_APPLICABLE = "not-applicable"


class EvidenceFile(db.Model):
    """One stored file of an item; the bytes live in the blob store under ``sha256``."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    original_filename: Mapped[str] = mapped_column(String(255))
    # What the bytes are (libmagic, evidence/sniff.py), and what the client said they were.
    media_type: Mapped[str] = mapped_column(String(127))
    claimed_media_type: Mapped[str | None] = mapped_column(String(127))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extraction_status: Mapped[str] = mapped_column(
        String(16), default=ExtractionStatus.PENDING.value
    )
    extraction_error: Mapped[str | None] = mapped_column(Text)
    extracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extracted_text: Mapped[str | None] = mapped_column(Text)
    # Headers and document properties: {"from": [...], "sent": [...], "author": [...]}.
    extracted_metadata: Mapped[dict | None] = mapped_column(JSON)
    # The text was read by OCR (an image, a scanned PDF), not taken from the file.
    is_text_from_ocr: Mapped[bool] = mapped_column(default=False)

    item: Mapped[EvidenceItem] = relationship(back_populates="files")
    uploaded_by: Mapped[User | None] = relationship()
    members: Mapped[list["ArchiveMember"]] = relationship(
        back_populates="file", order_by="ArchiveMember.position"
    )

    def __repr__(self) -> str:
        return f"<EvidenceFile {self.id} {self.sha256[:12]} of item {self.item_id}>"

    @property
    def is_type_mismatch(self) -> bool:
        """Whether the bytes contradict the type the client claimed."""
        from evidence.sniff import is_mismatch

        return is_mismatch(self.media_type, self.claimed_media_type)


class ArchiveMember(db.Model):
    """One entry of a container file as the extraction worker listed it (never unpacked)."""

    __tablename__ = "evidence_archive_members"
    __table_args__ = (UniqueConstraint("file_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id"), index=True)
    position: Mapped[int]
    path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    compressed_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(127))
    note: Mapped[str] = mapped_column(String(300), default="")
    derived_item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"))

    file: Mapped[EvidenceFile] = relationship(back_populates="members")
    derived_item: Mapped[EvidenceItem | None] = relationship()

    def __repr__(self) -> str:
        return f"<ArchiveMember {self.position} of file {self.file_id}>"

    @property
    def is_file(self) -> bool:
        return self.sha256 is not None


class CustodyEventType(StrEnum):
    COLLECTED = "collected"
    ACQUIRED = "acquired"
    UPLOADED = "uploaded"
    # Written on every page view until views moved to the audit log; kept so old chains
    # still read and verify. Nothing writes it any more (see NOTE).
    VIEWED = "viewed"
    DOWNLOADED = "downloaded"
    TRANSFERRED = "transferred"
    ACKNOWLEDGED = "acknowledged"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    ANALYSED = "analysed"
    COPIED = "copied"
    SEALED = "sealed"
    UNSEALED = "unsealed"
    RESEALED = "resealed"
    EXPORTED = "exported"
    RETURNED = "returned"
    DESTROYED = "destroyed"
    # A note the workspace appends to a chain, e.g. that views are no longer custody.
    NOTE = "note"

    @property
    def label(self) -> str:
        return CUSTODY_EVENT_LABELS.get(self, self.value.capitalize())


CUSTODY_EVENT_LABELS = {
    CustodyEventType.COPIED: "Copied / derived",
    CustodyEventType.ACKNOWLEDGED: "Receipt acknowledged",
    CustodyEventType.CHECKED_IN: "Checked in to storage",
    CustodyEventType.CHECKED_OUT: "Checked out of storage",
    CustodyEventType.UNSEALED: "Unsealed",
    CustodyEventType.RESEALED: "Resealed",
    CustodyEventType.VIEWED: "Viewed (before views moved to the access log)",
    CustodyEventType.NOTE: "Workspace note",
}

# After one of these, the item has left the team's custody: nothing more is recorded.
CLOSING_EVENT_TYPES = (CustodyEventType.DESTROYED, CustodyEventType.RETURNED)


class CustodyEvent(db.Model):
    """One link of an item's chain of custody (DESIGN.md §5, LEGAL.md §7). Never changed.

    ``occurred_at`` is when the handling happened (as stated for manual events);
    ``recorded_at`` is when the workspace wrote it down. Names and parties are kept as
    text so the record reads the same after an account is renamed or removed.
    """

    __tablename__ = "custody_events"
    __table_args__ = (UniqueConstraint("item_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"))
    seq: Mapped[int]
    event_type: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_time_zone: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_party: Mapped[str] = mapped_column(String(200))
    released_by: Mapped[str | None] = mapped_column(String(200))
    released_by_party: Mapped[str | None] = mapped_column(String(200))
    received_by: Mapped[str | None] = mapped_column(String(200))
    received_by_party: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(300), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    agreement_version: Mapped[str | None] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    item: Mapped[EvidenceItem] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CustodyEvent item={self.item_id} #{self.seq} {self.event_type}>"

    @property
    def type_label(self) -> str:
        return CustodyEventType(self.event_type).label

    @property
    def late_entry_reason(self) -> str:
        """Why an event dated before the one before it was recorded late ('' if in order)."""
        return str((self.details or {}).get("late_entry_reason") or "")

    @property
    def local_occurred_at(self) -> datetime:
        """Return when it happened, in the time zone the event's time was stated in."""
        return self.occurred_at.astimezone(_zone(self.actor_time_zone))

    def canonical_fields(self) -> dict:
        """Return every recorded field except the event's own hash and row id, as hashed."""
        return {
            "item_id": self.item_id,
            "seq": self.seq,
            "event_type": self.event_type,
            "occurred_at": self.occurred_at,
            "actor_time_zone": self.actor_time_zone,
            "recorded_at": self.recorded_at,
            "recorded_by_id": self.recorded_by_id,
            "actor_name": self.actor_name,
            "actor_party": self.actor_party,
            "released_by": self.released_by,
            "released_by_party": self.released_by_party,
            "received_by": self.received_by,
            "received_by_party": self.received_by_party,
            "location": self.location,
            "purpose": self.purpose,
            "legal_basis": self.legal_basis,
            "details": self.details,
            "agreement_version": self.agreement_version,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return sha256_hex(canonical_json(self.canonical_fields()))


class CustodyChainHead(db.Model):
    """The last event of an item's chain with the server's Ed25519 signature over it.

    Writers lock this row; the signature is what catches a chain rewritten end to end
    with self-consistent hashes.
    """

    __tablename__ = "custody_chain_heads"

    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))

    def __repr__(self) -> str:
        return f"<CustodyChainHead item={self.item_id} #{self.seq}>"


class EvidenceVerification(db.Model):
    """The outcome of one verification run over an item or a whole team."""

    __tablename__ = "evidence_verifications"
    __table_args__ = (Index("ix_evidence_verifications_team_id_item_id", "team_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_intact: Mapped[bool]
    items_checked: Mapped[int]
    events_checked: Mapped[int]
    files_checked: Mapped[int]
    problem: Mapped[str | None] = mapped_column(Text)

    verified_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        state = "intact" if self.is_intact else "BROKEN"
        return f"<EvidenceVerification team={self.team_id} item={self.item_id} {state}>"


class CustodyRowImmutable(RuntimeError):
    """Raised when code tries to change or remove a custody event."""


@event.listens_for(CustodyEvent, "before_update")
def _refuse_custody_update(_mapper, _connection, target):
    raise CustodyRowImmutable(f"custody event {target.id} cannot be changed")


@event.listens_for(CustodyEvent, "before_delete")
def _refuse_custody_delete(_mapper, _connection, target):
    raise CustodyRowImmutable(f"custody event {target.id} cannot be removed")
