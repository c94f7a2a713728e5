"""A ZIP's central directory, sized and counted before :mod:`zipfile` reads it.

``zipfile.ZipFile`` reads an archive's whole central directory into memory as it opens
it, one ``ZipInfo`` per entry, and takes no limit. An entry costs 46 bytes on disk and
some 500 bytes as a ``ZipInfo``, so an upload of a few hundred megabytes could list
millions and take the extraction worker's memory before any count or size of ours is
checked. The standard library has no way to ask only for the count, hence this small
reader: it finds the end of central directory record (APPNOTE.TXT 4.3.16) and, when
present, its ZIP64 form (4.3.14, 4.3.15), exactly as ``zipfile`` does, so it reads
the values ``zipfile`` will use; then it walks the directory's fixed 46-byte headers
(4.3.12), counting them, without keeping any. Anything it cannot make sense of is left
to ``zipfile``, which refuses it as a broken archive.
"""

import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

_END = struct.Struct("<4s4H2LH")  # signature, disks, entries here, entries, size, offset, comment
_END_SIGNATURE = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sLQL")  # signature, disk, offset of the ZIP64 end record, disks
_LOCATOR_SIGNATURE = b"PK\x06\x07"
_END64 = struct.Struct("<4sQ2H2L4Q")  # ..., entries here, entries, size, offset
_END64_SIGNATURE = b"PK\x06\x06"
_HEADER = struct.Struct("<4s6H3L5H2L")  # a central directory file header, fixed part
_HEADER_SIGNATURE = b"PK\x01\x02"
_MAX_COMMENT = 0xFFFF
# A directory entry is 46 bytes and its name, extra field and comment; real tools write
# 100-200 bytes. This much per entry allowed leaves room for long paths and extra fields.
BYTES_PER_ENTRY = 2048


class ZipDirectoryTooLarge(ValueError):
    """The archive lists more entries, or a larger directory, than the caller allows."""


def _end_record(handle: BinaryIO, size: int) -> tuple[int, tuple] | None:
    """The end record's position and fields, or None: the last signature in the file's
    last 64 KiB and 22 bytes, the one ``zipfile`` takes, whatever its comment length."""
    span = min(size, _END.size + _MAX_COMMENT)
    handle.seek(size - span)
    tail = handle.read(span)
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or at + _END.size > len(tail):
        return None
    return size - span + at, _END.unpack_from(tail, at)


def declared(handle: BinaryIO) -> tuple[int, int, int] | None:
    """Return ``(entries, directory size, directory start)`` as ``zipfile`` will read them.

    None when there is no end record (then it is no ZIP, and ``zipfile`` says so).
    """
    handle.seek(0, 2)
    size = handle.tell()
    found = _end_record(handle, size)
    if found is None:
        return None
    position, fields = found
    entries, directory_size, start = fields[4], fields[5], position - fields[5]
    # zipfile looks for the ZIP64 locator just before the end record whatever the end
    # record says, and then takes the ZIP64 record's values: so must this.
    if position >= _LOCATOR.size:
        handle.seek(position - _LOCATOR.size)
        locator = handle.read(_LOCATOR.size)
        if len(locator) == _LOCATOR.size and locator[:4] == _LOCATOR_SIGNATURE:
            record_at = position - _LOCATOR.size - _END64.size
            if record_at >= 0:
                handle.seek(record_at)
                record = handle.read(_END64.size)
                if len(record) == _END64.size and record[:4] == _END64_SIGNATURE:
                    values = _END64.unpack(record)
                    entries, directory_size = values[7], values[8]
                    start = record_at - directory_size
    return entries, directory_size, start


def count_entries(handle: BinaryIO, start: int, directory_size: int, stop_after: int) -> int:
    """Count the directory's headers from ``start``; stop once past ``stop_after``."""
    count, offset, end = 0, max(start, 0), max(start, 0) + directory_size
    while offset + _HEADER.size <= end and count <= stop_after:
        handle.seek(offset)
        header = handle.read(_HEADER.size)
        if len(header) < _HEADER.size or header[:4] != _HEADER_SIGNATURE:
            break  # not a directory zipfile can read either: it will say so
        fields = _HEADER.unpack(header)
        name, extra, comment = fields[10], fields[11], fields[12]
        offset += _HEADER.size + name + extra + comment
        count += 1
    return count


def check(handle: BinaryIO, max_entries: int) -> None:
    """Refuse (:class:`ZipDirectoryTooLarge`) a directory beyond ``max_entries`` entries."""
    found = declared(handle)
    if found is None:
        return
    entries, directory_size, start = found
    if entries > max_entries:
        raise ZipDirectoryTooLarge(
            f"the archive lists {entries:,} members, more than the limit of {max_entries:,}"
        )
    allowed = max_entries * BYTES_PER_ENTRY
    if directory_size > allowed:
        raise ZipDirectoryTooLarge(
            f"the archive's directory is {directory_size:,} bytes, more than the "
            f"{allowed:,} its limit of {max_entries:,} members allows"
        )
    counted = count_entries(handle, start, directory_size, max_entries)
    if counted > max_entries:
        raise ZipDirectoryTooLarge(
            f"the archive holds more than {max_entries:,} members (the limit), "
            f"though it declares {entries:,}"
        )


def open_checked(path: Path, max_entries: int) -> zipfile.ZipFile:
    """``zipfile.ZipFile(path)``, once its directory is within ``max_entries`` entries.

    Raises :class:`ZipDirectoryTooLarge`, ``zipfile.BadZipFile`` or ``OSError``.
    """
    with open(path, "rb") as handle:
        check(handle, max_entries)
    return zipfile.ZipFile(path)
