"""Verify an exported audit file (CSV or JSONL) offline, against its signed chain head.

Needs the file and the workspace's public key, nothing else: no database, no server.
Every entry is re-linked to the one before; its hash is recomputed from its envelope
and content digest, and the digest from the content where the file carries it; the
last entry must be the signed head, and the signature must hold under the key.

A redacted entry of format 1 (written before entries were sealed) cannot have its hash
recomputed without its content: it is linked by its recorded hash only, and the
report names it, so the reader knows which entries a full export would check fully.

A log taken without the audit permission (jit/audit/reader_log.py) holds two more kinds
of row, both linked by their recorded hash only and counted in the report: an entry
*held back* (its place in the chain, nothing else), and an entry whose client address
is withheld (its content is there, not its digest, so the chain does not vouch for it).
"""

import csv
import io
import json
from dataclasses import dataclass, field

from jit import signing
from jit.audit import sealing
from jit.audit.exports import COLUMNS, EARLIER_COLUMNS, PERSON_COLUMNS
from jit.audit.reader_log import HELD_BACK, WITH_THE_ADDRESS
from jit.canonical import GENESIS_HASH
from jit.csv_cells import from_cell
from jit.inputs import parse_plain_int

INTEGER_COLUMNS = ("format", "seq", "team_id", "user_id")
HELD_BACK_ROW = {*HELD_BACK, "is_held_back"}
MAX_LINE = 16 * 1024 * 1024


class ExportBroken(ValueError):
    """The file does not verify; the message names where and why."""


@dataclass
class ExportReport:
    chain: str | None = None
    entries_checked: int = 0
    redacted: int = 0
    unchecked_older_entries: list[int] = field(default_factory=list)
    held_back: int = 0
    address_withheld: int = 0
    problem: str | None = None

    @property
    def is_intact(self) -> bool:
        return self.problem is None

    @property
    def is_fully_checked(self) -> bool:
        """Whether everything the file says of an entry is bound to the signed head.

        A held-back entry says nothing but its hash, so it leaves this true; an entry
        whose content the chain cannot vouch for (an older redacted one, one without its
        client address) makes it false.
        """
        return self.is_intact and not self.unchecked_older_entries and not self.address_withheld

    def describe(self) -> str:
        if not self.is_intact:
            return f"BROKEN: {self.problem}"
        text = (
            f"{self.chain}: intact, {self.entries_checked} entries "
            f"({self.redacted} redacted), ending at the signed head"
        )
        if self.unchecked_older_entries:
            numbers = ", ".join(f"#{seq}" for seq in self.unchecked_older_entries[:10])
            more = "…" if len(self.unchecked_older_entries) > 10 else ""
            text += (
                f"; {len(self.unchecked_older_entries)} redacted entries of the older format "
                f"({numbers}{more}) are linked by their recorded hash only: their hash covers "
                "their content, which this file leaves out"
            )
        if self.held_back:
            text += (
                f"; {self.held_back} entries are held back from this reader: only their place "
                "in the chain is in the file"
            )
        if self.address_withheld:
            text += (
                f"; {self.address_withheld} entries come without their client address and are "
                "linked by their recorded hash only: the address is hashed into the entry, so "
                "the chain does not vouch for their content (the archive's signature does)"
            )
        return text


