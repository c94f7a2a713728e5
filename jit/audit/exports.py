"""The audit log as a file (CSV or JSONL) that verifies offline against its signed head.

One row per entry, oldest first, then one ``chain_head`` row: the head as signed when
the export began (its number, hash, key id, time and Ed25519 signature). An entry the
reader may not open at its source is exported *redacted*: its envelope and content
digest without the content and its nonce (jit/audit/sealing.py), so the file still
verifies. :func:`jit.audit.export_check.verify_export` checks a file.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from jit.audit import visibility
from jit.audit.models import AuditChainHead, AuditEntry, team_chain
from jit.csv_cells import to_cell
from jit.extensions import db

ENTRY_COLUMNS = [
    "record",
    "format",
    "chain",
    "seq",
    "team_id",
    "occurred_at_utc",
    "actor_time_zone",
    "user_id",
    "user_name",
    "user_email",
    "operation",
    "object_type",
    "object_id",
    "ip_address",
    "is_redacted",
    "old_values",
    "new_values",
    "content_nonce",
    "content_hash",
    "prev_hash",
    "hash",
]
HEAD_COLUMNS = ["key_id", "signed_at", "signature"]
COLUMNS = ENTRY_COLUMNS + HEAD_COLUMNS
# Files exported before the person's name was added beside the e-mail still verify.
EARLIER_COLUMNS = [name for name in COLUMNS if name != "user_name"]
# Neither name nor address is hashed into an entry: only they may be written for spreadsheets.
PERSON_COLUMNS = ("user_name", "user_email")
# Excel reads a CSV without a byte order mark in the machine's legacy code page.
BYTE_ORDER_MARK = "\ufeff"
BATCH = 500


def entry_row(entry: AuditEntry, is_redacted: bool) -> dict:
    """Return an entry as an export row: its envelope, and its content unless redacted."""
    return {
        "record": "entry",
        "format": entry.entry_format,
        "chain": entry.chain,
        "seq": entry.seq,
        "team_id": entry.team_id,
        "occurred_at_utc": entry.occurred_at.isoformat(timespec="microseconds"),
        "actor_time_zone": entry.actor_time_zone,
        "user_id": entry.user_id,
        "user_name": entry.user.display_name if entry.user else None,
        "user_email": entry.user.email if entry.user else None,
        "operation": entry.operation,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "ip_address": entry.ip_address,
        "is_redacted": is_redacted,
        "old_values": None if is_redacted else entry.old_values,
        "new_values": None if is_redacted else entry.new_values,
        "content_nonce": None if is_redacted else entry.content_nonce,
        "content_hash": entry.content_hash,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def export_rows(team, access=None) -> Iterator[dict]:
    """Yield the team's chain as export rows, redacted for ``access`` (None: whole)."""

    def rows(batch: list[AuditEntry]) -> Iterator[dict]:
        opened = visibility.openable(access, batch) if access is not None else None
        for entry in batch:
            is_redacted = opened is not None and not visibility.may_read(entry, opened)
            yield entry_row(entry, is_redacted)

    yield from chain_rows(team, rows)


def chain_rows(team, rows: Callable[[list[AuditEntry]], Iterable[dict]]) -> Iterator[dict]:
    """Yield ``rows`` of the team's entries, batch by batch, then the signed head's row.

    The head is read first and the entries up to it exported, so a write during the
    download neither breaks the file nor leaves it without a signed end.
    """
    chain = team_chain(team.id)
    head = db.session.get(AuditChainHead, chain)
    if head is None or not head.seq:
        return
    head_row = {
        "record": "chain_head",
        "chain": chain,
        "seq": head.seq,
        "hash": head.hash,
        "key_id": head.key_id,
        "signed_at": head.signed_at.isoformat(timespec="microseconds") if head.signed_at else None,
        "signature": head.signature,
    }
    last_seq = 0
    while last_seq < head_row["seq"]:
        batch = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.chain == chain, AuditEntry.seq > last_seq)
            .where(AuditEntry.seq <= head_row["seq"])
            .options(joinedload(AuditEntry.user))
            .order_by(AuditEntry.seq)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        yield from rows(batch)
        last_seq = batch[-1].seq
    yield head_row


def export_jsonl(team, access=None) -> Iterator[str]:
    return as_jsonl(export_rows(team, access))


def as_jsonl(rows: Iterable[dict]) -> Iterator[str]:
    """Write rows as JSON Lines, one object a line."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"


def export_csv(team, access=None) -> Iterator[str]:
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in export_rows(team, access):
        writer.writerow(csv_cells(row))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_cells(row: dict) -> dict:
    """Write a row's values as CSV text: JSON for the content, empty for None."""
    cells = {}
    for name, value in row.items():
        if name in ("old_values", "new_values") and value is not None:
            cells[name] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        elif name in PERSON_COLUMNS:
            cells[name] = to_cell(value)
        elif isinstance(value, bool):
            cells[name] = "true" if value else "false"
        else:
            cells[name] = "" if value is None else value
    return cells


# Full Content-Type values: given as a mimetype, Werkzeug would add a second charset.
WRITERS = {
    "csv": ("text/csv; charset=utf-8", export_csv),
    "jsonl": ("application/x-ndjson; charset=utf-8", export_jsonl),
}
