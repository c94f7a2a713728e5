"""A long evidence schedule: rendered in parts side by side, joined into one signed PDF.

These start renderer processes (``REPORT_WORKERS`` 2; the rest of the suite renders in
the test process) and lower the row count from which a request is split, so a short
schedule takes the same path as a thousand rows.
"""

import io
import re
import subprocess

import pytest
from pypdf import PdfReader

from evidence.bundles import pades
from evidence.bundles import pdf as request_pdfs
from evidence.bundles.document import request_document
from jit import pdf
from tests.bundles.conftest import COMPLETE
from tests.bundles.test_pdf import _flat, _schedule_row

ROWS = 60


@pytest.fixture
def long_document(crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    document = request_document(bundle)
    document["evidence"] = [_schedule_row(n, files=1) for n in range(1, ROWS + 1)]
    return document


@pytest.fixture
def parts_made(monkeypatch):
    """Record how many documents each block of renderers is started for."""
    calls = []
    real = pdf.renderers

    def counted(documents):
        calls.append(documents)
        return real(documents)

    monkeypatch.setattr(pdf, "renderers", counted)
    return calls


def _outline(reader, outline, depth=0):
    for item in outline:
        if isinstance(item, list):
            yield from _outline(reader, item, depth + 1)
        else:
            yield depth, item.title


def _check_one_document(signed: bytes, document: dict, tmp_path) -> PdfReader:
    reader = PdfReader(io.BytesIO(signed))
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    for number, text in enumerate(pages, start=1):  # numbered in order, each page once
        assert re.findall(r"Page \d+ of \d+", text) == [f"Page {number} of {total}"]
        assert _flat(document_hash_label(document)) in _flat(text)
    path = tmp_path / "request.pdf"
    path.write_bytes(signed)
    layout = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    rows = [f"NL-{n:04d}" for n in range(1, ROWS + 1)]
    assert re.findall(r"NL-\d{4}", layout) == rows  # every row, in order, exactly once
    flat = _flat("".join(pages))
    for n in range(1, ROWS + 1):
        assert f"{n:032x}{0:032x}" in flat
    assert flat.index("Evidenceschedule") < flat.index("NL-0001")
    assert flat.index(f"NL-{ROWS:04d}") < flat.rindex("Nameofthesignatory")  # the last page
    # PDF/A with the request attached, fonts embedded, a sound file, a valid signature.
    assert "request.json" in reader.attachments
    assert b"pdfaid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert reader.trailer["/Root"]["/OutputIntents"]
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    assert all(line.split()[-5] == "yes" for line in fonts)  # embedded
    # Each subset its own tag (ISO 32000-1, 9.6.4), though each part named its own alike.
    names = {}
    for page in reader.pages:
        for reference in page["/Resources"]["/Font"].values():
            names[reference.idnum] = str(reference.get_object()["/BaseFont"])
    assert len(set(names.values())) == len(names), names
    status = pades.validate(signed)
    assert status.bottom_line, status.pretty_print_details()
    return reader


def document_hash_label(document: dict) -> str:
    from evidence.bundles.document import content_hash

    return f"Content hash SHA-256 {content_hash(document)}"


def test_a_long_schedule_is_rendered_in_parts_and_joined_into_one_signed_pdf(
    app, long_document, parts_made, monkeypatch, tmp_path
):
    monkeypatch.setattr(request_pdfs, "SPLIT_FROM_ROWS", 30)
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 2)
    signed = request_pdfs.request_pdf(long_document, sign=True)
    assert parts_made == [2]
    reader = _check_one_document(signed, long_document, tmp_path)

    # The same bookmarks, nested the same way, as the request rendered in one piece.
    monkeypatch.setattr(request_pdfs, "SPLIT_FROM_ROWS", 10_000)
    whole = PdfReader(io.BytesIO(request_pdfs.request_pdf(long_document, sign=False)))
    assert parts_made == [2]
    assert list(_outline(reader, reader.outline)) == list(_outline(whole, whole.outline))


def test_the_parts_go_to_the_renderer_processes_already_running(
    app, long_document, parts_made, monkeypatch, tmp_path
):
    """At finalising the package's renderers exist: the parts use them, none are started."""
    monkeypatch.setattr(request_pdfs, "SPLIT_FROM_ROWS", 30)
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 0)  # would render here, in one piece
    with pdf.PdfPool(2) as pool, pdf.rendering_in(pool):
        started = []
        monkeypatch.setattr(pdf, "PdfPool", lambda workers: started.append(workers))
        signed = request_pdfs.request_pdf(long_document, sign=True)
    assert parts_made == [2]
    assert started == []
    _check_one_document(signed, long_document, tmp_path)


@pytest.mark.parametrize("running", [True, False], ids=["at-finalising", "draft-download"])
def test_the_join_and_its_numbers_are_made_in_a_renderer_process_too(
    app, long_document, monkeypatch, tmp_path, running
):
    """pypdf's join and overlay held ~11 MB of the server's peak at finalising: not here."""
    import pypdf

    def not_here(*_args, **_kwargs):
        raise AssertionError("the parts were joined in the server process")

    monkeypatch.setattr(request_pdfs, "SPLIT_FROM_ROWS", 30)
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 2)
    monkeypatch.setattr(pypdf, "PdfWriter", not_here)  # the children import their own
    if running:
        with pdf.PdfPool(2) as pool, pdf.rendering_in(pool):
            signed = request_pdfs.request_pdf(long_document, sign=True)
    else:
        signed = request_pdfs.request_pdf(long_document, sign=True)
    monkeypatch.undo()  # the checks below read the PDF with pypdf here
    _check_one_document(signed, long_document, tmp_path)


def test_without_renderer_processes_the_parts_are_rendered_here(
    app, long_document, parts_made, monkeypatch, tmp_path
):
    """Processes that cannot start (none allowed, no semaphores): the same PDF, made here."""
    monkeypatch.setattr(request_pdfs, "SPLIT_FROM_ROWS", 30)
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 2)

    def unavailable(workers):
        raise pdf.PdfPoolUnavailable("no processes here")

    monkeypatch.setattr(pdf, "PdfPool", unavailable)
    signed = request_pdfs.request_pdf(long_document, sign=True)
    assert parts_made == [2]
    _check_one_document(signed, long_document, tmp_path)


def test_a_short_schedule_is_one_document_and_starts_no_process(
    app, crew, make_bundle, parts_made, monkeypatch
):
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 2)
    started = []
    monkeypatch.setattr(pdf, "PdfPool", lambda workers: started.append(workers))
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    document = request_document(bundle)
    document["evidence"] = [_schedule_row(n, files=1) for n in range(1, 21)]
    reader = PdfReader(io.BytesIO(request_pdfs.request_pdf(document, sign=False)))
    assert parts_made == []
    assert started == []
    text = "".join(page.extract_text() for page in reader.pages)
    assert re.findall(r"NL-\d{4}", text) == [f"NL-{n:04d}" for n in range(1, 21)]


@pytest.mark.parametrize(
    ("rows", "workers", "bounds"),
    [
        (10, 2, [(0, 10)]),
        (99, 2, [(0, 99)]),
        (1000, 1, [(0, 1000)]),
        (100, 2, [(0, 40), (40, 100)]),
        (200, 2, [(0, 90), (90, 200)]),
        (1000, 2, [(0, 490), (490, 1000)]),
        (1000, 3, [(0, 320), (320, 660), (660, 1000)]),
    ],
)
def test_part_bounds(rows, workers, bounds):
    """The first part also holds the cover and the sections: it gets fewer rows."""
    assert request_pdfs.part_bounds(rows, workers) == bounds
