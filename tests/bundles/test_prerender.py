"""Custody reports made ahead for draft requests (evidence/bundles/prerender.py).

A background worker renders the package copy of each draft item's custody report;
finalising takes it only when its own fresh check gives the same key, and renders
otherwise. The rest of the suite runs with ``REPORT_PRERENDER`` off.
"""

import io
import json
import os
import threading
import zipfile

import bagit
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from evidence import custody, storage
from evidence.bundles import package as package_module
from evidence.bundles import prerender
from evidence.bundles.models import PackageReport
from evidence.bundles.package import package_file
from evidence.bundles.services import BundleError
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, finalise
from tests.bundles.package_fixtures import unpack


@pytest.fixture
def ahead(app, monkeypatch):
    """Pre-rendering on; renders counted by thread (the worker's, or the finalising's)."""
    monkeypatch.setitem(app.config, "REPORT_PRERENDER", True)
    threads: list[str] = []
    real_html_pdf, real_report = prerender.pdf.html_pdf, package_module.reports.custody_report_pdf

    def counted_html_pdf(*args, **kwargs):
        if kwargs.get("css") == package_module.reports.custody_report_css():  # not the request
            threads.append(threading.current_thread().name)
        return real_html_pdf(*args, **kwargs)

    def counted_report(*args, **kwargs):
        threads.append(f"finalising ({threading.current_thread().name})")
        return real_report(*args, **kwargs)

    monkeypatch.setattr(prerender.pdf, "html_pdf", counted_html_pdf)
    monkeypatch.setattr(package_module.reports, "custody_report_pdf", counted_report)
    yield threads
    prerender.worker(app).wait_idle(60)


def _drain(app):
    assert prerender.worker(app).wait_idle(60), "the pre-rendering did not finish"
    db.session.expire_all()


def _rows(item=None):
    query = select(func.count()).select_from(PackageReport)
    if item is not None:
        query = query.where(PackageReport.item_id == item.id)
    return db.session.scalar(query)


def _items(crew, make_item, count=2):
    return [
        make_item(crew.nl_member, files=[(f"scan-{n}.txt", f"ledger page {n}".encode() * 500)])
        for n in range(count)
    ]


def _package(bundle, item):
    """The item's custody report (bytes and text) and item.json in the bundle's package."""
    with zipfile.ZipFile(package_file(bundle)) as archive:
        (top,) = {name.split("/")[0] for name in archive.namelist()}
        folder = f"{top}/data/evidence/{item.exhibit_number}"
        report = archive.read(f"{folder}/custody-report.pdf")
        metadata = json.loads(archive.read(f"{folder}/item.json"))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(report)).pages)
    return report, " ".join(text.split()), metadata


def test_a_drafts_items_get_their_reports_from_the_background_worker(
    app, crew, make_item, make_bundle, ahead
):
    items = _items(crew, make_item)
    assert _rows() == 0
    make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    _drain(app)
    assert [_rows(item) for item in items] == [1, 1]
    assert ahead == ["report-prerender", "report-prerender"]  # never the request's thread
    for row in db.session.scalars(select(PackageReport)):
        assert storage.blob_path(row.pdf_sha256).read_bytes().startswith(b"%PDF-")
    # Idempotent: scheduling the same items again renders nothing more.
    prerender.worker(app).schedule([item.id for item in items])
    _drain(app)
    assert _rows() == 2
    assert len(ahead) == 2


def test_the_check_a_report_made_ahead_states_is_a_recorded_run(
    app, crew, make_item, make_bundle, ahead
):
    from evidence.models import EvidenceVerification
    from jit.audit.models import AuditEntry

    items = _items(crew, make_item)
    make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    _drain(app)
    for item in items:
        (row,) = db.session.scalars(select(PackageReport).where(PackageReport.item_id == item.id))
        (run,) = db.session.scalars(
            select(EvidenceVerification).where(EvidenceVerification.item_id == item.id)
        )
        assert run.is_intact
        assert run.verified_by_id is None  # the workspace's check, not a person's
        assert run.verified_at == row.checked_at
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.operation == "evidence.verified",
                AuditEntry.object_type == "evidence_items",
                AuditEntry.object_id == str(item.id),
            )
        )
        assert entry is not None
        assert entry.user_id is None


def test_finalising_reuses_them_and_the_package_verifies(
    app, crew, make_item, make_bundle, ahead, runner, tmp_path
):
    items = _items(crew, make_item)
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    _drain(app)
    cached = {row.item_id: row for row in db.session.scalars(select(PackageReport))}
    del ahead[:]
    finalise(crew.nl_leader, bundle)
    assert ahead == [], "finalising rendered a report made ahead again"
    for item in items:
        report, text, metadata = _package(bundle, item)
        row = cached[item.id]
        assert report == storage.blob_path(row.pdf_sha256).read_bytes()
        assert f"for the package of request {crew.team.code}/{bundle.label}/v1" in text
        assert f"checked {row.checked_at:%Y-%m-%d %H:%M:%S} UTC" in text
        checked = metadata["verification"]
        assert checked["result"] == "intact"
        assert checked["custody_report_checked_at"] == row.checked_at.isoformat()
        assert checked["checked_at"] > checked["custody_report_checked_at"]  # the export's
    assert runner.invoke(args=["bundle", "verify", str(package_file(bundle))]).exit_code == 0
    bagit.Bag(str(unpack(package_file(bundle), tmp_path / "bag"))).validate()


