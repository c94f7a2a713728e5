"""A close-out archive's custody reports are laid out by renderer processes, a few ahead.

The rest of the suite renders them in the test process (``REPORT_WORKERS`` 0 in
tests/conftest.py); these tests start the children, or stand in for them.
"""

import io
import zipfile
from concurrent.futures import Future

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from evidence import closeout as evidence_closeout
from jit import bags, pdf
from jit.clock import frozen
from jit.closeout import archives
from jit.closeout.models import CloseoutArchive
from jit.extensions import db
from tests.agreements.conftest import at
from tests.jit.closeout.conftest import access_of


def _take(app, membership):
    with frozen(at("2026-09-02")), app.test_request_context():
        archive = archives.take(access_of(membership))
        db.session.commit()
    return archives.archive_path(archive)


def _not_in_this_process(*_args, **_kwargs):
    raise AssertionError("a custody report was rendered in the server process")


def test_renderer_processes_make_the_archive_s_custody_reports(app, closed, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 2)
    monkeypatch.setattr(evidence_closeout.reports, "custody_report_pdf", _not_in_this_process)
    path = _take(app, closed.de_leader)
    assert bags.verify(path).is_intact
    with zipfile.ZipFile(path) as archive:
        reports = sorted(n for n in archive.namelist() if n.endswith("/custody-report.pdf"))
        texts = [
            " ".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read(n))).pages)
            for n in reports
        ]
    numbers = sorted([closed.nl_team_item.exhibit_number, closed.de_party_item.exhibit_number])
    assert len(texts) == 2
    for number, text in zip(numbers, texts, strict=True):
        assert f"Exhibit {number}" in text
        assert "INTACT" in text


class _CountingPool:
    """Stands in for the renderer processes: renders here, counts what is handed out."""

    workers = 2

    def __init__(self, app, written):
        self.app, self.written, self.ahead_seen = app, written, []

    def submit(self, html, css, static_folder, **options):
        self.ahead_seen.append(len(self.ahead_seen) - len(self.written))
        future = Future()
        future.set_result(pdf.html_pdf(html, css=css, static_folder=static_folder))
        return future

    def close(self):
        pass


@pytest.fixture
def closed_with_more(request, in_force, make_item):
    """The closed team, with six more DE items added while it ran."""
    with frozen(at("2026-06-09")):
        for n in range(6):
            make_item(in_force.de_leader, title=f"DE {n}", files=[(f"d{n}.txt", b"d" * (n + 1))])
        db.session.commit()
    return request.getfixturevalue("closed")


def test_reports_are_made_a_bounded_few_ahead_of_the_writer(app, closed_with_more, monkeypatch):
    closed = closed_with_more
    written = []
    original = evidence_closeout._Reports._pdf_of

    def counted(self, index):
        data = original(self, index)
        written.append(index)
        return data

    pool = _CountingPool(app, written)
    monkeypatch.setattr(evidence_closeout._Reports, "_pdf_of", counted)
    monkeypatch.setattr(pdf, "configured_pool", lambda: pool)
    monkeypatch.setattr(evidence_closeout.reports, "custody_report_pdf", _not_in_this_process)
    path = _take(app, closed.de_leader)
    assert bags.verify(path).is_intact
    assert written == list(range(8))  # the DE party's two items and these six, in order
    # Never more than AHEAD reports handed out beyond those already written.
    assert max(pool.ahead_seen) < evidence_closeout._Reports.AHEAD
    assert len(pool.ahead_seen) == 8


def test_a_renderer_that_fails_leaves_nothing_and_says_which_report(app, closed, monkeypatch):
    class Failing(_CountingPool):
        def submit(self, html, css, static_folder, **options):
            future = Future()
            future.set_exception(RuntimeError("the renderer died"))
            return future

    monkeypatch.setattr(pdf, "configured_pool", lambda: Failing(app, []))
    with (
        frozen(at("2026-09-02")),
        app.test_request_context(),
        pytest.raises(archives.CloseoutError, match="could not be written") as refused,
    ):
        archives.take(access_of(closed.de_leader))
    db.session.rollback()
    assert "the custody report of" in str(refused.value)
    assert "the renderer died" in str(refused.value)
    assert db.session.scalar(select(func.count()).select_from(CloseoutArchive)) == 0
    assert not list((archives.blob_root() / "tmp").glob("closeout-*"))
