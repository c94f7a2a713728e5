"""Text extraction for search: the worker that runs the readers of :mod:`evidence.readers`,
and OCR (:mod:`evidence.ocr`) for images and scans without a text layer.

Extraction runs after the upload has committed, on a background worker, so it never
delays or endangers an upload. Its outcome is stored on the file row: the text, the
headers and document properties found, a container's members, or why there is none
(``failed`` with the reason, or ``not-applicable`` for media it does not read).
``jit evidence extract`` retries what a stopped process left pending.
"""

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy import delete, select

from evidence import ocr, readers, storage
from evidence.models import ArchiveMember, EvidenceFile, ExtractionStatus
from evidence.readers import ExtractionError
from jit.clock import utcnow
from jit.extensions import db

MAX_TEXT_CHARS = readers.MAX_TEXT_CHARS


def extract_file(file_id: int) -> None:
    """Extract one file's text and store the outcome on its row (commits)."""
    stored = db.session.get(EvidenceFile, file_id)
    if stored is None or stored.extraction_status != ExtractionStatus.PENDING.value:
        return
    db.session.execute(delete(ArchiveMember).where(ArchiveMember.file_id == stored.id))
    recognised = None
    try:
        path = storage.blob_path(stored.sha256)
        found = readers.read(path, stored.media_type)
        if ocr.wanted(stored.media_type, found.joined() if found is not None else None):
            # An image, or a PDF without a text layer (a scan): Tesseract reads it.
            states = {party.country_code for party in stored.item.team.parties}
            languages = ocr.languages_for(states, stored.item.language)
            recognised = ocr.recognise(path, stored.media_type, languages)
    except ExtractionError as refused:
        _failed(stored, str(refused))
    except Exception as failure:  # any reader error is recorded, never raised
        _failed(stored, f"{type(failure).__name__}: {failure}")
    else:
        stored.is_text_from_ocr = recognised is not None
        if found is None and recognised is None:
            stored.extraction_status = ExtractionStatus.NOT_APPLICABLE.value
        else:
            stored.extraction_status = ExtractionStatus.DONE.value
            text = recognised if recognised is not None else found.joined()
            stored.extracted_text = text[:MAX_TEXT_CHARS]
            stored.extracted_metadata = found.stored_metadata() if found is not None else None
            if found is not None:
                _list_members(stored, found.members)
        stored.extraction_error = None
    stored.extracted_at = utcnow()
    db.session.commit()


def _failed(stored: EvidenceFile, reason: str) -> None:
    stored.extraction_status = ExtractionStatus.FAILED.value
    stored.extraction_error = reason.replace("\x00", "")[:2000]
    stored.extracted_text = None
    stored.extracted_metadata = None
    stored.is_text_from_ocr = False


def _list_members(stored: EvidenceFile, members: list[readers.Member]) -> None:
    for position, member in enumerate(members):
        db.session.add(
            ArchiveMember(
                file_id=stored.id,
                position=position,
                path=member.path.replace("\x00", ""),
                size_bytes=member.size_bytes,
                compressed_bytes=member.compressed_bytes,
                sha256=member.sha256,
                media_type=member.media_type[:127],
                note=member.note.replace("\x00", "")[:300],
            )
        )


def _extract_one(file_id: int) -> None:
    # One file's trouble (a database hiccup while storing its outcome) must not stop the
    # worker: the file stays pending for ``jit evidence extract``, the others go on.
    try:
        extract_file(file_id)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("text extraction of file %s could not be stored", file_id)


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
                _extract_one(file_id)
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
