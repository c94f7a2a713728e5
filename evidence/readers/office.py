"""Word (.docx), PowerPoint (.pptx) and OpenDocument text and presentations (.odt, .odp).

Office Open XML files are ZIP archives: their declared sizes are checked against the
archive limits before a library inflates them, so a bomb dressed as a document is
refused too. A password-protected Office file is an OLE container, not a ZIP; libmagic
names it ``application/encrypted`` and the worker records that it cannot be read.
"""

import zipfile
from datetime import UTC, datetime
from pathlib import Path

from evidence.readers import Collector, ExtractionError
from evidence.readers.archives import check_zip_limits, open_zip

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODP = "application/vnd.oasis.opendocument.presentation"


def open_zip_checked(path: Path, what: str) -> None:
    with open_zip(path, what) as archive:
        check_zip_limits(archive, path.stat().st_size)


def record_dates(out: Collector, created, modified) -> None:
    for key, value in (("created", created), ("modified", modified)):
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
            out.meta(key, moment.astimezone(UTC).isoformat(timespec="seconds"))


def _core(out: Collector, properties) -> None:
    out.meta("author", properties.author)
    out.meta("author", properties.last_modified_by)
    out.meta("title", properties.title)
    record_dates(out, properties.created, properties.modified)


def read_docx(path: Path, out: Collector, depth: int) -> None:
    import docx

    open_zip_checked(path, "Word document")
    try:
        document = docx.Document(str(path))
    except (KeyError, ValueError, zipfile.BadZipFile) as broken:
        raise ExtractionError(f"not a readable Word document ({broken})") from broken
    _core(out, document.core_properties)
    for block in document.iter_inner_content():
        if out.is_full:
            out.is_cut = True
            break
        if hasattr(block, "rows"):
            for row in block.rows:
                out.text("\t".join(cell.text for cell in row.cells))
        else:
            out.text(block.text)


def read_pptx(path: Path, out: Collector, depth: int) -> None:
    import pptx
    from pptx.exc import PackageNotFoundError

    open_zip_checked(path, "PowerPoint presentation")
    try:
        presentation = pptx.Presentation(str(path))
    except (KeyError, ValueError, PackageNotFoundError) as broken:
        raise ExtractionError(f"not a readable presentation ({broken})") from broken
    _core(out, presentation.core_properties)
    for number, slide in enumerate(presentation.slides, 1):
        out.text(f"\n--- Slide {number} ---")
        for shape in slide.shapes:
            if shape.has_text_frame:
                out.text(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    out.text("\t".join(cell.text for cell in row.cells))
        if slide.has_notes_slide:
            out.text(slide.notes_slide.notes_text_frame.text)


def load_opendocument(path: Path, what: str):
    """Open an OpenDocument file with odfpy after the archive limits are checked."""
    from odf import opendocument

    open_zip_checked(path, what)
    try:
        return opendocument.load(str(path))
    except (KeyError, ValueError, zipfile.BadZipFile) as broken:
        raise ExtractionError(f"not a readable {what} ({broken})") from broken
    except Exception as broken:  # odfpy raises bare xml.sax errors on a damaged part
        raise ExtractionError(f"not a readable {what} ({type(broken).__name__})") from broken


def opendocument_metadata(out: Collector, document) -> None:
    from odf import dc, meta

    for element, key in ((dc.Creator, "author"), (meta.InitialCreator, "author")):
        for found in document.meta.getElementsByType(element):
            out.meta(key, str(found))
    for element, key in ((meta.CreationDate, "created"), (dc.Date, "modified")):
        for found in document.meta.getElementsByType(element):
            try:
                moment = datetime.fromisoformat(str(found).strip())
            except ValueError:
                continue
            record_dates(
                out, moment if key == "created" else None, moment if key == "modified" else None
            )


def paragraphs(node):
    """Yield the text paragraphs and headings under ``node`` in document order."""
    from odf.namespaces import TEXTNS

    wanted = ((TEXTNS, "p"), (TEXTNS, "h"))
    stack = [node]
    while stack:
        current = stack.pop()
        if getattr(current, "qname", None) in wanted:
            yield current
            continue
        stack.extend(reversed(getattr(current, "childNodes", [])))


def read_odt(path: Path, out: Collector, depth: int) -> None:
    from odf import teletype

    document = load_opendocument(path, "OpenDocument file")
    opendocument_metadata(out, document)
    for paragraph in paragraphs(document.body):
        if out.is_full:
            out.is_cut = True
            break
        out.text(teletype.extractText(paragraph))


READERS = {DOCX: read_docx, PPTX: read_pptx, ODT: read_odt, ODP: read_odt}
