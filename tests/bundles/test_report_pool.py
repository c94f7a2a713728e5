"""Custody reports of a package made by child processes (jit.pdf.PdfPool), and without.

The rest of the suite renders them in the test process (``REPORT_WORKERS`` 0 in
tests/conftest.py); these tests start the children.
"""

import io
import json
import logging
import multiprocessing
import time
import zipfile
from concurrent.futures import Future

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from evidence import custody, queries, reports, storage, verification
from evidence.bundles import package as package_module
from evidence.bundles import services
from evidence.bundles.models import Bundle
from evidence.bundles.package import package_file
from evidence.models import CustodyEvent
from jit import bags, pdf
from jit.extensions import db
from tests.bundles import report_pool_helpers
from tests.bundles.conftest import COMPLETE, finalise


def _reports_in(path, items) -> dict:
    """Return each item's custody report in the package: its text and its chain head."""
    found = {}
    with zipfile.ZipFile(path) as archive:
        (top,) = {name.split("/")[0] for name in archive.namelist()}
        for item in items:
            folder = f"{top}/data/evidence/{item.exhibit_number}"
            report = archive.read(f"{folder}/custody-report.pdf")
            chain = archive.read(f"{folder}/custody.jsonl").decode().splitlines()
            text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(report)).pages)
            head = json.loads(chain[-1])["signed_payload"]
            found[item.exhibit_number] = (report, " ".join(text.split()), head)
    return found


def _assert_reports_state_item_and_head(path, items):
    for exhibit, (report, text, head) in _reports_in(path, items).items():
        assert report.startswith(b"%PDF-")
        assert f"Exhibit {exhibit}" in text
        assert "Chain of custody report" in text
        assert "INTACT" in text
        # The hash is printed in groups of eight digits, which may wrap.
        assert f"event #{head['seq']}, hash" in text
        assert head["hash"] in "".join(text.split())


def _not_in_this_process(*_args, **_kwargs):
    raise AssertionError("a custody report was rendered in the server process")


@pytest.fixture(autouse=True)
def pool_for_any_package(monkeypatch):
    """These tests' packages are small: let them use the renderers all the same."""
    monkeypatch.setattr(package_module, "POOL_FROM_ITEMS", 1)


@pytest.fixture
def two_items(crew, make_bundle, make_item):
    items = [
        make_item(crew.nl_member, files=[(f"scan-{n}.pdf", b"%PDF-1.4 scan " * (50 + n))])
        for n in range(2)
    ]
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    return bundle, items


def test_child_processes_render_the_custody_reports(app, crew, two_items, monkeypatch):
    bundle, items = two_items
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 2)
    monkeypatch.setattr(package_module.reports, "custody_report_pdf", _not_in_this_process)
    finalise(crew.nl_leader, bundle)
    assert bundle.is_final
    _assert_reports_state_item_and_head(package_file(bundle), items)


def test_a_child_makes_the_same_pdf_as_the_server_process(app, crew, make_item):
    item = make_item(crew.nl_member, files=[("a.txt", b"a" * 5000)])
    result = custody.verify_items([item])
    run = verification.record_verification(crew.team, result, item=item, actor=None)
    html = reports.custody_report_html(
        item,
        events=queries.custody_chain(item),
        head=queries.chain_head(item),
        verification=run,
        result=result,
        generated_for=crew.nl_leader.user,
    )
    css = reports.custody_report_css()
    here = pdf.html_pdf(html, css=css, static_folder=app.static_folder)
    with pdf.PdfPool(1) as pool:
        there = pool.submit(html, css, app.static_folder).result()
    assert there == here


