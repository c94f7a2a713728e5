"""Turning a member of a container (ZIP, TAR) into an evidence item of its own.

The member is read again from the stored container, streamed into the blob store and
hashed on the way; only if that hash is the one listed when the container was read
does it become an item, an extract of the container's item, with its own custody chain
that starts with the derivation and names the container's file, hash and the member's
path. The container's own bytes are checked against their recorded hash first.
"""

import posixpath

from evidence import downloads, services, storage
from evidence.models import ArchiveMember, Derivation, EvidenceItem, ItemType
from evidence.readers import ExtractionError
from evidence.readers.archives import open_member
from evidence.sniff import claimed_type, sniff
from evidence.uploads import max_upload_bytes
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.permissions import Permission
from jit.teams.access import TeamAccess

_ITEM_TYPES = {
    "image/": ItemType.IMAGE,
    "video/": ItemType.VIDEO,
    "audio/": ItemType.AUDIO,
    "message/": ItemType.COMMUNICATION_DATA,
    "application/mbox": ItemType.COMMUNICATION_DATA,
    "application/vnd.ms-outlook": ItemType.COMMUNICATION_DATA,
}


def member_of(item: EvidenceItem, member_id: int) -> ArchiveMember | None:
    """Return the member ``member_id`` of one of ``item``'s files, or None."""
    member = db.session.get(ArchiveMember, member_id)
    if member is None or member.file.item_id != item.id:
        return None
    return member


def _item_type(media_type: str) -> str:
    for prefix, item_type in _ITEM_TYPES.items():
        if media_type.startswith(prefix):
            return item_type.value
    return ItemType.DOCUMENT.value


def _input_for(access: TeamAccess, item: EvidenceItem, member: ArchiveMember, media_type: str):
    name = posixpath.basename(member.path.rstrip("/")) or member.path
    return services.ItemInput(
        title=f"{name} (from {item.exhibit_number})"[:300],
        description=f"Member “{member.path}” of {member.file.original_filename}, "
        f"extracted in the workspace.",
        item_type=_item_type(media_type),
        collected_by=access.user.display_name,
        collected_at=utcnow(),
        collected_time_zone=access.user.time_zone or item.collected_time_zone,
        collected_location=f"Extracted in the workspace from {item.exhibit_number}",
        legal_basis=item.legal_basis,
        legal_reference=item.legal_reference,
        # A member is restricted at least as its container is.
        visibility=item.visibility,
        handling_code=item.handling_code,
        handling_conditions=item.handling_conditions,
        source_reliability=item.source_reliability,
        information_accuracy=item.information_accuracy,
        tags=list(item.tag_names),
        parent_exhibit=item.exhibit_number,
        derivation=Derivation.EXTRACT.value,
    )


def _refuse_early(access: TeamAccess, member: ArchiveMember) -> None:
    if not access.can(Permission.ADD_EVIDENCE):
        raise services.EvidenceError("Your role in this team does not allow adding evidence.")
    services.check_gate(access, "add_evidence")
    if not member.is_file:
        raise services.EvidenceError(f"“{member.path}” is a folder or a link, not a file.")
    if member.derived_item is not None:
        raise services.EvidenceError(
            f"“{member.path}” is already item {member.derived_item.exhibit_number}."
        )
    if member.size_bytes > max_upload_bytes():
        raise services.EvidenceError(
            f"“{member.path}” is larger than an upload may be here; extract it with a forensic "
            "tool and upload it as a derived item."
        )


def _store_member(member: ArchiveMember) -> storage.StoredBlob:
    container = member.file
    handle, problem = downloads.open_checked(container)
    if problem:
        raise services.EvidenceError(f"The container cannot be trusted: {problem}.")
    handle.close()
    writer = storage.BlobWriter(max_bytes=max_upload_bytes())
    try:
        path = storage.blob_path(container.sha256)
        with open_member(path, container.media_type, member.path, member.position) as stream:
            while chunk := stream.read(storage.CHUNK_SIZE):
                writer.write(chunk)
    except (ExtractionError, KeyError, OSError, EOFError, ValueError) as broken:
        writer.abort()
        raise services.EvidenceError(f"“{member.path}” could not be read: {broken}") from broken
    except BaseException:
        writer.abort()
        raise
    blob = writer.finish()
    if blob.sha256 != member.sha256:
        if blob.created:
            storage.remove_unused_blob(blob.sha256, blob.stamp)
        raise services.EvidenceError(
            f"“{member.path}” no longer has the SHA-256 listed when the container was read "
            "(the container may have been tampered with); nothing was saved."
        )
    return blob


def derive_member(access: TeamAccess, item: EvidenceItem, member: ArchiveMember) -> EvidenceItem:
    """Make ``member`` an extract of ``item`` with its own chain of custody."""
    _refuse_early(access, member)
    services.check_item_input(access, _input_for(access, item, member, "application/octet-stream"))
    blob = _store_member(member)
    path = storage.blob_path(blob.sha256)
    media_type = sniff(blob.head, path)
    name = posixpath.basename(member.path.rstrip("/")) or "member"
    upload = services.Upload(blob, name, media_type, claimed_type(name, None))
    container = member.file
    lineage = {
        "container_file_id": container.id,
        "container_filename": container.original_filename,
        "container_sha256": container.sha256,
        "member_path": member.path,
        "member_sha256": blob.sha256,
    }
    child = services.create_item(
        access, _input_for(access, item, member, media_type), [upload], lineage_details=lineage
    )
    member.derived_item_id = child.id
    audit.record("evidence.member_extracted", team=access.team, target=child, new=lineage)
    return child
