"""7z archives, listed member by member with py7zr, under the same bounds as ZIP and TAR.

py7zr decompresses into writers the workspace hands it (its ``factory=``), so no member
is ever written under its own name: each streams through SHA-256 and, when small
enough, into a temporary file of the worker's own naming for its reader. The listing
is checked before a byte is inflated (member count, declared sizes against packed
sizes, ``..``/absolute/drive-letter names). py7zr names its writers by member name
(``name_0`` for a second member of one name); each writer is matched back to its entry
and then checked against that entry's size and CRC-32, so a hash is never put beside
the wrong member. The archive is given to py7zr as an open file, which keeps its
decompression on this thread (the time bound is checked as the bytes arrive).

The listing itself is read before these checks can run, and a 7z header may be
compressed: py7zr (1.1.4 and later, as pyproject requires) refuses a header that would
decode to more than ``py7zr.archiveinfo.MAX_HEADER_SIZE`` (256 MiB), which bounds that
read.
"""

import hashlib
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidence.readers import (
    MAX_NESTED_BYTES,
    Collector,
    ExtractionError,
    Member,
    archives,
    read_nested,
)

SEVENZIP_TYPES = {"application/x-7z-compressed"}
_LINK_BYTES = 4096


def _broken(broken: BaseException) -> ExtractionError:
    return ExtractionError(f"not a readable 7z archive ({type(broken).__name__}: {broken})")


def _protected() -> ExtractionError:
    return ExtractionError(
        "the 7z archive is password-protected: its members cannot be read without the password"
    )


@contextmanager
def _opened(path: Path) -> Iterator:
    import py7zr
    from py7zr.exceptions import PasswordRequired

    handle = open(path, "rb")  # noqa: SIM115 (closed below)
    try:
        try:
            archive = py7zr.SevenZipFile(handle)
        except PasswordRequired as refused:  # the names themselves are encrypted
            raise _protected() from refused
        except (ExtractionError, MemoryError):
            raise
        except Exception as broken:  # a damaged header fails in many ways
            raise _broken(broken) from broken
        with archive:
            if archive.needs_password():
                raise _protected()
            yield archive
    finally:
        handle.close()


def _packed(entry) -> int | None:
    """The bytes this entry alone was packed into; None when it shares a solid block."""
    folder = entry.folder
    if folder is None or getattr(folder, "solid", True):
        return None
    return entry.compressed


def check_7z_limits(archive, archive_bytes: int) -> None:
    """Refuse a 7z whose listing promises a bomb or a path outside the archive."""
    entries = list(archive.files)
    if len(entries) > archives.MAX_MEMBERS:
        raise ExtractionError(
            f"refused: the archive lists {len(entries)} members, more than the limit of "
            f"{archives.MAX_MEMBERS}"
        )
    total = 0
    for entry in entries:
        archives.refuse_traversal(entry.filename)
        size = entry.uncompressed or 0
        total += size
        packed = _packed(entry)
        if (
            packed is not None
            and size > archives.RATIO_FLOOR_BYTES
            and size > archives.MAX_RATIO * max(packed, 1)
        ):
            raise ExtractionError(
                f"refused: the member “{entry.filename}” would inflate {packed} bytes to {size} "
                f"(more than {archives.MAX_RATIO} to 1): a compression bomb"
            )
    if total > archives.MAX_TOTAL_BYTES or (
        total > archives.RATIO_FLOOR_BYTES and total > archives.MAX_RATIO * max(archive_bytes, 1)
    ):
        raise ExtractionError(
            f"refused: the archive would inflate to {total} bytes from {archive_bytes}: "
            "a compression bomb"
        )


def _writer_names(entries, base: Path, only: str | None = None) -> dict[str, int]:
    """The name py7zr gives each member's writer, and the member's position."""
    from py7zr.helpers import get_sanitized_output_path

    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    for position, entry in enumerate(entries):
        name = entry.filename
        if only is not None and name != only:
            continue
        if name in seen:
            outname = f"{name}_{seen[name]}"
            seen[name] += 1
        else:
            outname, seen[name] = name, 0
        if entry.is_directory or entry.is_socket:
            continue
        key = get_sanitized_output_path(outname, base).as_posix()
        if key in names:
            raise ExtractionError(
                f"refused: two members of the archive cannot be told apart ({name})"
            )
        names[key] = position
    return names


def _writer_class():
    from py7zr.io import Py7zIO

    class Writer(Py7zIO):
        """One member's bytes on their way: counted, CRC-checked, hashed, maybe spooled."""

        def __init__(self, entry, spool: Path | None, keep_link: bool, on_byte=None):
            self.entry, self.spool, self.on_byte = entry, spool, on_byte
            self.digest, self.crc, self.count = hashlib.sha256(), 0, 0
            self.handle = open(spool, "wb") if spool is not None else None  # noqa: SIM115
            self.link = bytearray() if keep_link else None
            self.finished = False

        def write(self, s) -> int:
            self.count += len(s)
            if self.count > (self.entry.uncompressed or 0):
                raise ExtractionError(
                    f"refused: the member “{self.entry.filename}” holds more than it declares"
                )
            self.digest.update(s)
            self.crc = zlib.crc32(s, self.crc)
            if self.handle is not None:
                self.handle.write(s)
            if self.link is not None and len(self.link) < _LINK_BYTES:
                self.link += s[: _LINK_BYTES - len(self.link)]
            if self.on_byte is not None:
                self.on_byte()
            return len(s)

        def read(self, size=None) -> bytes:
            return b""

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def flush(self) -> None:
            return None

        def size(self) -> int:
            return self.count

        def close(self) -> None:
            if self.handle is not None and not self.handle.closed:
                self.handle.close()

        def verified(self) -> str:
            """The member's SHA-256, once its size and CRC-32 are those the archive lists."""
            self.close()
            expected_crc = self.entry.crc32
            if self.count != (self.entry.uncompressed or 0) or (
                expected_crc is not None and self.crc != expected_crc
            ):
                raise ExtractionError(
                    f"the member “{self.entry.filename}” did not match its listing (size or CRC)"
                )
            return self.digest.hexdigest()

    return Writer