def test_a_pool_a_child_broke_hands_the_error_to_the_next_document_not_its_caller(app, monkeypatch):
    """Once a dead child has broken the pool, a later submit must not raise by itself.

    The package queues reports ahead while it streams; whether the next submit comes
    before or after the pool notices the death is a race. Either way the failure must
    reach the one place that names the exhibit (the future's result), never escape
    from the queueing mid-stream (CI met that once, at random).
    """
    from concurrent.futures.process import BrokenProcessPool

    monkeypatch.setattr(pdf, "_render_in_child", report_pool_helpers.render_dies)
    with pdf.PdfPool(1) as pool:
        first = pool.submit("<p>one</p>", (), app.static_folder)
        with pytest.raises(BrokenProcessPool):
            first.result(timeout=60)
        later = pool.submit("<p>two</p>", (), app.static_folder)  # the pool is broken now
        assert isinstance(later.exception(timeout=5), BrokenProcessPool)


def test_a_pool_starts_all_its_children_at_once(app):
    """Each child loads WeasyPrint from the start, not when its first document comes."""
    before = {child.pid for child in multiprocessing.active_children()}
    with pdf.PdfPool(2):
        started = {child.pid for child in multiprocessing.active_children()} - before
        assert len(started) == 2


def test_a_pool_closed_without_waiting_returns_while_its_child_finishes(app):
    pool = pdf.PdfPool(1)
    working = pool.call(report_pool_helpers.sleep_then_pid, 3.0)
    for _ in range(200):  # handed to the child, so closing cannot cancel it
        if working.running():
            break
        time.sleep(0.05)
    assert working.running()
    pool.close(wait=False)
    assert not working.done()  # close() waiting would have seen it end
    assert working.result(timeout=60) > 0  # and it still ends, with its result


def test_without_workers_the_server_process_renders_them(app, crew, two_items, monkeypatch):
    bundle, items = two_items
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 0)
    monkeypatch.setattr(pdf, "PdfPool", _not_in_this_process)
    finalise(crew.nl_leader, bundle)
    _assert_reports_state_item_and_head(package_file(bundle), items)


def test_a_small_package_renders_its_reports_without_starting_renderers(
    app, crew, two_items, monkeypatch
):
    """Starting the renderers costs more than a few reports take here."""
    bundle, items = two_items
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 2)
    monkeypatch.setattr(package_module, "POOL_FROM_ITEMS", 3)
    monkeypatch.setattr(pdf, "PdfPool", _not_in_this_process)
    finalise(crew.nl_leader, bundle)
    _assert_reports_state_item_and_head(package_file(bundle), items)


def test_when_the_children_cannot_start_the_server_process_renders_them(
    app, crew, two_items, monkeypatch, caplog
):
    bundle, items = two_items
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 1)
    monkeypatch.setattr(pdf, "_warm_up", report_pool_helpers.fail_to_start)
    with caplog.at_level(logging.WARNING):
        finalise(crew.nl_leader, bundle)
    assert "PDFs are rendered in the server process" in caplog.text
    assert "no WeasyPrint in this child, on purpose" in caplog.text
    _assert_reports_state_item_and_head(package_file(bundle), items)


@pytest.mark.parametrize(
    ("child", "named"),
    [
        (report_pool_helpers.render_fails, "RuntimeError: the renderer failed on purpose"),
        (report_pool_helpers.render_dies, "BrokenProcessPool"),
    ],
    ids=["raises", "dies"],
)
def test_a_failing_child_fails_the_finalising_and_leaves_nothing(
    app, crew, two_items, monkeypatch, child, named
):
    bundle, items = two_items
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 1)
    monkeypatch.setattr(pdf, "_render_in_child", child)
    before = set(storage.iter_blobs())
    with pytest.raises(services.BundleError) as refused:
        finalise(crew.nl_leader, bundle)
    db.session.rollback()
    message = str(refused.value)
    assert f"The custody report of exhibit {items[0].exhibit_number} could not be made" in message
    assert named in message
    assert "Nothing was finalised" in message
    assert list((storage.blob_dir() / "tmp").iterdir()) == []  # the partial file is gone
    new_blobs = set(storage.iter_blobs()) - before
    assert not any(blob.read_bytes()[:2] == b"PK" for blob in new_blobs)  # no package
    assert not db.session.get(Bundle, bundle.id).is_final
    assert not db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.event_type == "exported")
    ).all()


