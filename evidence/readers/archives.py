"""Containers (ZIP, TAR, gzip/bzip2/xz-compressed TAR), listed member by member (7z: sevenzip.py).

A member is hashed as it streams out of the archive and never written under its own
name, so its path is only ever text. Archives that would flood the worker are refused
before a byte is inflated: too many members, a declared total or a compression ratio
beyond the limits (a zip bomb), or a member path that climbs out of the archive
(``../``, an absolute path or a drive letter), which no honest tool writes.
"""

import hashlib
import itertools
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from evidence.readers import (
    CHUNK,
    MAX_NESTED_BYTES,
    Collector,
    ExtractionError,
    Member,
    read_nested,
)
from jit import zipdir

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 16 * 1024**3
MAX_RATIO = 200
# Small members compress far beyond any ratio honestly (a page of spaces); judge only
# what inflates past this.
RATIO_FLOOR_BYTES = 1024 * 1024


def unsafe_path(name: str) -> bool:
    """Whether a member's path is absolute or climbs out of the archive."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return True
    return ".." in PurePosixPath(posix).parts


def refuse_traversal(name: str) -> None:
    if unsafe_path(name):
        shown = name if len(name) <= 120 else name[:120] + "…"
        raise ExtractionError(
            f"refused: the member “{shown}” points outside the archive (path traversal); "
            "the archive is kept as uploaded but not opened"
        )


def check_zip_limits(archive: zipfile.ZipFile, archive_bytes: int) -> None:
    """Refuse a ZIP whose listing promises a bomb or a path outside the archive."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ExtractionError(
            f"refused: the archive lists {len(infos)} members, more than the limit of {MAX_MEMBERS}"
        )
    total = 0
    for info in infos:
        refuse_traversal(info.filename)
        total += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ExtractionError(
                f"refused: the member “{info.filename}” would inflate {info.compress_size} bytes "
                f"to {info.file_size} (more than {MAX_RATIO} to 1): a zip bomb"
            )
    if total > MAX_TOTAL_BYTES or (
        total > RATIO_FLOOR_BYTES and total > MAX_RATIO * max(archive_bytes, 1)
    ):
        raise ExtractionError(
            f"refused: the archive would inflate to {total} bytes from {archive_bytes}: a zip bomb"
        )


def _hash_and_read(
    name: str, stream: BinaryIO, declared: int, out: Collector, depth: int
) -> tuple[str, int, str]:
    """Hash a member as it streams; read its text if it is small enough. Return hash, size, type."""
    digest = hashlib.sha256()
    spooled = None
    size = 0
    handle = None
    if declared <= MAX_NESTED_BYTES and out.workdir is not None:
        spooled = out.workdir / f"member-{len(out.members)}-{depth}"
        handle = open(spooled, "wb")  # noqa: SIM115
    try:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max(declared, 0) and size > MAX_NESTED_BYTES:
                raise ExtractionError(f"refused: the member “{name}” holds more than it declares")
            digest.update(chunk)
            if handle is not None:
                handle.write(chunk)
            out.check_time()
    finally:
        if handle is not None:
            handle.close()
    try:
        if spooled is not None:
            media_type = read_nested(name, spooled, out, depth)
        else:
            media_type = "application/octet-stream"
    finally:
        if spooled is not None:
            spooled.unlink(missing_ok=True)
    return digest.hexdigest(), size, media_type


def open_zip(path: Path, what: str = "ZIP archive") -> zipfile.ZipFile:
    """Open a ZIP whose directory lists no more than ``MAX_MEMBERS`` entries (jit.zipdir).

    zipfile reads the whole directory as it opens; a longer one is refused unread.
    """
    try:
        return zipdir.open_checked(path, MAX_MEMBERS)
    except zipdir.ZipDirectoryTooLarge as refused:
        raise ExtractionError(f"refused: {refused}") from refused
    except zipfile.BadZipFile as broken:
        raise ExtractionError(f"not a readable {what} ({broken})") from broken


