"""The package of a final request: a signed BagIt ZIP, written once at finalising.

Layout (docs/bundles.md), under one top folder ``<team>-REQ-<n>-v<version>/``::

    data/README.txt                       how to verify, in plain words
    data/request/request.pdf, request.json
    data/request/translations/<language>/<file>   translations of the drafter's text
    data/evidence/<exhibit>/files/<safe file names>
    data/evidence/<exhibit>/item.json     the item's metadata and its files' hashes
    data/evidence/<exhibit>/custody.jsonl the chain as recorded, with its signed head
    data/evidence/<exhibit>/custody-report.pdf
    data/agreement/agreement-v<n>.pdf, agreement-v<n>.json

It is written by :func:`jit.bags.write_bag` straight into the blob store, so memory
does not grow with the evidence and the finished file is served with HTTP Range.
"""

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from evidence import queries, reports, storage
from evidence.bundles import prerender
from evidence.bundles.document import issuing_authority
from evidence.bundles.models import Bundle
from evidence.bundles.pdf import document_json
from evidence.models import EvidenceItem
from jit import bags, pdf, signals

README = """\
{title} {reference}
Package of request {label}, version {version}, of the joint investigation team {team}.

This folder is a BagIt package (RFC 8493). Everything the request relies on is under
data/: the signed request and any translations of its drafter's text (request/),
each exhibit's files with its metadata, its chain
of custody (custody.jsonl) and custody report (evidence/<exhibit>/), and the agreement
in force (agreement/). The files around data/ list the SHA-256 and SHA-512 of every
file; signature/ holds an Ed25519 signature over that list.

HOW TO CHECK IT

1. With nothing installed (Linux; on macOS use "shasum -a 256 -c" instead), unzip the
   package, go into its top folder and run:

       sha256sum -c manifest-sha256.txt
       sha256sum -c tagmanifest-sha256.txt

   Every line must say OK. A changed, missing or renamed file is named.

2. Who signed it: signature/key-fingerprint.txt holds the fingerprint of the key that
   signed tagmanifest-sha256.txt. Compare it with the fingerprint the sending workspace
   gave you with the request (by another channel).

3. With JIT Workspace (checks everything above, the signature and every custody chain,
   without a server):

       jit bundle verify {package}.zip --fingerprint <fingerprint you were given>

4. With any BagIt validator, e.g. the Library of Congress's (pip install bagit):

       bagit.py --validate {package}

The custody chains stop before the "exported" event that records this package: that
event holds the package's own SHA-256, which the package cannot contain.

WHEN THE ITEMS WERE CHECKED

Every item was checked again (its chain re-hashed, its head signature checked, its
files re-hashed) when the request was finalised: "verification" in each item.json says
when ("checked_at") and what it found. A custody report may have been made earlier,
while the request was a draft; it states the time of its own check
("custody_report_checked_at"), which found the same chain head and the same files.
"""


@dataclass(frozen=True)
class WrittenPackage:
    """Where a package went: its hash (its name in the blob store), size and contents."""

    sha256: str
    size: int
    payload_oxum: str
    stamp: int  # the blob's mtime as written, to remove it again if the finalising fails


def package_name(bundle: Bundle) -> str:
    """Return the package's file name without ``.zip`` (also its top folder)."""
    return bags.safe_name(f"{bundle.team.code}-{bundle.label}-v{bundle.version}", "package")


def package_file(bundle: Bundle) -> Path | None:
    """Return the written package of a final bundle version (None for a draft)."""
    if not bundle.is_final or not bundle.package_sha256:
        return None
    return storage.blob_path(bundle.package_sha256)


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem} ({number}).{suffix}" if suffix else f"{stem} ({number})"
    taken.add(candidate.casefold())
    return candidate


class ReportError(Exception):
    """A custody report of the package could not be made; nothing is finalised."""