def _link_member(entry, data: bytes | bytearray | None) -> Member:
    target = bytes(data or b"").decode("utf-8", "replace")
    note = f"link to {target}" if target else "link"
    return Member(entry.filename, 0, None, None, "inode/x-link", note)


def read_7z(path: Path, out: Collector, depth: int) -> None:
    from py7zr.exceptions import PasswordRequired
    from py7zr.io import WriterFactory

    writer_class = _writer_class()
    with _opened(path) as archive:
        check_7z_limits(archive, path.stat().st_size)
        entries = list(archive.files)
        base = Path(tempfile.mkdtemp(prefix="7z-", dir=out.workdir))
        writers: dict[int, object] = {}
        try:
            names = _writer_names(entries, base)

            read: dict[int, str] = {}
            pending: list[int] = []

            def read_finished() -> None:
                # One member is spooled at a time: each is read once py7zr moves past it.
                while pending:
                    position = pending.pop()
                    read[position] = _read_member(writers[position], out, depth)

            class Factory(WriterFactory):
                def create(self, filename: str):
                    read_finished()
                    position = names.get(filename)
                    if position is None or position in writers:
                        raise ExtractionError(f"the member “{filename}” was not in the listing")
                    entry = entries[position]
                    spool = None
                    if not entry.is_symlink and (entry.uncompressed or 0) <= MAX_NESTED_BYTES:
                        spool = base / f"member-{position}"
                    writer = writer_class(entry, spool, entry.is_symlink, out.check_time)
                    writers[position] = writer
                    pending.append(position)
                    return writer

            try:
                archive.extractall(path=base, factory=Factory())
            except (ExtractionError, MemoryError):
                raise
            except PasswordRequired as refused:
                raise _protected() from refused
            except Exception as broken:  # damaged data fails in many ways
                raise _broken(broken) from broken
            read_finished()
            for position, entry in enumerate(entries):
                _list(entry, writers.get(position), read.get(position), out, depth)
        finally:
            for writer in writers.values():
                writer.close()  # a member cut off by an error leaves its spool open
            shutil.rmtree(base, ignore_errors=True)


def _read_member(writer, out: Collector, depth: int) -> str:
    """Check a decompressed member against its listing and read it; return its media type."""
    writer.verified()
    if writer.spool is None:
        return "application/octet-stream"
    try:
        return read_nested(writer.entry.filename, writer.spool, out, depth)
    finally:
        writer.spool.unlink(missing_ok=True)


def _list(entry, writer, media_type: str | None, out: Collector, depth: int) -> None:
    if entry.is_directory:
        archives.listed(out, depth, Member(entry.filename, 0, None, None, "inode/directory"))
        return
    if entry.is_socket or writer is None:
        note = "special" if entry.is_socket else "not decompressed"
        archives.listed(out, depth, Member(entry.filename, 0, None, None, "inode/x-link", note))
        return
    if entry.is_symlink:
        archives.listed(out, depth, _link_member(entry, writer.link))
        return
    member = Member(
        entry.filename,
        writer.count,
        _packed(entry),
        writer.verified(),
        media_type or "application/octet-stream",
    )
    archives.listed(out, depth, member)


@contextmanager
def open_member(path: Path, member_path: str, position: int):
    """Yield the member at ``position`` (decompressed to a temporary file of our naming)."""
    from py7zr.io import WriterFactory

    writer_class = _writer_class()
    with _opened(path) as archive:
        check_7z_limits(archive, path.stat().st_size)
        entries = list(archive.files)
        if (
            position >= len(entries)
            or entries[position].filename != member_path
            or entries[position].is_directory
            or entries[position].is_symlink
        ):
            raise ExtractionError(f"“{member_path}” is not where the listing put it")
        base = Path(tempfile.mkdtemp(prefix="jit-7z-member-"))
        try:
            names = _writer_names(entries, base, only=member_path)
            wanted = base / "member"
            found = {}

            class Factory(WriterFactory):
                def create(self, filename: str):
                    at = names.get(filename)
                    if at is None:
                        raise ExtractionError(f"the member “{filename}” was not in the listing")
                    writer = writer_class(entries[at], wanted if at == position else None, False)
                    if at == position:
                        found["writer"] = writer
                    return writer

            try:
                archive.extract(path=base, targets=[member_path], factory=Factory())
            except (ExtractionError, MemoryError):
                raise
            except Exception as broken:  # damaged data fails in many ways
                raise _broken(broken) from broken
            if "writer" not in found:
                raise ExtractionError(f"“{member_path}” is not where the listing put it")
            found["writer"].verified()
            with open(wanted, "rb") as stream:
                yield stream
        finally:
            shutil.rmtree(base, ignore_errors=True)


READERS = dict.fromkeys(SEVENZIP_TYPES, read_7z)