def read_zip(path: Path, out: Collector, depth: int) -> None:
    archive = open_zip(path)
    with archive:
        check_zip_limits(archive, path.stat().st_size)
        infos = archive.infolist()
        if any(info.flag_bits & 0x1 for info in infos):
            raise ExtractionError(
                "the ZIP archive is password-protected: its members cannot be read without "
                "the password"
            )
        for info in infos:
            if info.is_dir():
                listed(out, depth, Member(info.filename, 0, 0, None, "inode/directory"))
                continue
            try:
                with archive.open(info) as stream:
                    sha256, size, media_type = _hash_and_read(
                        info.filename, stream, info.file_size, out, depth
                    )
            except (zipfile.BadZipFile, EOFError, NotImplementedError) as broken:
                raise ExtractionError(
                    f"the member “{info.filename}” could not be read ({broken})"
                ) from broken
            listed(out, depth, Member(info.filename, size, info.compress_size, sha256, media_type))


def listed(out: Collector, depth: int, member: Member) -> None:
    # Only the uploaded container's own members are listed; nested ones give text only.
    if depth == 0:
        out.members.append(member)


def read_tar(path: Path, out: Collector, depth: int) -> None:
    archive_bytes = path.stat().st_size
    try:
        archive = tarfile.open(path, mode="r:*")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, EOFError, OSError) as broken:
        raise ExtractionError(f"not a readable TAR archive ({broken})") from broken
    total = 0
    with archive:
        try:
            for count, info in enumerate(_tar_members(archive), 1):
                if count > MAX_MEMBERS:
                    raise ExtractionError(
                        f"refused: the archive holds more than {MAX_MEMBERS} members"
                    )
                refuse_traversal(info.name)
                total += max(info.size, 0)
                if total > MAX_TOTAL_BYTES or (
                    total > RATIO_FLOOR_BYTES and total > MAX_RATIO * archive_bytes
                ):
                    raise ExtractionError(
                        f"refused: the archive inflates beyond {MAX_RATIO} to 1: a compression bomb"
                    )
                if info.isdir():
                    listed(out, depth, Member(info.name, 0, None, None, "inode/directory"))
                elif not info.isfile():
                    # Links and devices are listed as what they are and never followed.
                    note = f"link to {info.linkname}" if info.issym() or info.islnk() else "special"
                    listed(out, depth, Member(info.name, 0, None, None, "inode/x-link", note))
                else:
                    stream = archive.extractfile(info)
                    sha256, size, media_type = _hash_and_read(
                        info.name, stream, info.size, out, depth
                    )
                    listed(out, depth, Member(info.name, size, None, sha256, media_type))
        except (tarfile.TarError, EOFError, OSError) as broken:
            raise ExtractionError(f"the TAR archive could not be read ({broken})") from broken


def _tar_members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (info := archive.next()) is not None:
        yield info


@contextmanager
def open_member(path: Path, media_type: str, member_path: str, position: int):
    """Open the member listed at ``position`` for reading, after the same checks as listing.

    By position, not by name: an archive may hold two members of the same name.
    """
    refuse_traversal(member_path)
    from evidence.readers import sevenzip

    if media_type in sevenzip.SEVENZIP_TYPES:
        with sevenzip.open_member(path, member_path, position) as stream:
            yield stream
        return
    if media_type in ZIP_TYPES:
        with open_zip(path) as archive:
            check_zip_limits(archive, path.stat().st_size)
            infos = archive.infolist()
            if position >= len(infos) or infos[position].filename != member_path:
                raise ExtractionError(f"“{member_path}” is not where the listing put it")
            with archive.open(infos[position]) as stream:
                yield stream
        return
    with tarfile.open(path, mode="r:*") as archive:
        found = next(itertools.islice(_tar_members(archive), position, None), None)
        if found is None or found.name != member_path or not found.isfile():
            raise ExtractionError(f"“{member_path}” is not where the listing put it")
        yield archive.extractfile(found)


ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}
TAR_TYPES = {
    "application/x-tar",
    "application/gzip",
    "application/x-gzip",
    "application/x-bzip2",
    "application/x-xz",
}
READERS = {
    **dict.fromkeys(ZIP_TYPES, read_zip),
    **dict.fromkeys(TAR_TYPES, read_tar),
}