class CustodyReports:
    """The package's custody reports, one per item, made in the order the stream asks.

    A report made ahead for this very state of the item (prerender.py) is taken from
    the blob store as it is. Others are rendered: without a pool each here when the
    stream reaches it; with a :class:`jit.pdf.PdfPool`, this process renders only each
    report's HTML (the template, in this app) and a child process makes the PDF; the
    stream reaching item ``n`` queues the reports of items ``n`` to ``n + ahead - 1``,
    so the children render while this process hashes and writes the files, and at most
    ``ahead`` finished or pending reports are held here: memory does not grow with the
    number of items.
    """

    def __init__(self, bundle: Bundle, pool: pdf.PdfPool | None = None, ahead: int = 4):
        self.bundle = bundle
        self.pool, self.ahead = pool, max(1, ahead)
        self._jobs: list[tuple[EvidenceItem, dict, prerender.CachedReport | None]] = []
        self._pending: dict[int, Future] = {}
        self._queued = 0  # reports 0 .. _queued - 1 have gone to the pool (or are cached)

    def add(self, item: EvidenceItem, *, events, head, verification, result) -> int:
        """Register an item's report with its fresh check; return its index.

        Looks for the report made ahead (:func:`prerender.cached_report`); it is taken
        only if its key, from this check, is the same.
        """
        context = {"events": events, "head": head, "result": result}
        cached = prerender.cached_report(item, self.bundle, **context)
        self._jobs.append((item, context | {"checked_at": verification.verified_at}, cached))
        return len(self._jobs) - 1

    def checked_at(self, index: int):
        """When the check the report of ``index`` states ran (made ahead: before this one)."""
        _item, context, cached = self._jobs[index]
        return cached.checked_at if cached is not None else context["checked_at"]

    def _report_arguments(self, index: int) -> dict:
        """``reports.custody_report_html``'s arguments for the package copy of ``index``."""
        _item, context, _cached = self._jobs[index]
        return {
            "access_log": None,  # a copy that leaves the team names no readers
            "events": context["events"],
            "head": context["head"],
            "verification": prerender.Checked(context["checked_at"]),
            "result": context["result"],
            "generated_for": prerender.ForRequest(prerender.request_reference(self.bundle)),
        }

    def _html(self, index: int) -> str:
        item = self._jobs[index][0]
        return reports.custody_report_html(item, **self._report_arguments(index))

    def reach(self, index: int) -> None:
        """The stream has reached item ``index``: queue its report and those just after it."""
        if self.pool is None:
            return
        folder = current_app.static_folder
        while self._queued < min(len(self._jobs), index + self.ahead):
            if self._jobs[self._queued][2] is None:
                self._pending[self._queued] = self.pool.submit(
                    self._html(self._queued), reports.custody_report_css(), folder
                )
            self._queued += 1

    def pdf_of(self, index: int) -> bytes:
        """Return report ``index``'s PDF bytes; a failure names the exhibit."""
        item, _context, cached = self._jobs[index]
        if cached is not None:
            data = cached.pdf()
            if data is not None:
                return data
            # The blob went missing since the lookup: render it after all, stating the
            # same check as item.json does (the one made ahead, which did happen).
            self._jobs[index] = (item, _context | {"checked_at": cached.checked_at}, None)
            self._pending.pop(index, None)
            if self.pool is not None:
                self._pending[index] = self.pool.submit(
                    self._html(index), reports.custody_report_css(), current_app.static_folder
                )
        if self.pool is None:
            return reports.custody_report_pdf(item, **self._report_arguments(index))
        self.reach(index)
        try:
            return self._pending.pop(index).result()
        except Exception as error:
            raise ReportError(
                f"The custody report of exhibit {item.exhibit_number} could not be made "
                f"({type(error).__name__}: {error})."
            ) from error


def _reaching(reports_: CustodyReports, index: int, entry: bags.Payload) -> bags.Payload:
    """``entry`` whose bytes, when the stream asks for them, first queue report ``index``."""

    def chunks():
        reports_.reach(index)
        yield from entry.chunks()

    return bags.Payload(entry.path, chunks)


def _item_payload(item: EvidenceItem, check, custody_reports: CustodyReports) -> list[bags.Payload]:
    folder = f"evidence/{bags.safe_name(item.exhibit_number, f'item-{item.id}')}"
    taken: set[str] = set()
    files, payload = [], []
    for stored in item.files:
        path = f"{folder}/files/{_unique(bags.safe_name(stored.original_filename), taken)}"
        payload.append(bags.Payload(path, storage.blob_path(stored.sha256)))
        files.append(
            {
                "path": f"data/{path}",
                "original_filename": stored.original_filename,
                "media_type": stored.media_type,
                "size_bytes": stored.size_bytes,
                "sha256": stored.sha256,
                "uploaded_at": stored.uploaded_at.isoformat(),
            }
        )
    events, head = queries.custody_chain(item), queries.chain_head(item)
    metadata = item.snapshot() | {
        "description": item.description,
        "team": item.team.code,
        "files": files,
        "custody": {
            "events": len(events),
            "head_seq": head.seq if head else 0,
            "head_hash": head.hash if head else None,
        },
    }
    result, run = check
    report = custody_reports.add(item, events=events, head=head, verification=run, result=result)
    # The export's own check ran at finalising; a report made ahead states its own, earlier
    # check, which found the same chain head and files (prerender.py, docs/bundles.md).
    metadata["verification"] = {
        "result": "intact" if result.is_intact else "broken",
        "checked_at": run.verified_at.isoformat(),
        "events_checked": result.events_checked,
        "files_checked": result.files_checked,
        "custody_report_checked_at": custody_reports.checked_at(report).isoformat(),
    }
    payload += [
        bags.Payload(f"{folder}/item.json", document_json(metadata)),
        bags.Payload(
            f"{folder}/custody.jsonl", reports.custody_jsonl(item, events, head).encode("utf-8")
        ),
        # Made when the stream reaches it (or a few items before, in a child process),
        # so only a few reports are in memory at a time.
        bags.Payload(f"{folder}/custody-report.pdf", lambda: [custody_reports.pdf_of(report)]),
    ]
    payload[0] = _reaching(custody_reports, report, payload[0])
    return payload


