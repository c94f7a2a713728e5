"""Evidence's share of a party's close-out archive, and of a team's deletion certificate."""

import json

from flask import current_app
from sqlalchemy import select

from evidence import queries, reports, storage, verification
from evidence.bundles.models import Bundle
from evidence.models import CustodyChainHead, EvidenceFile, EvidenceItem
from jit import pdf
from jit.bags import Payload, safe_name
from jit.extensions import db


def closeout_payload(access) -> list[Payload]:
    """Answer :data:`jit.signals.closeout_payload`: each item the reader may read.

    Per item: its record, its files, its custody chain (JSONL, re-checkable) and its
    custody report (PDF, verified now, recorded as any report is).
    """
    files = []
    made = _Reports(access)
    for item in queries.visible_items(access):
        folder = f"evidence/{safe_name(item.exhibit_number, f'item-{item.id}')}"
        files.append(Payload(f"{folder}/item.json", _item_json(item)))
        for stored in item.files:
            name = safe_name(stored.original_filename)
            path = f"{folder}/files/{stored.id}-{name}"
            files.append(Payload(path, storage.blob_path(stored.sha256)))
        events, head = queries.custody_chain(item), queries.chain_head(item)
        chain = reports.custody_jsonl(item, events, head, reader=access)
        files.append(Payload(f"{folder}/custody.jsonl", chain.encode("utf-8")))
        files.append(Payload(f"{folder}/custody-report.pdf", made.add(item, events, head)))
    return files


class _Reports:
    """The archive's custody reports, each checked and rendered as the writer nears it.

    Inside :func:`jit.pdf.rendering_in` (the close-out starts renderer processes) the
    writer reaching item ``n`` checks items ``n`` to ``n + AHEAD - 1`` here, in order,
    and hands their layout to the children, which render while this process hashes and
    writes files; at most ``AHEAD`` reports are held at once, whatever the team's size.
    Without a pool each report is made here when the writer reaches it.
    """

    AHEAD = 4

    def __init__(self, access):
        self.access = access
        self.pool = pdf.current_pool()
        self._items: list[tuple[EvidenceItem, list, object]] = []
        self._pending: dict[int, object] = {}  # index -> Future of the PDF bytes
        self._started = 0  # reports 0 .. _started - 1 are checked and handed out

    def add(self, item: EvidenceItem, events, head):
        """Register the item's report; return what the archive's writer calls for it."""
        index = len(self._items)
        self._items.append((item, events, head))

        def report():
            yield self._pdf_of(index)

        return report

    def _arguments(self, index: int) -> dict:
        """Check the item now (a recorded run and report) and return the report's inputs."""
        item, events, head = self._items[index]
        result, run = verification.prepare_custody_report(self.access, item, self.access.user)
        return {
            "access_log": queries.access_log(self.access, item),
            "events": events,
            "head": head,
            "verification": run,
            "result": result,
            "generated_for": self.access.user,
            "reader": self.access,
        }

    def _pdf_of(self, index: int) -> bytes:
        item = self._items[index][0]
        if self.pool is None:
            return reports.custody_report_pdf(item, **self._arguments(index))
        while self._started < min(len(self._items), index + self.AHEAD):
            html = reports.custody_report_html(
                self._items[self._started][0], **self._arguments(self._started)
            )
            self._pending[self._started] = self.pool.submit(
                html, reports.custody_report_css(), current_app.static_folder
            )
            self._started += 1
        try:
            return self._pending.pop(index).result()
        except Exception as error:  # the child's own error, or a renderer that died
            raise pdf.PdfRenderError(
                f"the custody report of {item.exhibit_number}: {type(error).__name__}: {error}"
            ) from error


def _item_json(item: EvidenceItem) -> bytes:
    record = {
        "exhibit_number": item.exhibit_number,
        "title": item.title,
        "description": item.description,
        "item_type": item.item_type,
        "party": item.party.short_label,
        "collected_by": item.collected_by,
        "collected_at": item.collected_at.isoformat(),
        "collected_time_zone": item.collected_time_zone,
        "collected_location": item.collected_location,
        "seized_from": item.seized_from,
        "legal_basis": item.legal_basis,
        "legal_reference": item.legal_reference,
        "visibility": item.visibility,
        "handling_code": item.handling_code,
        "handling_conditions": item.handling_conditions,
        "source_reliability": item.source_reliability,
        "information_accuracy": item.information_accuracy,
        "language": item.language,
        "files": [
            {
                "id": stored.id,
                "original_filename": stored.original_filename,
                "media_type": stored.media_type,
                "sha256": stored.sha256,
                "size_bytes": stored.size_bytes,
                "uploaded_at": stored.uploaded_at.isoformat(),
            }
            for stored in item.files
        ],
    }
    return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def retention_inventory(team) -> dict:
    """Answer :data:`jit.signals.retention_inventory`: items, blobs and chain heads."""
    numbers = list(
        db.session.scalars(
            select(EvidenceItem.exhibit_number)
            .where(EvidenceItem.team_id == team.id)
            .order_by(EvidenceItem.id)
        )
    )
    blobs = set(
        db.session.scalars(
            select(EvidenceFile.sha256)
            .join(EvidenceItem, EvidenceFile.item_id == EvidenceItem.id)
            .where(EvidenceItem.team_id == team.id)
        )
    )
    # The signed PDFs and packages of the team's final requests live in the blob store too.
    for column in (Bundle.pdf_sha256, Bundle.package_sha256):
        blobs |= set(
            db.session.scalars(select(column).where(Bundle.team_id == team.id, column.is_not(None)))
        )
    heads = db.session.execute(
        select(EvidenceItem.exhibit_number, CustodyChainHead.seq, CustodyChainHead.hash)
        .join(CustodyChainHead, CustodyChainHead.item_id == EvidenceItem.id)
        .where(EvidenceItem.team_id == team.id)
        .order_by(EvidenceItem.id)
    )
    return {
        "evidence_items": numbers,
        "blobs": sorted(blobs),
        "custody_chain_heads": [
            {"exhibit_number": number, "seq": seq, "hash": digest} for number, seq, digest in heads
        ],
    }


def blobs_in_use(_app, candidates: set[str], **_kwargs) -> list[str]:
    """Answer :data:`jit.signals.blobs_in_use`: the candidates a file or request still names."""
    found: list[str] = []
    ordered = sorted(candidates)
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        found += db.session.scalars(
            select(EvidenceFile.sha256).where(EvidenceFile.sha256.in_(batch)).distinct()
        )
        for column in (Bundle.pdf_sha256, Bundle.package_sha256):  # a request's PDF, package
            found += db.session.scalars(select(column).where(column.in_(batch)))
    return found