def test_the_request_pdf_is_made_by_a_child_process_too(app, crew, two_items, monkeypatch):
    """A large request's evidence schedule is WeasyPrint's biggest layout at finalising."""
    bundle, items = two_items
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 1)
    monkeypatch.setattr(pdf, "html_pdf", _not_in_this_process)  # the children are spawned
    finalise(crew.nl_leader, bundle)
    assert bundle.is_final
    signed = storage.blob_path(bundle.pdf_sha256).read_bytes()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(signed)).pages)
    assert bundle.document["reference"] in " ".join(text.split())
    assert b"/ByteRange" in signed  # signed here, after the child laid it out
    _assert_reports_state_item_and_head(package_file(bundle), items)


def test_a_child_failing_on_the_request_pdf_fails_the_finalising_cleanly(
    app, crew, two_items, monkeypatch
):
    bundle, _items = two_items
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 1)
    monkeypatch.setattr(pdf, "_render_in_child", report_pool_helpers.request_render_fails)
    before = set(storage.iter_blobs())
    with pytest.raises(services.BundleError) as refused:
        finalise(crew.nl_leader, bundle)
    db.session.rollback()
    message = str(refused.value)
    assert "The request PDF could not be made" in message
    assert "RuntimeError: the request renderer failed on purpose" in message
    assert "Nothing was finalised" in message
    assert set(storage.iter_blobs()) == before
    assert not db.session.get(Bundle, bundle.id).is_final


class _InlinePool:
    """A PdfPool without processes that logs what is queued (for the order of events)."""

    log: list[str] = []

    def __init__(self, workers: int):
        self.workers = workers

    def submit(self, html, css, static_folder, **options) -> Future:
        if options.get("variant"):  # the request PDF, made before the package
            self.log.append("queued the request PDF")
        else:
            exhibit = html.split('<span class="code">', 1)[1].split("<", 1)[0]
            self.log.append(f"queued {exhibit}")
        done = Future()
        done.set_result(pdf.html_pdf(html, css=css, static_folder=static_folder, **options))
        return done

    def close(self) -> None:
        self.log.append("closed")


def test_reports_are_queued_a_bounded_number_ahead_of_the_stream(
    app, crew, make_bundle, make_item, monkeypatch
):
    items = [make_item(crew.nl_member, files=[(f"f{n}.bin", bytes([n]) * 5000)]) for n in range(6)]
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=items)
    monkeypatch.setitem(app.config, "REPORT_WORKERS", 1)  # two reports ahead
    monkeypatch.setattr(pdf, "PdfPool", _InlinePool)
    log = _InlinePool.log = []
    real_open, real_pdf = open, package_module.CustodyReports.pdf_of
    files = {storage.blob_path(item.files[0].sha256): item.exhibit_number for item in items}

    def logged_open(path, *args, **kwargs):
        if path in files:
            log.append(f"files of {files[path]}")
        return real_open(path, *args, **kwargs)

    def logged_pdf(self, index):
        log.append(f"written {items[index].exhibit_number}")
        return real_pdf(self, index)

    monkeypatch.setattr(bags, "open", logged_open, raising=False)
    monkeypatch.setattr(package_module.CustodyReports, "pdf_of", logged_pdf)
    finalise(crew.nl_leader, bundle)
    exhibits = [item.exhibit_number for item in items]
    # Each report is queued before its item's files are read (so a child renders it while
    # they are hashed and written), and never more than two are queued and not written.
    for exhibit in exhibits:
        assert log.index(f"queued {exhibit}") < log.index(f"files of {exhibit}")
    assert [entry for entry in log if entry.startswith("queued")] == [
        "queued the request PDF",
        *(f"queued {exhibit}" for exhibit in exhibits),
    ]
    outstanding = 0
    for entry in log:
        if entry == "queued the request PDF":  # answered before the package starts
            continue
        outstanding += entry.startswith("queued") - entry.startswith("written")
        assert 0 <= outstanding <= 2
    assert log[-1] == "closed"
    _assert_reports_state_item_and_head(package_file(bundle), items)