def test_a_custody_event_after_the_pre_render_gets_a_report_that_holds_it(
    app, crew, make_item, make_bundle, ahead
):
    items = _items(crew, make_item)
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    _drain(app)
    # Pre-rendering off: the event's report is not made ahead, finalising renders it.
    app.config["REPORT_PRERENDER"] = False
    event = custody.append_event(items[0], "analysed", purpose="Hash set comparison")
    db.session.commit()
    del ahead[:]
    finalise(crew.nl_leader, bundle)
    assert len(ahead) == 1
    assert ahead[0].startswith("finalising")
    _report, text, metadata = _package(bundle, items[0])
    assert f"event #{event.seq}" in text
    assert "Hash set comparison" in text
    assert (
        metadata["verification"]["custody_report_checked_at"]
        == (metadata["verification"]["checked_at"])
    )


def test_a_custody_event_on_a_draft_item_is_rendered_ahead_too(
    app, crew, make_item, make_bundle, ahead
):
    items = _items(crew, make_item)
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    _drain(app)
    event = custody.append_event(items[0], "analysed", purpose="Hash set comparison")
    db.session.commit()
    _drain(app)
    assert _rows(items[0]) == 2
    assert db.session.scalar(
        select(PackageReport).where(PackageReport.head_seq == event.seq)
    ).item_id == (items[0].id)
    del ahead[:]
    finalise(crew.nl_leader, bundle)
    assert ahead == []
    assert "Hash set comparison" in _package(bundle, items[0])[1]


def _tamper(item):
    path = storage.blob_path(item.files[0].sha256)
    os.chmod(path, 0o640)
    path.write_bytes(b"changed " + path.read_bytes()[8:])


def test_a_broken_item_is_never_given_a_report_made_ahead(app, crew, make_item, make_bundle, ahead):
    items = _items(crew, make_item)
    _tamper(items[0])
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    _drain(app)
    assert (_rows(items[0]), _rows(items[1])) == (0, 1)
    # The background check found it broken: an integrity alert, by no person.
    from jit.audit.models import AuditEntry

    (alert,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.operation == "evidence.integrity_alert")
    )
    assert alert.object_id == str(items[0].id)
    assert alert.user_id is None
    # Broken after its report was made: the fresh check at finalising refuses it.
    _tamper(items[1])
    with pytest.raises(BundleError, match="fails verification"):
        finalise(crew.nl_leader, bundle)
    db.session.rollback()
    assert not bundle.is_final


def test_two_workers_racing_leave_one_row(app, crew, make_item, make_bundle, ahead):
    (item,) = _items(crew, make_item, 1)
    app.config["REPORT_PRERENDER"] = False  # the two workers below are the only ones
    make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=[item])
    both_rendering = threading.Barrier(2, timeout=30)
    real_html_pdf = prerender.pdf.html_pdf

    def meeting(*args, **kwargs):
        both_rendering.wait()  # both have found no row and are rendering the same report
        return real_html_pdf(*args, **kwargs)

    prerender.pdf.html_pdf = meeting
    try:
        workers = [prerender.Worker(app), prerender.Worker(app)]
        for worker in workers:
            worker.schedule([item.id])
        assert all(worker.wait_idle(60) for worker in workers)
    finally:
        prerender.pdf.html_pdf = real_html_pdf
    db.session.expire_all()
    assert _rows(item) == 1


def test_a_report_whose_blob_is_gone_is_rendered_again(app, crew, make_item, make_bundle, ahead):
    items = _items(crew, make_item)
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    _drain(app)
    row = db.session.scalar(select(PackageReport).where(PackageReport.item_id == items[0].id))
    storage.blob_path(row.pdf_sha256).unlink()
    del ahead[:]
    finalise(crew.nl_leader, bundle)
    assert len(ahead) == 1
    _report, text, metadata = _package(bundle, items[0])
    assert "INTACT" in text
    stated = metadata["verification"]["custody_report_checked_at"]
    assert stated == metadata["verification"]["checked_at"]


def test_a_report_whose_blob_goes_while_the_package_is_written_states_the_same_check(
    app, crew, make_item, make_bundle, ahead, monkeypatch
):
    items = _items(crew, make_item, 1)
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=items)
    _drain(app)
    row = db.session.scalar(select(PackageReport))
    monkeypatch.setattr(prerender.CachedReport, "pdf", lambda self: None)  # gone meanwhile
    del ahead[:]
    finalise(crew.nl_leader, bundle)
    assert len(ahead) == 1
    _report, text, metadata = _package(bundle, items[0])
    assert metadata["verification"]["custody_report_checked_at"] == row.checked_at.isoformat()
    assert f"checked {row.checked_at:%Y-%m-%d %H:%M:%S} UTC" in text
