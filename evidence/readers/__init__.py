"""Readers that turn a stored file into text, searchable metadata and, for containers, members.

:func:`read` is the one entry point the extraction worker calls. Each format has its
reader in a module of this package (mail, office, sheets, archives, sevenzip); every reader works
inside a :class:`Collector`, which bounds the text it keeps and the time it may take
and gathers metadata (``from``, ``to``, ``author``…) and container members. Nested
content (an e-mail's attachments, an archive's members) is spooled to a temporary
file of bounded size, judged by its bytes, and read by the reader of its own type.
"""

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAX_INPUT_BYTES = 256 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
MAX_SECONDS = 60.0
# Attachments and members larger than this are listed (and hashed) but not read.
MAX_NESTED_BYTES = 64 * 1024 * 1024
# An archive inside an e-mail inside an archive is read; one level further is not.
MAX_DEPTH = 3
CHUNK = 1024 * 1024


class ExtractionError(RuntimeError):
    """The file could not be read as its media type says; the message says why."""


class NotApplicable(Exception):
    """The bytes turned out to be a kind the workspace has no reader for (an intact container)."""


@dataclass
class Member:
    """One entry of a container, as listed: never extracted to a path of its own."""

    path: str
    size_bytes: int
    compressed_bytes: int | None
    sha256: str | None
    media_type: str
    note: str = ""


@dataclass
class Collector:
    """What the readers found in one file, within the limits of text and time."""

    seconds: float = MAX_SECONDS
    max_chars: int = MAX_TEXT_CHARS
    parts: list[str] = field(default_factory=list)
    metadata: dict[str, list[str]] = field(default_factory=dict)
    # Found in attachments and members: kept apart, so a ZIP is never shown with the
    # author of a document inside it as if it were its own.
    inner_metadata: dict[str, list[str]] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    workdir: Path | None = None
    is_cut: bool = False
    nesting: int = 0
    _chars: int = 0
    _deadline: float = 0.0

    def __post_init__(self):
        self._deadline = time.monotonic() + self.seconds

    def check_time(self) -> None:
        """Raise once the file has taken longer than its time bound."""
        if time.monotonic() > self._deadline:
            raise ExtractionError(f"reading stopped after {self.seconds:g} seconds (time limit)")

    @property
    def is_full(self) -> bool:
        return self._chars >= self.max_chars

    def text(self, value: str | None) -> None:
        """Keep ``value`` as text, up to the character bound."""
        self.check_time()
        if not value:
            return
        room = self.max_chars - self._chars
        if room <= 0:
            self.is_cut = True
            return
        if len(value) > room:
            value, self.is_cut = value[:room], True
        self.parts.append(value)
        self._chars += len(value)

    def meta(self, key: str, value: str | None) -> None:
        """Record a metadata value (kept once, in order of finding)."""
        value = " ".join(str(value or "").split())
        if value and len(value) <= 500:
            found = self.inner_metadata if self.nesting else self.metadata
            values = found.setdefault(key, [])
            if value not in values and len(values) < 200:
                values.append(value)

    def stored_metadata(self) -> dict | None:
        """Return the metadata as stored on the file: its own, and ``inside`` for nested finds."""
        stored: dict = dict(self.metadata)
        if self.inner_metadata:
            stored["inside"] = self.inner_metadata
        return stored or None

    def joined(self) -> str:
        text = "\n".join(part.strip("\n") for part in self.parts).strip().replace("\x00", "")
        if self.is_cut:
            text += f"\n[text cut at {self.max_chars} characters]"
        return text

    def spool(self, source: BinaryIO, limit: int = MAX_NESTED_BYTES) -> Path | None:
        """Copy ``source`` to a temporary file; None if it holds more than ``limit`` bytes."""
        handle = tempfile.NamedTemporaryFile(dir=self.workdir, delete=False)  # noqa: SIM115
        with handle:
            copied = 0
            while chunk := source.read(CHUNK):
                copied += len(chunk)
                if copied > limit:
                    break
                handle.write(chunk)
                self.check_time()
        if copied > limit:
            Path(handle.name).unlink()
            return None
        return Path(handle.name)


Reader = Callable[[Path, Collector, int], None]


def _readers() -> dict[str, Reader]:
    from evidence.readers import archives, mail, office, sevenzip, sheets, textual

    table: dict[str, Reader] = {}
    for module in (textual, mail, office, sheets, archives, sevenzip):
        table.update(module.READERS)
    return table


def reader_for(media_type: str) -> Reader | None:
    """Return the reader of a media type, or None for media without text to read."""
    readers = _readers()
    if media_type in readers:
        return readers[media_type]
    if media_type.startswith("text/"):
        return readers["text/plain"]
    return None


def read_nested(name: str, path: Path, out: Collector, depth: int) -> str:
    """Read an attachment or member at ``path`` into ``out``; return its media type."""
    from evidence.sniff import sniff

    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    media_type = sniff(head, path)
    reader = reader_for(media_type)
    if reader is None or depth > MAX_DEPTH:
        return media_type
    out.text(f"\n--- {name} ---")
    out.nesting += 1
    try:
        reader(path, out, depth + 1)
    except NotApplicable:
        pass
    except ExtractionError as refused:
        if "time limit" in str(refused):
            raise
        out.text(f"[{name} could not be read: {refused}]")
    except Exception as failure:  # a broken attachment must not lose the rest
        out.text(f"[{name} could not be read: {type(failure).__name__}: {failure}]")
    finally:
        out.nesting -= 1
    return media_type


def read(
    path: Path, media_type: str, *, seconds: float = MAX_SECONDS, max_chars: int = MAX_TEXT_CHARS
) -> Collector | None:
    """Read a stored file; None for a media type without text. Raises ExtractionError."""
    reader = reader_for(media_type)
    if reader is None:
        return None
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise ExtractionError(
            f"the file is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB; "
            "text is not extracted from it here"
        )
    workdir = Path(tempfile.mkdtemp(prefix="jit-extract-"))
    try:
        out = Collector(seconds=seconds, max_chars=max_chars, workdir=workdir)
        try:
            reader(path, out, 0)
        except NotApplicable:
            return None
        return out
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