def read_rows(text: str) -> list[dict]:
    """Return the rows of an exported file, JSONL or CSV, as typed dictionaries."""
    stripped = text.lstrip("\ufeff")
    if stripped.startswith("{"):
        rows = []
        for number, line in enumerate(stripped.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise ExportBroken(f"line {number} is not JSON") from None
            if not isinstance(row, dict):
                raise ExportBroken(f"line {number} is not a JSON object")
            rows.append(row)
        return rows
    return [_typed(row, number) for number, row in enumerate(_csv(stripped), start=2)]


def _csv(text: str):
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames not in (COLUMNS, EARLIER_COLUMNS):
        raise ExportBroken("the file is neither JSONL nor a CSV with this workspace's columns")
    return reader


def _typed(cells: dict, line: int) -> dict:
    row = {}
    for name, text in cells.items():
        if name is None or text is None:
            raise ExportBroken(f"CSV line {line} has the wrong number of cells")
        if text == "":
            row[name] = None
        elif name in INTEGER_COLUMNS:
            number = parse_plain_int(text, 0, 2**63 - 1)
            if number is None:
                raise ExportBroken(f"CSV line {line}: {name} is not a number")
            row[name] = number
        elif name in PERSON_COLUMNS:
            row[name] = from_cell(text)
        elif name == "is_redacted":
            row[name] = text == "true"
        elif name in ("old_values", "new_values"):
            try:
                row[name] = json.loads(text)
            except ValueError:
                raise ExportBroken(f"CSV line {line}: {name} is not JSON") from None
        else:
            row[name] = text
    return row


def verify_export(text: str, key: signing.VerifyingKey) -> ExportReport:
    """Check an exported file's every entry and its signed head under ``key``."""
    report = ExportReport()
    try:
        _walk(read_rows(text), key, report)
    except ExportBroken as broken:
        report.problem = str(broken)
    except (KeyError, TypeError, ValueError) as malformed:
        report.problem = f"the file is malformed ({type(malformed).__name__}: {malformed})"
    return report


def _walk(rows: list[dict], key: signing.VerifyingKey, report: ExportReport) -> None:
    if not rows or rows[-1].get("record") != "chain_head":
        raise ExportBroken("the file does not end with the signed chain head (cut short?)")
    *entries, head = rows
    report.chain = head["chain"]
    previous = GENESIS_HASH
    for expected_seq, row in enumerate(entries, start=1):
        where = f"entry #{row.get('seq')}"
        if row.get("record") != "entry" or row.get("chain") != report.chain:
            raise ExportBroken(f"{where}: not an entry of {report.chain}")
        if row["seq"] != expected_seq:
            raise ExportBroken(f"expected entry #{expected_seq}, found #{row['seq']}")
        if row["prev_hash"] != previous:
            raise ExportBroken(f"{where}: does not link to the entry before it")
        _check_entry(row, where, report)
        previous = row["hash"]
        report.entries_checked += 1
    if (head["seq"], head["hash"]) != (len(entries), previous):
        raise ExportBroken(
            f"the file ends at entry #{len(entries)} but its signed head is #{head['seq']}"
        )
    payload = signing.head_payload(
        {"log": "audit", "chain": report.chain},
        head["seq"],
        head["hash"],
        head["key_id"],
        head["signed_at"],
    )
    problem = key.check(head["key_id"], head["signature"], payload)
    if problem:
        raise ExportBroken(problem)


def _check_entry(row: dict, where: str, report: ExportReport) -> None:
    if row.get("is_held_back"):
        carried = sorted(set(row) - HELD_BACK_ROW)
        if carried:
            raise ExportBroken(f"{where}: held back but carries {', '.join(carried)}")
        report.held_back += 1
        return
    if row.get("is_address_withheld"):
        carried = [name for name in WITH_THE_ADDRESS if row.get(name) is not None]
        if carried:
            raise ExportBroken(f"{where}: its address is withheld but it carries {carried[0]}")
        report.address_withheld += 1
        return
    fields = {name: row[name] for name in sealing.ENVELOPE if name != "occurred_at"}
    fields |= {
        "occurred_at": row["occurred_at_utc"],
        "format": row["format"],
        "content_hash": row["content_hash"],
        "old_values": row["old_values"],
        "new_values": row["new_values"],
    }
    carries_content = any(row[name] is not None for name in ("old_values", "new_values"))
    if row["is_redacted"]:
        report.redacted += 1
        if carries_content or row["content_nonce"] is not None:
            raise ExportBroken(f"{where}: marked redacted but carries content")
        if row["format"] == sealing.WHOLE:
            report.unchecked_older_entries.append(row["seq"])
            return
    elif row["format"] != sealing.WHOLE:
        digest = sealing.content_digest(row["content_nonce"], row["old_values"], row["new_values"])
        if digest != row["content_hash"]:
            raise ExportBroken(f"{where}: its content no longer matches its digest")
    if sealing.entry_hash(fields) != row["hash"]:
        raise ExportBroken(f"{where}: its content no longer matches its hash")
