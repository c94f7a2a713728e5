"""Every write to evidence items and their files, with their custody and audit records.

Custody events recorded by hand are in :mod:`evidence.custody_events`, verification
runs in :mod:`evidence.verification`. Functions add to the caller's transaction and
never commit; a refused operation raises :class:`EvidenceError` with a message fit for
the person, before anything is written.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from evidence import custody, storage
from evidence.access import may_add_item, visible_item_by_id
from evidence.errors import EvidenceError
from evidence.models import (
    INFORMATION_ACCURACY,
    SOURCE_RELIABILITY,
    CustodyEventType,
    Derivation,
    EvidenceFile,
    EvidenceItem,
    EvidenceTag,
    ExtractionStatus,
    HandlingCode,
    ItemType,
    Visibility,
)
from jit import gates
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.inputs import time_zone
from jit.permissions import Permission
from jit.teams.access import TeamAccess
from jit.teams.models import Party
from search import languages

MAX_TAGS = 20
MAX_TAG_LENGTH = 60
MAX_FILENAME_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


# ---------------------------------------------------------------------------
# Input


@dataclass
class ItemInput:
    """An item as entered on the form, before checks."""

    title: str = ""
    description: str = ""
    item_type: str = ""
    collected_by: str = ""
    collected_at: datetime | None = None  # aware
    collected_time_zone: str = ""
    collected_location: str = ""
    seized_from: str = ""
    legal_basis: str = ""
    legal_reference: str = ""
    visibility: str = Visibility.TEAM.value
    handling_code: str = HandlingCode.H0.value
    handling_conditions: str = ""
    source_reliability: str | None = None  # None: not evaluated
    information_accuracy: str | None = None
    tags: list[str] = field(default_factory=list)
    parent_exhibit: str = ""
    derivation: str = ""
    language: str = ""  # "" for not stated: the search guesses it from the text


@dataclass(frozen=True)
class Upload:
    """A file already written to the blob store by the streaming reader."""

    blob: storage.StoredBlob
    original_filename: str
    media_type: str
    claimed_media_type: str = ""


def clean_filename(name: str | None) -> str:
    """Return the filename as given, minus control characters, NFC, at most 255 characters.

    The name is only ever shown (escaped) and offered on download; the bytes are stored
    under their hash, so a name like ``../../x`` or ``<script>`` is harmless as text.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = _CONTROL.sub("", name).strip()
    if not name:
        return "unnamed"
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_FILENAME_LENGTH - len(extension) - 2] + "…." + extension
        else:
            name = name[: MAX_FILENAME_LENGTH - 1] + "…"
    return name


def parse_tags(raw: str) -> list[str]:
    """Split free text into distinct tags; EvidenceError if too many or too long."""
    tags, seen = [], set()
    for part in re.split(r"[,;\n]", raw or ""):
        tag = " ".join(part.split())
        if not tag or tag.lower() in seen:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise EvidenceError(
                f"The tag “{tag[:20]}…” is longer than {MAX_TAG_LENGTH} characters.",
                {"tags": [f"Keep each tag under {MAX_TAG_LENGTH} characters."]},
            )
        seen.add(tag.lower())
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise EvidenceError(
            f"At most {MAX_TAGS} tags per item.", {"tags": [f"At most {MAX_TAGS} tags."]}
        )
    return tags


def zone_or_error(name: str, field_name: str) -> ZoneInfo:
    """Return the time zone ``name``; EvidenceError naming ``field_name`` if unknown."""
    zone = time_zone(name)
    if zone is None:
        shown = str(name) if len(str(name)) <= 60 else str(name)[:60] + "…"
        raise EvidenceError(
            f"Nothing was saved: “{shown}” is not a time zone name such as Europe/Zagreb.",
            {field_name: ["Choose a time zone from the list."]},
        )
    return zone


