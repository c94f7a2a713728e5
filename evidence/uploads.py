"""Receive an upload request: fields into memory, file bytes straight into the blob store.

An :class:`UploadReceiver` remembers every blob it created, so a request that fails at
any point — cut off, too large, invalid, refused, or the database commit failing — can
:meth:`~UploadReceiver.discard` them and leave nothing behind.
"""

import io

from flask import current_app
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ClientDisconnected, LengthRequired, RequestEntityTooLarge
from wtforms import ValidationError

from evidence import buffers, multipart, storage
from evidence.models import EvidenceFile
from evidence.services import Upload
from evidence.sniff import claimed_type, sniff
from jit.extensions import db
from jit.inputs import parse_plain_int

MIB = 1024 * 1024
FIELD_ALLOWANCE = MIB  # room for the text fields beside the files


class CsrfMissing(ValueError):
    """The upload carried no valid CSRF token before its first file."""


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * MIB


class UploadReceiver:
    def __init__(self):
        self.uploads: list[Upload] = []
        self.created: dict[str, int] = {}  # blobs this request stored: sha256 -> mtime
        self._writer: storage.BlobWriter | None = None

    def receive(self, request, *, csrf_token: str | None = None) -> MultiDict:
        """Read the whole request body; return its text fields, keep its files as blobs.

        A CSRF token from the header is checked before any byte is read; otherwise the
        ``csrf_token`` field must come before the first file.
        """
        limit = max_upload_bytes()
        body = _body_stream(request.environ, limit + FIELD_ALLOWANCE)
        try:
            return self._receive(body, request.content_type, limit, csrf_token)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def _receive(self, body, content_type, limit: int, csrf_token: str | None) -> MultiDict:
        csrf_ok = False
        if csrf_token:
            _check_csrf(csrf_token)
            csrf_ok = True
        boundary = multipart.boundary_of(content_type)
        fields: MultiDict = MultiDict()
        start = None
        for event in multipart.events(body, boundary):
            if isinstance(event, multipart.Field):
                if event.name == "csrf_token" and not csrf_ok:
                    _check_csrf(event.value)
                    csrf_ok = True
                fields.add(event.name, event.value)
            elif isinstance(event, multipart.FileStart):
                if not csrf_ok:
                    raise CsrfMissing()
                start = event
                self._writer = storage.BlobWriter(max_bytes=limit)
            elif isinstance(event, multipart.FileData):
                self._writer.write(event.data)
            elif isinstance(event, multipart.FileEnd):
                self._finish_file(start)
        if not csrf_ok:
            raise CsrfMissing()
        return fields

    def _finish_file(self, start: multipart.FileStart) -> None:
        writer, self._writer = self._writer, None
        if not start.filename and writer.size_bytes == 0:
            writer.abort()  # an empty file input: the browser sends an unnamed empty part
            return
        blob = writer.finish()
        if blob.created or blob.sha256 in self.created:
            self.created[blob.sha256] = blob.stamp  # the blob as this request last left it
        media_type = sniff(blob.head, storage.blob_path(blob.sha256))
        claim = claimed_type(start.filename or "", start.content_type)
        self.uploads.append(Upload(blob, start.filename or "", media_type, claim))

    def discard(self) -> None:
        """Remove the partial file and every blob this request created and nothing references."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None
        for sha256, stamp in self.created.items():
            referenced = db.session.scalar(
                select(EvidenceFile.id).where(EvidenceFile.sha256 == sha256).limit(1)
            )
            if referenced is None:
                storage.remove_unused_blob(sha256, stamp)
        self.created = {}
        self.uploads = []


class _Body:
    """The request body straight from the server, at most ``remaining`` bytes.

    Werkzeug's ``request.stream`` copies every chunk several times (about a second
    per GiB); this reads the WSGI input directly and reports a short body as the
    client having disconnected, as Werkzeug does.
    """

    def __init__(self, raw, remaining: int | None, limit: int):
        self._raw = raw
        self._remaining = remaining
        self._limit = limit
        self._read = 0

    def read(self, size: int) -> bytes:
        if self._remaining is not None:
            if self._remaining <= 0:
                return b""
            size = min(size, self._remaining)
        data = self._raw.read(size)
        if not data:
            if self._remaining:
                raise ClientDisconnected()
            return b""
        self._read += len(data)
        if self._remaining is not None:
            self._remaining -= len(data)
        elif self._read > self._limit:
            raise RequestEntityTooLarge()
        return data


class _SocketBody:
    """Read a gunicorn request body of known length straight from the socket.

    A client that stops sending for ``idle_seconds`` is treated as gone (its upload is
    cut off and discarded), so a stalled upload cannot hold a server thread forever;
    gunicorn's own timeout does not cover a request that is being read.

    gunicorn's body reader copies each chunk through ``BytesIO`` buffers (about a
    second per GiB). Here the bytes gunicorn already buffered are taken first, the
    rest is received straight from the socket, and gunicorn's reader is told the body
    is consumed, so the connection stays usable.

    File bytes (after :meth:`align_file_at`) are received into the shared page-aligned
    buffers of evidence/buffers.py, placed so that every block of the file starts on a
    page: the blob writer then writes them to disk with O_DIRECT without a copy. This
    reader holds the buffer of its last read until the next read or :meth:`close`.
    """

    def __init__(self, body, length: int, idle_seconds: float | None = None):
        self._body = body
        self._reader = body.reader
        self._socket = self._reader.unreader.sock
        self._timeout_before = self._socket.gettimeout()
        if idle_seconds:
            self._socket.settimeout(idle_seconds)
        self._remaining = length
        pending = body.buf.getvalue()
        body.buf = io.BytesIO()
        buffered = self._reader.unreader.take_buffered()
        taken = buffered[: self._reader.length]
        if len(buffered) > len(taken):
            self._reader.unreader.unread(buffered[len(taken) :])
        self._reader.length -= len(taken)
        self._pending = pending + taken
        self._position = 0  # bytes of the body returned so far
        self._file_start: int | None = None
        self._held: buffers.Buffer | None = None

    def align_file_at(self, offset: int | None) -> None:
        """File bytes begin at body ``offset`` (None: no file is being read)."""
        self._file_start = offset

    def read(self, size: int):
        self._let_go()
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            self._remaining -= len(data)
            self._position += len(data)
            return data
        wanted = min(size, self._remaining, self._reader.length)
        if wanted <= 0:
            return b""
        if self._file_start is None:
            view = memoryview(bytearray(wanted))
        else:
            self._held = buffers.pool.take()
            pad = (self._position - self._file_start) % buffers.ALIGN
            wanted = min(wanted, buffers.SIZE - pad)
            view = self._held.view[pad : pad + wanted]
        self._receive_into(view)
        self._reader.length -= wanted
        self._remaining -= wanted
        self._position += wanted
        return view

    def _receive_into(self, view: memoryview) -> None:
        received, wanted = 0, len(view)
        while received < wanted:
            try:
                count = self._socket.recv_into(view[received:], wanted - received)
            except TimeoutError:
                count = 0  # silent for too long: as good as gone
            if count == 0:
                self._body.failed = True
                raise ClientDisconnected()
            received += count

    def _let_go(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            buffers.pool.release(held)

    def close(self) -> None:
        self._let_go()
        self._socket.settimeout(self._timeout_before)


def _gunicorn_body(raw, length: int, idle_seconds: float | None):
    """Return a direct socket reader for gunicorn's body of ``length`` bytes, if it is one."""
    reader = getattr(raw, "reader", None)
    unreader = getattr(reader, "unreader", None)
    if (
        type(raw).__module__ == "gunicorn.http.body"
        and type(reader).__name__ == "LengthReader"
        and type(unreader).__name__ == "SocketUnreader"
        and hasattr(unreader, "take_buffered")
        and reader.length == length
    ):
        return _SocketBody(raw, length, idle_seconds)
    return None


def _body_stream(environ: dict, limit: int):
    raw = environ["wsgi.input"]
    length = parse_plain_int(environ.get("CONTENT_LENGTH") or "", 0, 2**63 - 1)
    if length is not None:
        if length > limit:
            raise RequestEntityTooLarge()
        idle = current_app.config["UPLOAD_IDLE_SECONDS"]
        return _gunicorn_body(raw, length, idle) or _Body(raw, length, limit)
    if environ.get("wsgi.input_terminated"):
        return _Body(raw, None, limit)  # chunked: read to the end, counting
    raise LengthRequired()


def _check_csrf(token: str) -> None:
    try:
        validate_csrf(token)
    except ValidationError:
        raise CsrfMissing() from None
