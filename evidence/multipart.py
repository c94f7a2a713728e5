"""An incremental ``multipart/form-data`` reader for uploads of any size.

Werkzeug's form parser spools every file to a temporary file before the view runs: a
second copy of the evidence on disk. This reader walks the request stream once and
hands file bytes to the caller chunk by chunk, so they go straight into the blob
writer. Text fields are small and kept in memory, within limits.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from werkzeug.http import parse_options_header

READ_SIZE = 4 * 1024 * 1024
MAX_FIELD_BYTES = 256 * 1024
MAX_FIELDS = 200
MAX_HEADER_BYTES = 16 * 1024


class MultipartError(ValueError):
    """The request body is not well-formed multipart data."""


@dataclass(frozen=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True)
class FileStart:
    name: str
    filename: str
    content_type: str


@dataclass(frozen=True)
class FileData:
    data: bytes | memoryview


@dataclass(frozen=True)
class FileEnd:
    pass


Event = Field | FileStart | FileData | FileEnd


def boundary_of(content_type: str | None) -> bytes:
    """Return the boundary of a ``multipart/form-data`` content type, or raise."""
    mimetype, options = parse_options_header(content_type or "")
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary or len(boundary) > 200:
        raise MultipartError("The upload must be sent as multipart/form-data.")
    return boundary.encode("latin-1")


class _Reader:
    def __init__(self, stream, read_size: int):
        self.stream = stream
        self.read_size = read_size
        self.buffer = b""
        self.exhausted = False

    def fill(self) -> bool:
        """Read one more chunk into the buffer; return False at the end of the stream."""
        if self.exhausted:
            return False
        chunk = self.stream.read(self.read_size)
        if not chunk:
            self.exhausted = True
            return False
        self.buffer = self.buffer + chunk if self.buffer else chunk
        return True

    def read_until(self, marker: bytes, limit: int) -> bytes:
        """Return the bytes before ``marker`` (consumed), reading at most ``limit`` bytes."""
        while True:
            index = self.buffer.find(marker)
            if index >= 0:
                found, self.buffer = self.buffer[:index], self.buffer[index + len(marker) :]
                return found
            if len(self.buffer) > limit:
                raise MultipartError("A part of the upload has an over-long header or field.")
            if not self.fill():
                raise MultipartError("The upload ended early (the connection was cut off).")

    def take(self, count: int) -> bytes:
        while len(self.buffer) < count:
            if not self.fill():
                raise MultipartError("The upload ended early (the connection was cut off).")
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken


def _parse_headers(raw: bytes) -> dict[str, str]:
    headers = {}
    for line in raw.split(b"\r\n"):
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise MultipartError("A part of the upload has a malformed header.")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("utf-8", "replace")
    return headers


def _disposition(headers: dict[str, str]) -> tuple[str, str | None]:
    kind, options = parse_options_header(headers.get("content-disposition", ""))
    if kind != "form-data" or "name" not in options:
        raise MultipartError("A part of the upload has no form-data name.")
    return options["name"], options.get("filename")


def events(stream, boundary: bytes, *, read_size: int = READ_SIZE) -> Iterator[Event]:
    """Yield the fields and the file chunks of a multipart body, in order."""
    reader = _Reader(stream, read_size)
    first = b"--" + boundary
    delimiter = b"\r\n--" + boundary
    keep = len(delimiter) + 1
    reader.read_until(first, MAX_HEADER_BYTES)  # the preamble is ignored
    fields = 0
    while True:
        after = reader.take(2)
        if after == b"--":
            return
        if after != b"\r\n":
            raise MultipartError("The upload's part boundary is malformed.")
        headers = _parse_headers(reader.read_until(b"\r\n\r\n", MAX_HEADER_BYTES))
        name, filename = _disposition(headers)
        if filename is None:
            fields += 1
            if fields > MAX_FIELDS:
                raise MultipartError("The upload has too many fields.")
            value = reader.read_until(delimiter, MAX_FIELD_BYTES)
            yield Field(name, value.decode("utf-8", "replace"))
            continue
        yield FileStart(name, filename, headers.get("content-type", "application/octet-stream"))
        reader.buffer = yield from _file_data(reader, delimiter, keep)
        yield FileEnd()


def _partial_delimiter(data, delimiter: bytes) -> int:
    """Return how many of ``data``'s last bytes could begin ``delimiter`` (0 if none).

    A delimiter starts with CR, so only the last few CRs are candidates; in file
    content this is almost always 0 and the whole chunk can be passed on at once.
    """
    start = max(0, len(data) - len(delimiter) + 1)
    cr = data.rfind(b"\r", start)
    while cr >= 0:
        if delimiter.startswith(data[cr:]):
            return len(data) - cr
        cr = data.rfind(b"\r", start, cr)
    return 0


def _file_data(reader: _Reader, delimiter: bytes, keep: int):
    """Yield a file part's bytes up to ``delimiter``; return what follows it.

    Chunks are passed on as views without being joined, so each byte is copied once
    on its way from the socket to the blob writer. Only bytes at a chunk's end that
    could begin a delimiter are held back (rarely any) and, if they turn out to be
    file content, passed on before the next chunk.
    """
    chunk, reader.buffer = reader.buffer, b""
    tail = b""
    while True:
        if tail:
            junction = tail + chunk[:keep]
            index = junction.find(delimiter)
            if index >= 0:
                if index:
                    yield FileData(junction[:index])
                return chunk[index + len(delimiter) - len(tail) :]
            if len(chunk) <= keep:  # the whole chunk was in the junction
                held = _partial_delimiter(junction, delimiter)
                if len(junction) > held:
                    yield FileData(junction[: len(junction) - held])
                tail = junction[len(junction) - held :] if held else b""
                chunk = b""
            else:  # no delimiter starts in the tail: it is file content
                yield FileData(tail)
                tail = b""
        if chunk:
            index = chunk.find(delimiter)
            if index >= 0:
                if index:
                    yield FileData(memoryview(chunk)[:index])
                return chunk[index + len(delimiter) :]
            held = _partial_delimiter(chunk, delimiter)
            if len(chunk) > held:
                yield FileData(memoryview(chunk)[: len(chunk) - held])
            tail = chunk[len(chunk) - held :] if held else b""
        if not reader.fill():
            raise MultipartError("The upload ended early (the connection was cut off).")
        chunk, reader.buffer = reader.buffer, b""
