"""Serving a stored evidence file: checked against its hash first, then streamed."""

import hashlib
import unicodedata
from urllib.parse import quote

from evidence import storage
from evidence.models import EvidenceFile


def content_disposition(filename: str) -> str:
    """Return an attachment header naming ``filename``, with an ASCII fallback."""
    safe = filename.replace("/", "_").replace("\\", "_")
    fallback = unicodedata.normalize("NFKD", safe).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in fallback)
    fallback = fallback.strip() or "evidence-file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe, safe='')}"


def stream(handle, remaining: int):
    """Yield ``remaining`` bytes of an open file in chunks, then close it."""
    try:
        while remaining > 0:
            chunk = handle.read(min(storage.CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def open_checked(stored: EvidenceFile):
    """Open a stored file and check its bytes against the recorded hash.

    Return ``(handle, None)``, or ``(None, the problem)`` when the file is missing or
    its bytes changed.
    """
    path = storage.blob_path(stored.sha256)
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed by the streaming generator)
    except FileNotFoundError:
        return None, "the stored file is missing from the blob store"
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(storage.CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != stored.sha256 or size != stored.size_bytes:
        handle.close()
        return None, (
            f"file {stored.id} “{stored.original_filename}”: the stored bytes no longer match "
            "the recorded SHA-256"
        )
    handle.seek(0)
    return handle, None
