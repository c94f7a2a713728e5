"""The blob store: files kept on disk under their SHA-256, never under a name a person gave.

A :class:`BlobWriter` hashes the bytes in the same pass that writes them; the disk
writes run on a helper thread so hashing and writing overlap. :meth:`BlobWriter.finish`
moves the finished file to ``<dir>/<aa>/<bb>/<sha256>``; identical content is kept
once. Until then the bytes sit in ``<dir>/tmp``, which :func:`collect_garbage` sweeps.

Chunks that are views of the upload reader's page-aligned buffers (evidence/buffers.py)
are held until both threads are done with them, and written to disk with O_DIRECT
straight from those buffers: the evidence is never copied in user space.
"""

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import mmap
import os
import queue
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from evidence import buffers, libc

CHUNK_SIZE = 1024 * 1024
_WRITEBACK_STEP = 16 * 1024 * 1024  # start write-back early so the final fsync is short
_DIRECT_BUFFER = 1024 * 1024  # O_DIRECT: stages bytes that are not page-aligned in memory
_DIRECT_ALIGN = buffers.ALIGN
_QUEUE_DEPTH = 2  # 4 MiB chunks in flight between the reader and the hashing and writing threads
_HEX = set("0123456789abcdef")


# Linux's sync_file_range(2); None elsewhere.
_sync_file_range = libc.function(
    "sync_file_range", [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint], ctypes.c_int
)
_START_WRITE = 2  # SYNC_FILE_RANGE_WRITE
_WAIT_WRITTEN = 1 | 2 | 4  # WAIT_BEFORE | WRITE | WAIT_AFTER


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


class _Worker:
    """A thread that applies ``work`` to every chunk put in its bounded queue.

    Each chunk comes with the pool buffer it is a view of (or None), released once
    the chunk is done with, whether the work succeeded or not.
    """

    def __init__(self, work, name: str):
        self._work = work
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_DEPTH)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            chunk, held = item
            try:
                if self.error is None:
                    self._work(chunk)
            except BaseException as failure:  # reported to the caller by check()
                self.error = failure
            finally:
                del chunk
                if held is not None:
                    buffers.pool.release(held)

    def put(self, chunk, held) -> None:
        self._queue.put((chunk, held))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()


class _BufferedSink:
    """Write through the page cache, asking the kernel to write each step out early."""

    def __init__(self, fd: int):
        self.fd = fd
        self._written = 0
        self._flushed = 0

    def write(self, chunk) -> None:
        _write_fully(self.fd, chunk)
        self._written += len(chunk)
        if _sync_file_range is not None and self._written - self._flushed >= _WRITEBACK_STEP:
            # Start writing this step out now (without waiting) and wait for the step
            # before the last: dirty pages stay few and the final fsync has little to do.
            _sync_file_range(self.fd, self._flushed, _WRITEBACK_STEP, _START_WRITE)
            if self._flushed >= _WRITEBACK_STEP:
                _sync_file_range(
                    self.fd, self._flushed - _WRITEBACK_STEP, _WRITEBACK_STEP, _WAIT_WRITTEN
                )
            self._flushed += _WRITEBACK_STEP

    def finish(self) -> None:
        os.fsync(self.fd)


