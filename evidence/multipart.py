"""An incremental ``multipart/form-data`` reader for uploads of any size.

Werkzeug's form parser spools every file to a temporary file before the view runs: a
second copy of the evidence on disk. This reader walks the request stream once and
hands file bytes to the caller chunk by chunk, so they go straight into the blob
writer. Text fields are small and kept in memory, within limits.

Headers and fields are read in small pieces; a file's bytes in large ones. A stream
that can place file bytes at page-aligned addresses (``align_file_at``, see
evidence/uploads.py) is told where each file begins, and its views are passed on
without copying: a :class:`FileData`'s bytes are valid until the next event is asked for.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from werkzeug.http import parse_options_header

from evidence import buffers

READ_SIZE = buffers.SIZE  # file bytes
HEAD_READ_SIZE = 64 * 1024  # part headers and text fields
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
        self.file_read_size = read_size
        self.read_size = min(read_size, HEAD_READ_SIZE)
        self.buffer = b""
        self.position = 0  # bytes read from the stream so far
        self.exhausted = False
        self.in_file = False  # while True, chunks stay views of the stream's buffers
        self._align = getattr(stream, "align_file_at", None)

    def fill(self) -> bool:
        """Read one more chunk into the buffer; return False at the end of the stream."""
        if self.exhausted:
            return False
        chunk = self.stream.read(self.file_read_size if self.in_file else self.read_size)
        if not chunk:
            self.exhausted = True
            return False
        self.position += len(chunk)
        if not self.in_file and not isinstance(chunk, bytes):
            chunk = bytes(chunk)
        self.buffer = self.buffer + chunk if self.buffer else chunk
        return True

    def enter_file(self) -> None:
        """File bytes follow what is buffered: read them large, aligned if the stream can."""
        self.in_file = True
        if self._align is not None:
            self._align(self.position - len(self.buffer))

    def leave_file(self, rest) -> None:
        self.in_file = False
        if self._align is not None:
            self._align(None)
        self.buffer = bytes(rest)

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
        reader.enter_file()
        reader.leave_file((yield from _file_data(reader, delimiter, keep)))
        yield FileEnd()


def _partial_delimiter(data, delimiter: bytes) -> int:
    """Return how many of ``data``'s last bytes could begin ``delimiter`` (0 if none).

    A delimiter starts with CR, so only the last few CRs are candidates; in file
    content this is almost always 0 and the whole chunk can be passed on at once.
    """
    end = bytes(data[max(0, len(data) - len(delimiter) + 1) :])
    cr = end.rfind(b"\r")
    while cr >= 0:
        if delimiter.startswith(end[cr:]):
            return len(end) - cr
        cr = end.rfind(b"\r", 0, cr)
    return 0


def _file_data(reader: _Reader, delimiter: bytes, keep: int):
    """Yield a file part's bytes up to ``delimiter``; return what follows it.

    Chunks are passed on as views without being joined, so the bytes go from the
    socket to the blob writer uncopied. Only bytes at a chunk's end that could begin a
    delimiter are held back (rarely any, copied) and, if they turn out to be file
    content, passed on before the next chunk.
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
            index = buffers.find(chunk, delimiter)
            if index >= 0:
                if index:
                    yield FileData(memoryview(chunk)[:index])
                return chunk[index + len(delimiter) :]
            held = _partial_delimiter(chunk, delimiter)
            if len(chunk) > held:
                yield FileData(memoryview(chunk)[: len(chunk) - held])
            tail = bytes(chunk[len(chunk) - held :]) if held else b""
        if not reader.fill():
            raise MultipartError("The upload ended early (the connection was cut off).")
        chunk, reader.buffer = reader.buffer, b""
