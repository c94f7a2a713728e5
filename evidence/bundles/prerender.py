"""Custody reports of a draft request's items, rendered ahead so finalising reuses them.

Finalising a request of 200 items spent most of its time on their custody report PDFs
(WeasyPrint, about 0.3 s of CPU each: benchmarks/export). A package's copy of a report
is a function of the item's chain (its head), its files, the verification's outcome,
the template and the request it goes out with; only two times in it change from one
rendering to the next: when it was generated and when the item was checked. So while
the request is a draft, a background thread of the server process (:class:`Worker`)
checks each of its items and renders that copy, kept in the blob store and found
through a :class:`~evidence.bundles.models.PackageReport` row keyed by the item, its
chain head and a :func:`fingerprint` of the report's HTML with both times left out.

At finalising every item is checked again (services._verify_items) and the package
takes the cached report only when the fresh check gives the same key
(:func:`cached_report`): same head, same files, the same outcome in the same words;
otherwise it renders one as before. A cached report says when *its* check ran (before
the finalising); the item's ``item.json`` in the package says when the export's own
check ran and which check its report states (docs/bundles.md).

What schedules the work: a committed transaction that added an item to a bundle or an
event to an item's chain (evidence.bundles.models' session hooks). The thread finds the
item's draft bundles and renders what is missing; it never runs on a request thread.
Several server processes may each do it: the row's unique key keeps one, and the loser
of a race drops its copy (its blob is swept by ``jit evidence gc``).
"""

import hashlib
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evidence import custody, queries, reports, storage
from evidence.bundles.models import Bundle, BundleItem, BundleStatus, PackageReport
from evidence.models import EvidenceItem
from jit import pdf
from jit.clock import utcnow
from jit.extensions import db

# Put in place of the two times a report states, for its fingerprint.
_NO_TIME = datetime(2000, 1, 1, tzinfo=UTC)
# Part of every fingerprint: raise it when what a report looks like changes outside its
# template and stylesheet (fonts, images, WeasyPrint), so no older rendering is reused.
REPORT_FORMAT = 1


@dataclass(frozen=True)
class ForRequest:
    """Whom a package's copy of a custody report is generated for: the request.

    A report made ahead is not made for the leader who will finalise (not known yet),
    and a package is read by people of the other side; naming the request keeps the
    copy the same whoever finalises, and its times are in UTC, not a reader's zone.
    """

    reference: str
    is_request = True

    @property
    def display_name(self) -> str:
        return f"the package of request {self.reference}"


@dataclass(frozen=True)
class Checked:
    """What the report template reads of a verification run: when it ran."""

    verified_at: datetime


def request_reference(bundle: Bundle) -> str:
    """The request a package copy names (as in bag-info.txt's Internal-Sender-Identifier)."""
    return f"{bundle.team.code}/{bundle.label}/v{bundle.version}"


def report_html(item, bundle, *, events, head, result, checked_at, generated_at) -> str:
    """The HTML of ``item``'s custody report as ``bundle``'s package holds it."""
    return reports.custody_report_html(
        item,
        access_log=None,  # a copy that leaves the team names no readers
        events=events,
        head=head,
        verification=Checked(checked_at),
        result=result,
        generated_for=ForRequest(request_reference(bundle)),
        generated_at=generated_at,
    )


