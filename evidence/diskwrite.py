"""How a blob's bytes reach the disk: the engine under :class:`evidence.storage.BlobWriter`.

Two helper threads (:class:`Worker`) hash and write each chunk, so reading the request,
hashing and writing overlap. Chunks that are views of the upload reader's page-aligned
buffers (evidence/buffers.py) are held until both threads are done with them, and
written with O_DIRECT straight from those buffers (:class:`DirectSink`): the evidence
is never copied in user space. Where the file system refuses O_DIRECT,
:class:`BufferedSink` writes through the page cache with early write-back.
"""

import ctypes
import errno
import fcntl
import mmap
import os
import queue
import threading
from pathlib import Path

from evidence import buffers, libc

_WRITEBACK_STEP = 16 * 1024 * 1024  # start write-back early so the final fsync is short
_DIRECT_BUFFER = 1024 * 1024  # O_DIRECT: stages bytes that are not page-aligned in memory
_DIRECT_ALIGN = buffers.ALIGN
_QUEUE_DEPTH = 2  # 4 MiB chunks in flight between the reader and the hashing and writing threads

# Linux's sync_file_range(2); None elsewhere.
_sync_file_range = libc.function(
    "sync_file_range", [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint], ctypes.c_int
)
_START_WRITE = 2  # SYNC_FILE_RANGE_WRITE
_WAIT_WRITTEN = 1 | 2 | 4  # WAIT_BEFORE | WRITE | WAIT_AFTER


class Worker:
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


class BufferedSink:
    """Write through the page cache, asking the kernel to write each step out early."""

    def __init__(self, fd: int):
        self.fd = fd
        self._written = 0
        self._flushed = 0

    def write(self, chunk) -> None:
        write_fully(self.fd, chunk)
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

    def release(self) -> None:
        """Nothing to give back: this sink holds no buffer of its own."""


class DirectSink:
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
                write_fully(self.fd, self._view[: self._used])
                self._used = 0
                write_fully(self.fd, chunk)
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
        copy_into(self._view, self._address, self._used, piece)
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
            write_fully(self.fd, block)
            return
        try:
            write_fully(self.fd, block)
        except OSError as refused:
            if refused.errno != errno.EINVAL:
                raise
            self._leave_direct_mode()  # the file system refused O_DIRECT after all
            write_fully(self.fd, block)

    def _leave_direct_mode(self) -> None:
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, flags & ~os.O_DIRECT)
        self._direct = False

    def finish(self) -> None:
        self._flush_staged()
        if self._used:
            self._leave_direct_mode()
            write_fully(self.fd, self._view[: self._used])
        self._used = 0
        os.fsync(self.fd)
        self.release()

    def release(self) -> None:
        self._view.release()
        self._buffer.close()


def copy_into(target: memoryview, address: int, offset: int, piece: memoryview) -> None:
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


def write_fully(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def open_sink(path: Path, *, direct: bool = True):
    """Open ``path`` for a new blob: O_DIRECT where the file system allows it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    o_direct = getattr(os, "O_DIRECT", 0)
    if direct and o_direct:
        try:
            return DirectSink(os.open(path, flags | o_direct, 0o600))
        except FileExistsError:
            raise
        except OSError:
            # The file system refuses O_DIRECT (older tmpfs answers EINVAL only after
            # creating the file). O_EXCL means any file there now is that empty leftover.
            path.unlink(missing_ok=True)
    return BufferedSink(os.open(path, flags, 0o600))
