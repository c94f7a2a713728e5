"""What the audit record may show a reader of evidence items and their files.

Connected to :data:`jit.signals.record_visibility`: an entry about an item or one of
its files shows its content only to who may open the item (evidence/access.py).
"""

from flask import url_for
from sqlalchemy import select

from evidence.access import visible_items_filter
from evidence.models import EvidenceFile, EvidenceItem
from jit.audit.visibility import numeric_ids
from jit.extensions import db


def openable_evidence(access, objects: dict[str, set[str]]) -> dict:
    """Return the items and files among ``objects`` that ``access`` may open, with links."""
    opened: dict = {}
    item_ids = numeric_ids(objects.get("evidence_items", ()))
    if item_ids:
        rows = db.session.execute(
            select(EvidenceItem.id, EvidenceItem.exhibit_number).where(
                EvidenceItem.id.in_(item_ids), visible_items_filter(access)
            )
        )
        for item_id, exhibit in rows:
            opened[("evidence_items", str(item_id))] = _link(access, exhibit)
    file_ids = numeric_ids(objects.get("evidence_files", ()))
    if file_ids:
        rows = db.session.execute(
            select(EvidenceFile.id, EvidenceItem.exhibit_number)
            .join(EvidenceItem, EvidenceItem.id == EvidenceFile.item_id)
            .where(EvidenceFile.id.in_(file_ids), visible_items_filter(access))
        )
        for file_id, exhibit in rows:
            opened[("evidence_files", str(file_id))] = _link(access, exhibit)
    return opened


def _link(access, exhibit_number: str) -> str:
    return url_for("evidence.item", code=access.team.code, exhibit=exhibit_number)