def _check_item_input(data: ItemInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def need(name: str, value, message: str):
        if not value or (isinstance(value, str) and not value.strip()):
            errors.setdefault(name, []).append(message)

    need("title", data.title, "Give the item a title.")
    need("item_type", data.item_type, "Choose the type of evidence.")
    need("collected_by", data.collected_by, "Name who collected or seized it.")
    need("collected_at", data.collected_at, "Give the date and time of collection.")
    need("collected_location", data.collected_location, "Say where it was collected.")
    need("legal_basis", data.legal_basis, "Give the legal basis for the collection.")
    if data.item_type and data.item_type not in ItemType.__members__.values():
        errors.setdefault("item_type", []).append(f"Unknown type “{data.item_type}”.")
    if data.visibility not in Visibility.__members__.values():
        errors.setdefault("visibility", []).append(f"Unknown visibility “{data.visibility}”.")
    if data.handling_code not in HandlingCode.__members__.values():
        errors.setdefault("handling_code", []).append(
            f"Unknown handling code “{data.handling_code}”; use H0, H1, H2 or H3."
        )
    elif data.handling_code == HandlingCode.H3.value and not data.handling_conditions.strip():
        errors.setdefault("handling_conditions", []).append(
            "Handling code H3 needs its conditions written out."
        )
    if data.source_reliability is not None and data.source_reliability not in SOURCE_RELIABILITY:
        errors.setdefault("source_reliability", []).append(
            "Use A, B, C or X, or leave it not evaluated."
        )
    if (
        data.information_accuracy is not None
        and data.information_accuracy not in INFORMATION_ACCURACY
    ):
        errors.setdefault("information_accuracy", []).append(
            "Use 1, 2, 3 or 4, or leave it not evaluated."
        )
    if data.collected_at is not None and data.collected_at > utcnow() + timedelta(minutes=5):
        errors.setdefault("collected_at", []).append("The collection time is in the future.")
    if data.language and data.language not in languages.NAMES:
        errors.setdefault("language", []).append(
            f"Unknown language “{data.language}”; choose one of the list or leave it to be"
            " detected."
        )
    if data.derivation and data.derivation not in Derivation.__members__.values():
        errors.setdefault("derivation", []).append(f"Unknown derivation “{data.derivation}”.")
    if data.derivation and not data.parent_exhibit:
        errors.setdefault("parent_exhibit", []).append("A derived item needs its parent item.")
    if data.parent_exhibit and not data.derivation:
        errors.setdefault("derivation", []).append(
            "Say whether this is a copy, an extract or an analysis product of its parent."
        )
    return errors


def first_message(errors: dict[str, list[str]]) -> str:
    """Return the summary shown above a form with these field errors."""
    count = sum(len(messages) for messages in errors.values())
    return (
        "Nothing was saved: "
        + ("one field needs attention." if count == 1 else f"{count} fields need attention.")
        + " "
        + " ".join(messages[0] for messages in errors.values())
    )


def check_gate(access: TeamAccess, action: str) -> None:
    """Raise EvidenceError with the agreement's reason unless the team may ``action`` now."""
    decision = gates.may(access.team, action)
    if not decision:
        raise EvidenceError(decision.reason or "The team's agreement does not allow this now.")


def _resolve_parent(access: TeamAccess, exhibit: str) -> EvidenceItem:
    exhibit = exhibit.strip().upper()
    parent = db.session.scalar(
        select(EvidenceItem).where(
            EvidenceItem.team_id == access.team.id, EvidenceItem.exhibit_number == exhibit
        )
    )
    parent = visible_item_by_id(access, parent.id) if parent is not None else None
    if parent is None:
        raise EvidenceError(
            f"There is no item {exhibit} in this team that you can see; a derived item's "
            "parent must be an item of the same team.",
            {"parent_exhibit": [f"No item {exhibit} in this team."]},
        )
    return parent


def check_item_input(access: TeamAccess, data: ItemInput) -> EvidenceItem | None:
    """Check everything about a new item that does not need its files; return its parent."""
    if not may_add_item(access):
        raise EvidenceError("Your role in this team does not allow adding evidence.")
    check_gate(access, "add_evidence")
    errors = _check_item_input(data)
    if errors:
        raise EvidenceError(first_message(errors), errors)
    if not access.can(Permission.ADD_EVIDENCE) and data.derivation != Derivation.ANALYSIS.value:
        raise EvidenceError(
            "As a participant you may add analysis products only: choose the item analysed "
            "as parent and “Analysis product” as derivation.",
            {"derivation": ["Participants add analysis products only."]},
        )
    parent = _resolve_parent(access, data.parent_exhibit) if data.parent_exhibit else None
    if parent is not None and data.collected_at < parent.collected_at:
        raise EvidenceError(
            f"Nothing was saved: a {data.derivation} cannot be made before its parent "
            f"{parent.exhibit_number} was collected ({parent.collected_at:%Y-%m-%d %H:%M} UTC).",
            {"collected_at": [f"Give a time after {parent.exhibit_number} was collected."]},
        )
    return parent


def _next_exhibit(team_id: int, party: Party) -> tuple[int, str]:
    # A no-op UPDATE of the party row serialises writers taking its next number (it
    # locks the row on PostgreSQL and opens the write transaction on SQLite).
    db.session.execute(
        update(Party)
        .where(Party.id == party.id)
        .values(position=Party.position)
        .execution_options(synchronize_session=False)
    )
    last = db.session.scalar(
        select(func.max(EvidenceItem.party_sequence)).where(
            EvidenceItem.team_id == team_id, EvidenceItem.party_id == party.id
        )
    )
    number = (last or 0) + 1
    prefix = party.country_code or party.body
    return number, f"{prefix}-{number:04d}"


def _party_label(party: Party) -> str:
    return f"{party.short_label} — {party.authority}"


def create_item(
    access: TeamAccess,
    data: ItemInput,
    uploads: list[Upload],
    *,
    lineage_details: dict | None = None,
) -> EvidenceItem:
    """Create an item with its files, custody events and audit entries.

    ``lineage_details`` adds to what both derivation events record (a container member's
    path and hashes, see :mod:`evidence.members`).
    """
    parent = check_item_input(access, data)
    party = access.party
    number, exhibit = _next_exhibit(access.team.id, party)
    item = EvidenceItem(
        team_id=access.team.id,
        party_id=party.id,
        party_sequence=number,
        exhibit_number=exhibit,
        title=data.title.strip(),
        description=data.description.strip(),
        item_type=data.item_type,
        collected_by=data.collected_by.strip(),
        collected_at=data.collected_at,
        collected_time_zone=data.collected_time_zone,
        collected_location=data.collected_location.strip(),
        seized_from=data.seized_from.strip(),
        legal_basis=data.legal_basis.strip(),
        legal_reference=data.legal_reference.strip(),
        visibility=data.visibility,
        handling_code=data.handling_code,
        handling_conditions=data.handling_conditions.strip()
        if data.handling_code != HandlingCode.H0.value
        else "",
        source_reliability=data.source_reliability,
        information_accuracy=data.information_accuracy,
        parent=parent,
        derivation=data.derivation or None,
        language=data.language,
        created_at=utcnow(),
        created_by_id=access.user.id,
        party=party,
        team=access.team,
    )
    item.tags = [EvidenceTag(tag=tag) for tag in data.tags]
    db.session.add(item)
    db.session.flush()
    if parent is None:
        custody.append_event(
            item,
            CustodyEventType.COLLECTED,
            recorded_by=access.user,
            actor_name=item.collected_by,
            actor_party=_party_label(party),
            occurred_at=item.collected_at,
            time_zone=item.collected_time_zone,
            location=item.collected_location,
            purpose=f"Collected from {item.seized_from}" if item.seized_from else "Collected",
            legal_basis=_legal(item),
            details={"recorded_by": access.user.display_name},
        )
    else:
        details = {
            "derivation": item.derivation,
            "parent_exhibit": parent.exhibit_number,
            "child_exhibit": item.exhibit_number,
            **(lineage_details or {}),
        }
        custody.append_event(
            parent,
            CustodyEventType.COPIED,
            recorded_by=access.user,
            occurred_at=item.collected_at,
            time_zone=item.collected_time_zone,
            purpose=f"{item.derivation_label} made: {item.exhibit_number}",
            legal_basis=_legal(item),
            location=item.collected_location,
            details=details,
        )
        custody.append_event(
            item,
            CustodyEventType.COPIED,
            recorded_by=access.user,
            actor_name=item.collected_by,
            occurred_at=item.collected_at,
            time_zone=item.collected_time_zone,
            purpose=f"{item.derivation_label} of {parent.exhibit_number}",
            legal_basis=_legal(item),
            location=item.collected_location,
            details=details,
        )
    audit.record(
        "evidence.item_created",
        team=access.team,
        actor=access.user,
        target=item,
        new=item.snapshot(),
    )
    for upload in uploads:
        _add_file(access, item, upload)
    return item


def _legal(item: EvidenceItem) -> str:
    if item.legal_reference:
        return f"{item.legal_basis} (ref. {item.legal_reference})"
    return item.legal_basis


def add_files(access: TeamAccess, item: EvidenceItem, uploads: list[Upload]) -> list[EvidenceFile]:
    """Attach uploaded files to an existing item."""
    check_upload_allowed(access, item)
    if not uploads:
        raise EvidenceError("Choose at least one file to upload.", {"files": ["Choose a file."]})
    return [_add_file(access, item, upload) for upload in uploads]


def check_upload_allowed(access: TeamAccess, item: EvidenceItem) -> None:
    """Raise EvidenceError unless ``access`` may add files to ``item``."""
    if not access.can(Permission.ADD_EVIDENCE) and not (
        access.can(Permission.ADD_ANALYSIS)
        and item.derivation == Derivation.ANALYSIS.value
        and item.created_by_id == access.user.id
    ):
        raise EvidenceError("Your role in this team does not allow adding files to this item.")
    check_gate(access, "add_evidence")


def _add_file(access: TeamAccess, item: EvidenceItem, upload: Upload) -> EvidenceFile:
    stored = EvidenceFile(
        item_id=item.id,
        sha256=upload.blob.sha256,
        size_bytes=upload.blob.size_bytes,
        original_filename=clean_filename(upload.original_filename),
        media_type=upload.media_type,
        claimed_media_type=upload.claimed_media_type or None,
        uploaded_at=utcnow(),
        uploaded_by_id=access.user.id,
        extraction_status=ExtractionStatus.PENDING.value,
    )
    db.session.add(stored)
    db.session.flush()
    details = file_details(stored)
    custody.append_event(
        item,
        CustodyEventType.UPLOADED,
        recorded_by=access.user,
        purpose="File stored in the workspace",
        details=details,
    )
    claim = {"claimed_media_type": stored.claimed_media_type} if stored.claimed_media_type else {}
    audit.record(
        "evidence.file_uploaded",
        team=access.team,
        actor=access.user,
        target=stored,
        new=details | claim,
    )
    return stored


def file_details(stored: EvidenceFile) -> dict:
    """Return what a custody event records about a stored file."""
    return {
        "file_id": stored.id,
        "filename": stored.original_filename,
        "sha256": stored.sha256,
        "size_bytes": stored.size_bytes,
        "media_type": stored.media_type,
    }


# ---------------------------------------------------------------------------
# Reading: a view is an audit entry; a download (a copy leaving) also a custody event


def record_view(access: TeamAccess, item: EvidenceItem) -> None:
    """Record that ``access`` opened the item's page, in the audit log (a read, not custody).

    A chain from before views left custody gets its one explanatory note at this first touch.
    """
    custody.note_views_moved(item)
    audit.record("evidence.item_viewed", team=access.team, actor=access.user, target=item)


def record_download(
    access: TeamAccess, item: EvidenceItem, stored: EvidenceFile, acknowledged: str | None
) -> None:
    """Record a download of ``stored``, with the handling conditions acknowledged."""
    details = file_details(stored)
    if acknowledged:
        details["handling_acknowledged"] = acknowledged
    custody.append_event(
        item,
        CustodyEventType.DOWNLOADED,
        recorded_by=access.user,
        purpose="File downloaded",
        details=details,
    )
    audit.record(
        "evidence.file_downloaded", team=access.team, actor=access.user, target=stored, new=details
    )


def record_integrity_alert(access: TeamAccess | None, item: EvidenceItem, problem: str) -> None:
    """Write an integrity alert about ``item`` to the team's audit log."""
    audit.record(
        "evidence.integrity_alert",
        team=item.team,
        target=item,
        new={"exhibit_number": item.exhibit_number, "problem": problem},
    )


def record_report(access: TeamAccess, item: EvidenceItem) -> None:
    """Record that ``access`` produced the item's custody report or chain export."""
    audit.record(
        "evidence.custody_report",
        team=access.team,
        actor=access.user,
        target=item,
        new={"exhibit_number": item.exhibit_number},
    )
