"""The blob store: files kept on disk under their SHA-256, never under a name a person gave.

A :class:`BlobWriter` hashes the bytes in the same pass that writes them.
:meth:`BlobWriter.finish` moves the finished file to ``<dir>/<aa>/<bb>/<sha256>``;
identical content is kept once. Until then the bytes sit in ``<dir>/tmp``, which
:func:`collect_garbage` sweeps. How the bytes reach the disk (helper threads, O_DIRECT
from the upload's buffers) is :mod:`evidence.diskwrite`'s business.
"""

import contextlib
import hashlib
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from evidence import buffers, diskwrite

CHUNK_SIZE = 1024 * 1024
_HEX = set("0123456789abcdef")


class BlobError(RuntimeError):
    """The blob store could not store or find a file."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size_bytes: int
    created: bool  # False when identical content was already stored
    head: bytes  # the first bytes, for sniffing the media type
    stamp: int = 0  # the blob's mtime (ns) as this upload left it


def blob_dir() -> Path:
    configured = current_app.config.get("BLOB_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "blobs"
    return folder


def blob_path(sha256: str, root: Path | None = None) -> Path:
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise BlobError(f"not a SHA-256 hex digest: {sha256!r}")
    root = root or blob_dir()
    return root / sha256[:2] / sha256[2:4] / sha256


class BlobWriter:
    """Write one blob from chunks while hashing it; ``abort`` leaves nothing behind.

    Hashing and writing run on two helper threads (both release the GIL for large
    buffers), so reading the request, hashing and writing to disk overlap.
    """

    HEAD_BYTES = 64 * 1024

    def __init__(self, root: Path | None = None, *, max_bytes: int | None = None):
        self.root = root or blob_dir()
        self.max_bytes = max_bytes
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self.temp_path = tmp / f"upload-{secrets.token_hex(12)}"
        self._sink = diskwrite.open_sink(
            self.temp_path, direct=current_app.config.get("BLOB_DIRECT_IO", True)
        )
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self.size_bytes = 0
        self._hasher = diskwrite.Worker(self._hash.update, "blob-hash")
        self._writer = diskwrite.Worker(self._sink.write, "blob-write")
        self._closed = False

    def _check(self) -> None:
        for worker in (self._hasher, self._writer):
            if worker.error is not None:
                raise BlobError(f"could not store the file: {worker.error}") from worker.error

    def write(self, chunk) -> None:
        self._check()
        if not chunk:
            return
        self.size_bytes += len(chunk)
        if self.max_bytes is not None and self.size_bytes > self.max_bytes:
            raise BlobTooLarge(self.max_bytes)
        if len(self._head) < self.HEAD_BYTES:
            self._head += chunk[: self.HEAD_BYTES - len(self._head)]
        held = buffers.pool.hold(chunk, 2)  # one for each thread
        self._hasher.put(chunk, held)
        self._writer.put(chunk, held)

    def _stop_threads(self) -> bool:
        """Stop the helpers; return False if they were stopped before."""
        if self._closed:
            return False
        self._closed = True
        self._hasher.close()
        self._writer.close()
        return True

    def finish(self) -> StoredBlob:
        """Flush, fsync and move the file under its hash; return what was stored."""
        self._stop_threads()
        try:
            self._check()
            self._sink.finish()
        except BaseException:
            self.abort()
            raise
        finally:
            os.close(self._sink.fd)
        digest = self._hash.hexdigest()
        final = blob_path(digest, self.root)
        final.parent.mkdir(parents=True, exist_ok=True)
        stamp = self._take_up_existing(final)
        created = stamp is None
        if created:
            os.chmod(self.temp_path, 0o440)
            stamp = os.stat(self.temp_path).st_mtime_ns  # a rename keeps the mtime
            os.replace(self.temp_path, final)
            _fsync_dir(final.parent)
        return StoredBlob(digest, self.size_bytes, created, bytes(self._head), stamp)

    def _take_up_existing(self, final: Path) -> int | None:
        """Use identical content stored already, if it is there; return the mtime given it.

        Touching it gives it a fresh mtime: that keeps `jit evidence gc` off it until
        this upload commits, and tells a failed upload that created it (and would
        remove it, see :func:`remove_unused_blob`) that someone else took it up.
        """
        now = time.time_ns()
        try:
            os.utime(final, ns=(now, now))
        except FileNotFoundError:
            return None  # not there, or removed a moment ago: store this copy
        self.temp_path.unlink(missing_ok=True)
        return now

    def abort(self) -> None:
        """Stop writing and remove the partial file."""
        if self._stop_threads():
            self._sink.release()
            os.close(self._sink.fd)
        self.temp_path.unlink(missing_ok=True)


class BlobTooLarge(BlobError):
    def __init__(self, limit: int):
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_bytes(data: bytes, root: Path | None = None) -> StoredBlob:
    """Store a small in-memory file (demo data, tests)."""
    writer = BlobWriter(root)
    try:
        for start in range(0, len(data), CHUNK_SIZE):
            writer.write(data[start : start + CHUNK_SIZE])
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


def remove_unused_blob(sha256: str, stamp: int, root: Path | None = None) -> bool:
    """Remove a blob a failed upload stored, unless another upload has taken it up since.

    An upload of identical content that finished meanwhile touched the blob (see
    :meth:`BlobWriter._take_up_existing`) and may be about to commit a file row for it.
    The blob is first moved aside, so a concurrent upload either touched it before
    (the mtime no longer matches ``stamp``: it is put back) or finds it gone and stores
    its own copy. Returns whether the blob was removed.
    """
    root = root or blob_dir()
    path = blob_path(sha256, root)
    aside = root / "tmp" / f"discard-{sha256}-{secrets.token_hex(6)}"
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return False
    if aside.stat().st_mtime_ns == stamp:
        aside.unlink()
        return True
    with contextlib.suppress(FileExistsError):  # a new copy may be in place already
        os.link(aside, path)
    aside.unlink()
    return False


def hash_file(path: Path) -> tuple[str, int]:
    """Return the SHA-256 and size of a stored file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def iter_blobs(root: Path | None = None) -> Iterator[Path]:
    root = root or blob_dir()
    if not root.exists():
        return
    for first in sorted(root.iterdir()):
        if len(first.name) != 2 or not first.is_dir():
            continue
        for second in sorted(first.iterdir()):
            if second.is_dir():
                yield from (path for path in sorted(second.iterdir()) if path.is_file())


@dataclass(frozen=True)
class GarbageReport:
    removed_blobs: list[str]
    removed_temp_files: int
    kept_recent: int


def collect_garbage(
    referenced: set[str], *, grace_seconds: float, root: Path | None = None
) -> GarbageReport:
    """Remove blobs no file row references and abandoned temp files older than the grace.

    The grace period protects an upload that has stored its blob but not yet committed
    its file row.
    """
    root = root or blob_dir()
    cutoff = time.time() - grace_seconds
    removed, kept_recent, temp_removed = [], 0, 0
    for path in iter_blobs(root):
        if path.name in referenced:
            continue
        if path.stat().st_mtime > cutoff:
            kept_recent += 1
            continue
        path.unlink(missing_ok=True)
        removed.append(path.name)
    tmp = root / "tmp"
    if tmp.exists():
        for path in tmp.iterdir():
            if path.is_file() and path.stat().st_mtime <= cutoff:
                path.unlink(missing_ok=True)
                temp_removed += 1
    return GarbageReport(removed, temp_removed, kept_recent)