def fingerprint(item, bundle, *, events, head, result) -> str:
    """SHA-256 of everything the package copy says but its two times, and its stylesheets.

    The HTML is the report's whole content (item, files and their hashes, events, the
    outcome and its counts and problems, the signing key, the request it is for), so
    any change to one of them gives another fingerprint.
    """
    digest = hashlib.sha256(f"package custody report {REPORT_FORMAT}\0".encode())
    html = report_html(
        item,
        bundle,
        events=events,
        head=head,
        result=result,
        checked_at=_NO_TIME,
        generated_at=_NO_TIME,
    )
    digest.update(html.encode("utf-8"))
    for text in reports.custody_report_css():
        digest.update(b"\0" + text.encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class CachedReport:
    pdf_sha256: str
    checked_at: datetime

    def pdf(self) -> bytes | None:
        """The PDF's bytes, or None if the blob is gone or is not what was stored."""
        try:
            data = storage.blob_path(self.pdf_sha256).read_bytes()
        except FileNotFoundError:
            return None
        return data if hashlib.sha256(data).hexdigest() == self.pdf_sha256 else None


def _kept(item, head, key: str) -> PackageReport | None:
    """The row of the report kept for ``item`` at chain ``head`` with fingerprint ``key``."""
    return db.session.scalar(
        select(PackageReport).where(
            PackageReport.item_id == item.id,
            PackageReport.head_seq == head.seq,
            PackageReport.head_hash == head.hash,
            PackageReport.fingerprint == key,
        )
    )


def cached_report(item, bundle, *, events, head, result) -> CachedReport | None:
    """The report made ahead for this very state of ``item`` in ``bundle``, if any.

    Only for an intact item: a report saying INTACT is never taken for an item whose
    fresh check found a problem (finalising refuses such an item anyway).
    """
    if head is None or not result.is_intact:
        return None
    key = fingerprint(item, bundle, events=events, head=head, result=result)
    row = _kept(item, head, key)
    if row is None or not storage.blob_path(row.pdf_sha256).is_file():
        return None
    return CachedReport(row.pdf_sha256, row.checked_at)


def draft_bundles(item_id: int) -> list[Bundle]:
    return list(
        db.session.scalars(
            select(Bundle)
            .join(BundleItem, BundleItem.bundle_id == Bundle.id)
            .where(BundleItem.item_id == item_id, Bundle.status == BundleStatus.DRAFT.value)
            .order_by(Bundle.id)
        )
    )


@dataclass
class _Job:
    item_id: int
    head_seq: int
    head_hash: str
    key: str
    checked_at: datetime
    pdf: object  # bytes, or a Future of them from the renderer processes


def _jobs(item_id: int, render) -> list[_Job]:
    """Check ``item_id`` and start its missing package reports (``render(html)``)."""
    item = db.session.get(EvidenceItem, item_id)
    drafts = draft_bundles(item_id) if item is not None else []
    if not drafts:
        return []
    head = queries.chain_head(item)
    result = custody.verify_items([item])
    # Kept like every check (a run by the workspace, by no person, in the audit log), so
    # the time a report made from it states is one the item's verification history shows.
    from evidence.services import record_integrity_alert
    from evidence.verification import record_verification

    checked_at = record_verification(item.team, result, item=item).verified_at
    if not result.is_intact:
        # Found by the workspace, not a person, but an alert all the same: the team
        # learns of a broken item when it happens, not when someone finalises.
        record_integrity_alert(None, item, result.first_problem)
    db.session.commit()
    if head is None or not result.is_intact:
        return []  # never a cached INTACT report for a broken item
    events = queries.custody_chain(item)
    if events[-1].seq != head.seq or events[-1].hash != head.hash:
        return []  # an event came meanwhile: its own commit schedules the item again
    jobs = []
    for bundle in drafts:
        key = fingerprint(item, bundle, events=events, head=head, result=result)
        if _kept(item, head, key) is not None:
            continue
        html = report_html(
            item,
            bundle,
            events=events,
            head=head,
            result=result,
            checked_at=checked_at,
            generated_at=utcnow(),
        )
        jobs.append(_Job(item.id, head.seq, head.hash, key, checked_at, render(html)))
    return jobs


def _keep(job: _Job) -> bool:
    """Store a rendered report and its row; False if another process kept one first."""
    data = job.pdf if isinstance(job.pdf, bytes) else job.pdf.result()
    blob = storage.store_bytes(data)
    db.session.add(
        PackageReport(
            item_id=job.item_id,
            head_seq=job.head_seq,
            head_hash=job.head_hash,
            fingerprint=job.key,
            pdf_sha256=blob.sha256,
            checked_at=job.checked_at,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same report was kept by another worker: fine
        db.session.rollback()
        return False
    return True


def prerender(item_ids, pool: pdf.PdfPool | None = None) -> int:
    """Render the missing package reports of ``item_ids``' draft bundles; return how many.

    With ``pool`` the PDFs are made by its processes, a few ahead; without, here.
    """
    folder = current_app.static_folder
    css = reports.custody_report_css()

    def render(html: str):
        if pool is None:
            return pdf.html_pdf(html, css=css, static_folder=folder)
        return pool.submit(html, css, folder)

    kept, pending = 0, []
    ahead = 2 * pool.workers if pool is not None else 1
    for item_id in item_ids:
        try:
            pending += _jobs(item_id, render)
            db.session.rollback()  # end the read transaction: rows are written one by one
            while len(pending) >= ahead:
                kept += _keep(pending.pop(0))
        except Exception:
            current_app.logger.exception("pre-rendering the custody report of item %s", item_id)
            db.session.rollback()
    for job in pending:
        try:
            kept += _keep(job)
        except Exception:
            current_app.logger.exception("keeping the custody report of item %s", job.item_id)
            db.session.rollback()
    return kept


class Worker:
    """The background thread of one server process that pre-renders package reports.

    Item ids come from committed transactions (:meth:`schedule`); the thread takes all
    waiting ones at once and, when ``JIT_REPORT_WORKERS`` allows, starts renderer
    processes for them (closed again when nothing waits), so WeasyPrint's memory and
    CPU are not the server's.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._waiting: dict[int, None] = {}  # item ids, in the order they came
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self.thread = threading.Thread(target=self._run, name="report-prerender", daemon=True)
        self.thread.start()

    def schedule(self, item_ids) -> None:
        with self._lock:
            self._waiting.update(dict.fromkeys(sorted(item_ids)))
            self._idle.clear()
            self._wake.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every scheduled item is done; False if ``timeout`` passed first."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                batch, self._waiting = list(self._waiting), {}
                self._wake.clear()
            if batch:
                self._work(batch)
            with self._lock:
                if not self._waiting:
                    self._idle.set()

    def _work(self, batch: list[int]) -> None:
        with self.app.app_context():
            pool = None
            try:
                # Most commits touch items of no draft (uploads, events): start nothing.
                batch = [item_id for item_id in batch if draft_bundles(item_id)]
                db.session.rollback()
                if not batch:
                    return
                configured = current_app.config.get("REPORT_WORKERS")
                workers = pdf.default_workers() if configured is None else int(configured)
                if workers >= 1:
                    try:
                        pool = pdf.PdfPool(min(workers, len(batch)))
                    except pdf.PdfPoolUnavailable as error:
                        current_app.logger.warning("pre-rendering in the server process: %s", error)
                prerender(batch, pool)
            except Exception:
                current_app.logger.exception("pre-rendering custody reports failed")
            finally:
                if pool is not None:
                    pool.close()
                db.session.remove()


_workers_lock = threading.Lock()


def worker(app: Flask) -> Worker:
    """This process's worker for ``app`` (a new one in a forked child)."""
    with _workers_lock:
        found = app.extensions.get("report_prerender")
        if found is None or found.pid != os.getpid():
            found = Worker(app)
            app.extensions["report_prerender"] = found
        return found
