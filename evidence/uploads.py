"""Receive an upload request: fields into memory, file bytes straight into the blob store.

An :class:`UploadReceiver` remembers every blob it created, so a request that fails at
any point — cut off, too large, invalid, refused, or the database commit failing — can
:meth:`~UploadReceiver.discard` them and leave nothing behind.
"""

from flask import current_app
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import ValidationError

from evidence import multipart, storage
from evidence.models import EvidenceFile
from evidence.services import Upload
from evidence.sniff import sniff
from jit.extensions import db

MIB = 1024 * 1024
FIELD_ALLOWANCE = MIB  # room for the text fields beside the files


class CsrfMissing(ValueError):
    """The upload carried no valid CSRF token before its first file."""


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * MIB


class UploadReceiver:
    def __init__(self):
        self.uploads: list[Upload] = []
        self.created: list[str] = []
        self._writer: storage.BlobWriter | None = None

    def receive(self, request, *, csrf_token: str | None = None) -> MultiDict:
        """Read the whole request body; return its text fields, keep its files as blobs.

        A CSRF token from the header is checked before any byte is read; otherwise the
        ``csrf_token`` field must come before the first file.
        """
        limit = max_upload_bytes()
        request.max_content_length = limit + FIELD_ALLOWANCE
        csrf_ok = False
        if csrf_token:
            _check_csrf(csrf_token)
            csrf_ok = True
        boundary = multipart.boundary_of(request.content_type)
        fields: MultiDict = MultiDict()
        start = None
        for event in multipart.events(request.stream, boundary):
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
        if blob.created:
            self.created.append(blob.sha256)
        media_type = sniff(blob.head, storage.blob_path(blob.sha256))
        self.uploads.append(Upload(blob, start.filename or "", media_type))

    def discard(self) -> None:
        """Remove the partial file and every blob this request created and nothing references."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None
        for sha256 in self.created:
            referenced = db.session.scalar(
                select(EvidenceFile.id).where(EvidenceFile.sha256 == sha256).limit(1)
            )
            if referenced is None:
                storage.remove_blob(sha256)
        self.created = []
        self.uploads = []


def _check_csrf(token: str) -> None:
    try:
        validate_csrf(token)
    except ValidationError:
        raise CsrfMissing() from None