class _DirectSink:
    """Write with O_DIRECT: no page-cache copy of the evidence, no copy in user space.

    A chunk whose memory is page-aligned at a block boundary of the file (the upload
    reader arranges that) is written straight from its buffer in whole blocks. Other
    bytes are staged in a page-aligned buffer and written from there. The last
    partial block is written through the page cache, then the file is fsynced.
    """

    def __init__(self, fd: int):
        self.fd = fd
        self._buffer = mmap.mmap(-1, _DIRECT_BUFFER)
        self._view = memoryview(self._buffer)
        self._address = ctypes.addressof(ctypes.c_char.from_buffer(self._buffer))
        self._used = 0  # staged bytes; what is on disk ends at a block boundary
        self._direct = True

    def write(self, chunk) -> None:
        chunk = memoryview(chunk).cast("B")
        while chunk:
            if not self._direct:  # the file system refused O_DIRECT: write as it comes
                _write_fully(self.fd, self._view[: self._used])
                self._used = 0
                _write_fully(self.fd, chunk)
                return
            if self._aligned_with_file(chunk):
                lead = -self._used % _DIRECT_ALIGN  # completes the staged block
                if lead:
                    chunk = self._stage(chunk[:lead], chunk)
                if len(chunk) >= _DIRECT_ALIGN:
                    self._flush_staged()
                    whole = len(chunk) - len(chunk) % _DIRECT_ALIGN
                    self._write_block(chunk[:whole])
                    chunk = chunk[whole:]
                    continue
            chunk = self._stage(chunk[: _DIRECT_BUFFER - self._used], chunk)
            if self._used == _DIRECT_BUFFER:
                self._flush_staged()

    def _aligned_with_file(self, chunk: memoryview) -> bool:
        """True if the chunk's first byte sits at the memory offset its file offset needs."""
        if chunk.readonly or len(chunk) < _DIRECT_ALIGN:
            return False
        address = ctypes.addressof(ctypes.c_char.from_buffer(chunk))
        return (address - self._used) % _DIRECT_ALIGN == 0

    def _stage(self, piece: memoryview, chunk: memoryview) -> memoryview:
        """Copy ``piece`` (the start of ``chunk``) into the stage; return the rest of ``chunk``."""
        _copy(self._view, self._address, self._used, piece)
        self._used += len(piece)
        return chunk[len(piece) :]

    def _flush_staged(self) -> None:
        whole = self._used - self._used % _DIRECT_ALIGN
        if whole:
            self._write_block(self._view[:whole])
            remainder = self._used - whole
            if remainder:
                self._view[:remainder] = self._view[whole : self._used]
            self._used = remainder

    def _write_block(self, block) -> None:
        if not self._direct:
            _write_fully(self.fd, block)
            return
        try:
            _write_fully(self.fd, block)
        except OSError as refused:
            if refused.errno != errno.EINVAL:
                raise
            self._leave_direct_mode()  # the file system refused O_DIRECT after all
            _write_fully(self.fd, block)

    def _leave_direct_mode(self) -> None:
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, flags & ~os.O_DIRECT)
        self._direct = False

    def finish(self) -> None:
        self._flush_staged()
        if self._used:
            self._leave_direct_mode()
            _write_fully(self.fd, self._view[: self._used])
        self._used = 0
        os.fsync(self.fd)
        self.release()

    def release(self) -> None:
        self._view.release()
        self._buffer.close()


def _copy(target: memoryview, address: int, offset: int, piece: memoryview) -> None:
    """Copy ``piece`` into ``target`` at ``offset``, letting other threads run meanwhile.

    A memoryview slice assignment holds the GIL for the whole copy (about a
    millisecond per 4 MiB), which stalls the hashing thread between its chunks;
    ``ctypes.memmove`` releases it. Read-only sources (bytes) are copied the plain way.
    """
    if piece.readonly or len(piece) < 65536:
        target[offset : offset + len(piece)] = piece
        return
    source = ctypes.c_char.from_buffer(piece)
    ctypes.memmove(address + offset, ctypes.addressof(source), len(piece))
    del source


def _write_fully(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _open_sink(path: Path):
    """Open ``path`` for a new blob: O_DIRECT where the file system allows it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    direct = getattr(os, "O_DIRECT", 0)
    if direct and current_app and current_app.config.get("BLOB_DIRECT_IO", True):
        try:
            return _DirectSink(os.open(path, flags | direct, 0o600))
        except FileExistsError:
            raise
        except OSError:
            # The file system refuses O_DIRECT (older tmpfs answers EINVAL only after
            # creating the file). O_EXCL means any file there now is that empty leftover.
            path.unlink(missing_ok=True)
    return _BufferedSink(os.open(path, flags, 0o600))


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
        self._sink = _open_sink(self.temp_path)
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self.size_bytes = 0
        self._hasher = _Worker(self._hash.update, "blob-hash")
        self._writer = _Worker(self._sink.write, "blob-write")
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
            if isinstance(self._sink, _DirectSink):
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
