"""Page-aligned receive buffers shared by the upload reader, the hasher and the disk writer.

An upload's bytes are received from the socket straight into one of these buffers,
hashed from it and written to disk from it with O_DIRECT: no copy in user space and no
fresh memory to fault in and zero for every chunk. A buffer is *held* by each party
still using it (the reader, the hashing thread, the writing thread) and goes back to
the pool when the last one lets go; a few free buffers are kept for the next upload.

:func:`find` searches a buffer with the C library's ``memmem``, which is faster than
``bytes.find`` and lets the hashing thread run meanwhile (ctypes releases the GIL).
"""

import ctypes
import mmap
import threading

from evidence import libc

ALIGN = mmap.PAGESIZE
SIZE = 4 * 1024 * 1024  # one socket read; a whole number of pages
KEEP = 8  # free buffers kept per process (32 MiB); more are unmapped when let go


class Buffer:
    """One page-aligned buffer of :data:`SIZE` bytes with a count of its holders."""

    __slots__ = ("_holders", "memory", "view")

    def __init__(self):
        self.memory = mmap.mmap(-1, SIZE)
        self.view = memoryview(self.memory)
        self._holders = 0


class Pool:
    def __init__(self, keep: int = KEEP):
        self._keep = keep
        self._lock = threading.Lock()
        self._free: list[Buffer] = []
        self._lent: dict[int, Buffer] = {}  # id(mmap) -> buffer, for views handed around

    def take(self) -> Buffer:
        """Return a buffer held once, by the caller."""
        with self._lock:
            buffer = self._free.pop() if self._free else None
            if buffer is None:
                buffer = Buffer()
            buffer._holders = 1
            self._lent[id(buffer.memory)] = buffer
            return buffer

    def hold(self, data, times: int = 1) -> Buffer | None:
        """Hold the pool buffer ``data`` is a view of ``times`` more; None if it is not one."""
        owner = getattr(data, "obj", None)
        if owner is None:
            return None
        with self._lock:
            buffer = self._lent.get(id(owner))
            if buffer is None or buffer.memory is not owner:
                return None
            buffer._holders += times
            return buffer

    def release(self, buffer: Buffer) -> None:
        """Let go of one hold; the last one returns the buffer to the pool."""
        with self._lock:
            if buffer._holders <= 0:
                raise RuntimeError("a receive buffer was released more often than held")
            buffer._holders -= 1
            if buffer._holders:
                return
            del self._lent[id(buffer.memory)]
            if len(self._free) < self._keep:
                self._free.append(buffer)
            # Otherwise it is dropped; the mapping goes when its last view does.

    def free_count(self) -> int:
        with self._lock:
            return len(self._free)

    def lent_count(self) -> int:
        with self._lock:
            return len(self._lent)


pool = Pool()


_memmem = libc.function(
    "memmem", [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t], ctypes.c_void_p
)
_SMALL = 64 * 1024  # below this, bytes.find is as quick as a foreign call


def find(data, needle: bytes) -> int:
    """Return the index of the first ``needle`` in ``data`` (bytes or a view), or -1."""
    if isinstance(data, bytes):
        if _memmem is None or len(data) < _SMALL:
            return data.find(needle)
        address = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
    else:
        view = data if isinstance(data, memoryview) else memoryview(data)
        if _memmem is None or view.readonly or len(view) < _SMALL:
            return bytes(view).find(needle)
        address = ctypes.addressof(ctypes.c_char.from_buffer(view))
    found = _memmem(address, len(data), needle, len(needle))
    return -1 if found is None else found - address