def build_payload(
    bundle: Bundle,
    signed_pdf: bytes,
    checks: dict,
    custody_reports: CustodyReports | None = None,
):
    """Return the package's payload: README, request, each item, the agreement in force.

    ``checks`` maps each item's id to its verification ``(result, run)``, which its
    custody report states; ``custody_reports`` makes the reports (here, by default).
    """
    custody_reports = custody_reports or CustodyReports(bundle)
    document = bundle.document
    payload = [
        bags.Payload(
            "README.txt",
            README.format(
                title=document["title"],
                reference=document["reference"],
                label=bundle.label,
                version=bundle.version,
                team=bundle.team.code,
                package=package_name(bundle),
            ).encode("utf-8"),
        ),
        bags.Payload("request/request.pdf", signed_pdf),
        bags.Payload("request/request.json", document_json(document)),
    ]
    for attached in document.get("translations", []):  # as listed in the frozen request
        payload.append(
            bags.Payload(
                attached["path"].removeprefix("data/"), storage.blob_path(attached["sha256"])
            )
        )
    for entry in bundle.items:
        payload += _item_payload(entry.item, checks[entry.item_id], custody_reports)
    agreement = signals.first_value(signals.agreement_documents, bundle.team)
    if agreement is not None:
        number = agreement["version"]
        payload += [
            bags.Payload(f"agreement/agreement-v{number}.pdf", agreement["pdf"]),
            bags.Payload(f"agreement/agreement-v{number}.json", agreement["json"]),
        ]
    return payload


def bag_info(bundle: Bundle) -> dict[str, str]:
    """Return the bag-info.txt fields that describe the request (Payload-Oxum is added)."""
    document = bundle.document
    issuing = document["issuing_party"]
    return {
        # The issuing authority as the form names it, as on the request PDF's cover.
        "Source-Organization": issuing_authority(document) or issuing.get("name") or "",
        "Contact-Name": document.get("finalised_by") or "",
        "External-Identifier": document["reference"],
        "Internal-Sender-Identifier": f"{bundle.team.code}/{bundle.label}/v{bundle.version}",
        "Bag-Group-Identifier": bundle.team.code,
        "Internal-Sender-Description": (
            f"{document['title']} {bundle.label} version {bundle.version} of the joint "
            f"investigation team {bundle.team.code}, finalised {document.get('finalised_at')}; "
            f"request content hash SHA-256 {bundle.content_hash}"
        ),
    }


# Renderers are forks of a fork server that has WeasyPrint loaded (jit.pdf): two start
# in ~0.03 s once it runs, ~0.6 s for the first pool of a server process, which starts
# it. A report rendered here, beside the package's hashing threads, took ~0.35 s; two
# renderers made two reports in the time of one. Packages of 2, 4 and 8 items were
# written ~35 %, ~45 % and ~55 % faster with them, one item alike either way
# (benchmarks/export/small_packages.py). A single report is still made here.
POOL_FROM_ITEMS = 2


def report_pool(items: int) -> pdf.PdfPool | None:
    """Start the processes that render custody reports (``JIT_REPORT_WORKERS``).

    None (render in this process) when the setting is 0, when the package holds fewer
    than ``POOL_FROM_ITEMS`` items, or when they cannot start: that is logged, and the
    package is the same, only slower to make.
    """
    if items < POOL_FROM_ITEMS:
        return None
    return pdf.configured_pool()


def write_package(bundle: Bundle, signed_pdf: bytes, checks: dict, pool=None):
    """Write the bundle's package into the blob store; on any failure leave nothing.

    ``pool`` (:func:`report_pool`, started and closed by the caller) renders the custody
    reports; None renders them here. A custody report that cannot be made raises
    :class:`ReportError` (after the partial file is removed).
    """
    custody_reports = CustodyReports(bundle, pool, ahead=2 * pool.workers if pool else 1)
    writer = storage.BlobWriter()
    try:
        written = bags.write_bag(
            writer,
            name=package_name(bundle),
            info=bag_info(bundle),
            payload=build_payload(bundle, signed_pdf, checks, custody_reports),
            hash_whole=False,  # the blob writer hashes the package as it stores it
        )
    except BaseException:
        writer.abort()
        raise
    stored = writer.finish()
    return WrittenPackage(stored.sha256, stored.size_bytes, written.payload_oxum, stored.stamp)
