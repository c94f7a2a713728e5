"""Text extraction for search: plain text, PDF, DOCX, e-mail and HTML; OCR of images and scans.

Extraction runs after the upload has committed, on a background worker, so it never
delays or endangers an upload. Its outcome is stored on the file row: the text, or why
there is none (``failed`` with the error, or ``not-applicable`` for media it does not
read). ``jit evidence extract`` retries what a stopped process left pending.
"""

import html
import html.parser
import re
import threading
import warnings
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select

from evidence import ocr, storage
from evidence.models import EvidenceFile, ExtractionStatus
from jit.clock import utcnow
from jit.extensions import db

MAX_INPUT_BYTES = 256 * 1024 * 1024
MAX_TEXT_BYTES = 32 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
MAX_DOCX_XML_BYTES = 64 * 1024 * 1024

TEXT_TYPES = {"text/plain", "application/json", "application/xml", "text/csv"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ExtractionError(RuntimeError):
    """The file could not be read as its media type says."""


def extract_text(path: Path, media_type: str) -> str | None:
    """Return the text of a stored file, or None for a media type without text to extract."""
    if media_type in TEXT_TYPES:
        with open(path, "rb") as handle:
            return _decode(handle.read(MAX_TEXT_BYTES))
    if media_type == "text/html":
        with open(path, "rb") as handle:
            return html_to_text(_decode(handle.read(MAX_TEXT_BYTES)))
    if media_type == "message/rfc822":
        return _email_text(path)
    if media_type == "application/pdf":
        return _pdf_text(path)
    if media_type == DOCX:
        return _docx_text(path)
    return None


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


class _HtmlText(html.parser.HTMLParser):
    _SKIP = {"script", "style", "head", "template", "noscript"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "td"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Return the visible text of an HTML document (no script, style or tags)."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _email_text(path: Path) -> str:
    with open(path, "rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    lines = []
    for header in ("From", "To", "Cc", "Date", "Subject", "Message-ID"):
        value = message.get(header)
        if value:
            lines.append(f"{header}: {value}")
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        if body.get_content_type() == "text/html":
            content = html_to_text(content)
        lines += ["", content.strip()]
    attachments = [part.get_filename() for part in message.iter_attachments()]
    if any(attachments):
        lines += ["", "Attachments: " + ", ".join(name for name in attachments if name)]
    return "\n".join(lines)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if path.stat().st_size > MAX_INPUT_BYTES:
        raise ExtractionError("the PDF is too large to extract text from here")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(path)
            if reader.is_encrypted:
                raise ExtractionError("the PDF is encrypted")
            pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as broken:
        raise ExtractionError(f"the PDF could not be read ({broken})") from broken
    return "\n\n".join(page.strip() for page in pages).strip()


_W_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>|<w:tab/>|</w:p>|<w:br/>")


def _docx_text(path: Path) -> str:
    # A regular expression over word/document.xml: no XML parser, so no entity tricks.
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise ExtractionError("the document's text part is too large")
            xml = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError) as broken:
        raise ExtractionError(f"not a readable Word document ({broken})") from broken
    breaks = {"</w:p>": "\n", "<w:br/>": "\n", "<w:tab/>": "\t"}
    parts = []
    for match in _W_TEXT.finditer(xml):
        markup = match.group(0)
        if markup in breaks:
            parts.append(breaks[markup])
        else:
            parts.append(html.unescape(match.group(1)))
    return "".join(parts).strip()


def extract_file(file_id: int) -> None:
    """Extract one file's text and store the outcome on its row (commits)."""
    stored = db.session.get(EvidenceFile, file_id)
    if stored is None or stored.extraction_status != ExtractionStatus.PENDING.value:
        return
    try:
        path = storage.blob_path(stored.sha256)
        text = extract_text(path, stored.media_type)
        if ocr.wanted(stored.media_type, text):
            states = {party.country_code for party in stored.item.team.parties}
            text = ocr.recognise(path, stored.media_type, ocr.languages_for(states))
            stored.is_text_from_ocr = True
    except Exception as failure:  # any reader error is recorded, never raised
        stored.extraction_status = ExtractionStatus.FAILED.value
        stored.extraction_error = f"{type(failure).__name__}: {failure}"[:2000]
        stored.extracted_text = None
    else:
        if text is None:
            stored.extraction_status = ExtractionStatus.NOT_APPLICABLE.value
        else:
            stored.extraction_status = ExtractionStatus.DONE.value
            stored.extracted_text = text[:MAX_TEXT_CHARS].replace("\x00", "")
        stored.extraction_error = None
    stored.extracted_at = utcnow()
    db.session.commit()


def pending_file_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(EvidenceFile.id)
            .where(EvidenceFile.extraction_status == ExtractionStatus.PENDING.value)
            .order_by(EvidenceFile.id)
        )
    )


def _state(app: Flask) -> dict:
    state = app.extensions.setdefault("evidence", {})
    if "extraction_lock" not in state:
        state.setdefault("extraction_lock", threading.Lock())
    return state


def _executor(app: Flask) -> ThreadPoolExecutor:
    state = _state(app)
    with state["extraction_lock"]:
        if "extraction_executor" not in state:
            state["extraction_executor"] = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="evidence-extraction"
            )
            state["extraction_futures"] = []
        return state["extraction_executor"]


def _run(app: Flask, file_ids: list[int]) -> None:
    with app.app_context():
        try:
            for file_id in file_ids:
                extract_file(file_id)
        finally:
            db.session.remove()


def schedule(file_ids: list[int]) -> Future | None:
    """Extract these (committed) files on the background worker."""
    if not file_ids:
        return None
    app = current_app._get_current_object()
    future = _executor(app).submit(_run, app, list(file_ids))
    futures = _state(app)["extraction_futures"]
    futures[:] = [f for f in futures if not f.done()] + [future]
    return future


def wait_idle(app: Flask, timeout: float = 60) -> None:
    """Wait until every scheduled extraction has finished (tests, CLI)."""
    for future in list(_state(app).get("extraction_futures", [])):
        future.result(timeout=timeout)
