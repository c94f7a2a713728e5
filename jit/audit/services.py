"""Writing, verifying and exporting the audit log.

:func:`record` adds an entry to the caller's transaction; it never commits, so an
entry exists exactly when the change it describes does.
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from jit import signing
from jit.audit.models import PLATFORM_CHAIN, AuditChainHead, AuditEntry, team_chain
from jit.canonical import GENESIS_HASH
from jit.clock import utcnow
from jit.extensions import db

_FROM_REQUEST = object()


def _request_actor():
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def _request_ip():
    return request.remote_addr if has_request_context() else None


def _lock_head(chain: str) -> AuditChainHead:
    """Take the chain's head row for this transaction, so no other writer can fork it.

    A no-op UPDATE comes first: on PostgreSQL it locks the row like SELECT … FOR
    UPDATE; on SQLite (whose driver runs plain SELECTs outside any transaction) it
    opens the write transaction, so the head read next is the latest committed one.
    """
    db.session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.chain == chain)
        .values(seq=AuditChainHead.seq)
        .execution_options(synchronize_session=False)
    )
    statement = (
        select(AuditChainHead)
        .where(AuditChainHead.chain == chain)
        .execution_options(populate_existing=True)
    )
    head = db.session.execute(statement).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(chain=chain, seq=0, hash=GENESIS_HASH)
        db.session.add(head)
    return head


def head_payload(chain: str, seq: int, head_hash: str, key_id: str, signed_at) -> bytes:
    """Return the bytes the server signs for an audit chain's head."""
    return signing.head_payload({"log": "audit", "chain": chain}, seq, head_hash, key_id, signed_at)


def _sign_head(head: AuditChainHead, signed_at) -> None:
    key = signing.signing_key()
    head.signed_at, head.key_id = signed_at, key.key_id
    head.signature = key.sign(head_payload(head.chain, head.seq, head.hash, key.key_id, signed_at))


def record(
    operation: str,
    *,
    team=None,
    target=None,
    object_type: str | None = None,
    object_id=None,
    old: dict | None = None,
    new: dict | None = None,
    actor=_FROM_REQUEST,
    ip_address=_FROM_REQUEST,
) -> AuditEntry:
    """Append an entry to the team's chain (or the platform's) in the current transaction.

    ``target`` is any model instance; its table name and id become the object.
    ``actor`` and ``ip_address`` default to the signed-in user and the client address.
    """
    if actor is _FROM_REQUEST:
        actor = _request_actor()
    if ip_address is _FROM_REQUEST:
        ip_address = _request_ip()
    if target is not None:
        object_type = object_type or target.__tablename__
        object_id = target.id
    chain = team_chain(team.id) if team is not None else PLATFORM_CHAIN
    head = _lock_head(chain)
    entry = AuditEntry(
        chain=chain,
        seq=head.seq + 1,
        team_id=team.id if team is not None else None,
        occurred_at=utcnow(),
        actor_time_zone=actor.time_zone if actor is not None else "UTC",
        user_id=actor.id if actor is not None else None,
        operation=operation,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        old_values=old,
        new_values=new,
        ip_address=ip_address,
        prev_hash=head.hash,
    )
    entry.hash = entry.compute_hash()
    head.seq, head.hash = entry.seq, entry.hash
    _sign_head(head, entry.occurred_at)
    db.session.add(entry)
    return entry


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Return the old and new values of the keys whose value changed."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


@dataclass(frozen=True)
class ChainReport:
    chain: str
    entries_checked: int
    problem: str | None = None
    broken_seq: int | None = None
    broken_entry_id: int | None = None

    @property
    def is_intact(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        if self.is_intact:
            return f"{self.chain}: intact, {self.entries_checked} entries"
        where = f"entry #{self.broken_seq}" if self.broken_seq is not None else "chain head"
        if self.broken_entry_id is not None:
            where += f" (row id {self.broken_entry_id})"
        return f"{self.chain}: BROKEN at {where}: {self.problem}"


def verify_chain(chain: str) -> ChainReport:
    """Re-walk one chain in order and report the first entry that does not hold."""
    expected_seq, previous_hash, checked = 1, GENESIS_HASH, 0
    rows = db.session.execute(
        select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq),
        execution_options={"yield_per": 500},
    ).scalars()
    with rows:  # closes PostgreSQL's server-side cursor when a break stops the walk
        for entry in rows:
            if entry.seq != expected_seq:
                return ChainReport(
                    chain,
                    checked,
                    f"expected entry #{expected_seq}, found #{entry.seq} "
                    "(an entry was removed or reordered)",
                    entry.seq,
                    entry.id,
                )
            if entry.prev_hash != previous_hash:
                return ChainReport(
                    chain, checked, "does not link to the entry before it", entry.seq, entry.id
                )
            if entry.compute_hash() != entry.hash:
                return ChainReport(
                    chain, checked, "its content no longer matches its hash", entry.seq, entry.id
                )
            previous_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = db.session.get(AuditChainHead, chain)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (checked, previous_hash):
        return ChainReport(
            chain,
            checked,
            f"the chain ends at entry #{checked} but its recorded head is #{head_seq} "
            "(entries were removed from the end)",
            None,
            None,
        )
    if head is not None and head.seq:
        payload = head_payload(chain, head.seq, head.hash, head.key_id, head.signed_at)
        problem = signing.signing_key().check(head.key_id, head.signature, payload)
        if problem:
            return ChainReport(chain, checked, problem, None, None)
    return ChainReport(chain, checked)


def sign_unsigned_heads() -> list[str]:
    """Sign the heads written before heads were signed, if their chains verify; return them.

    A chain that does not verify stays unsigned, so `jit audit verify` keeps naming it.
    """
    signed = []
    unsigned = db.session.scalars(
        select(AuditChainHead).where(AuditChainHead.signature.is_(None), AuditChainHead.seq > 0)
    ).all()
    for head in unsigned:
        if verify_chain(head.chain).problem == "the chain head is not signed":
            _sign_head(head, utcnow())
            signed.append(head.chain)
    db.session.commit()
    return signed


def all_chains() -> list[str]:
    """Return the name of every audit chain: the platform's and each team's."""
    heads = db.session.scalars(select(AuditChainHead.chain))
    entries = db.session.scalars(select(AuditEntry.chain).distinct())
    return sorted(set(heads) | set(entries))


EXPORT_COLUMNS = [
    "seq",
    "occurred_at_utc",
    "actor_time_zone",
    "user_id",
    "user_email",
    "operation",
    "object_type",
    "object_id",
    "old_values",
    "new_values",
    "ip_address",
    "prev_hash",
    "hash",
]


def _export_rows(team) -> Iterator[dict]:
    statement = (
        select(AuditEntry)
        .options(joinedload(AuditEntry.user))
        .where(AuditEntry.chain == team_chain(team.id))
        .order_by(AuditEntry.seq)
    )
    rows = db.session.execute(statement, execution_options={"yield_per": 500})
    with rows:  # closes the server-side cursor even if the download is abandoned
        for entry in rows.scalars():
            yield {
                "seq": entry.seq,
                "occurred_at_utc": entry.occurred_at.isoformat(timespec="microseconds"),
                "actor_time_zone": entry.actor_time_zone,
                "user_id": entry.user_id,
                "user_email": entry.user.email if entry.user else None,
                "operation": entry.operation,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "old_values": entry.old_values,
                "new_values": entry.new_values,
                "ip_address": entry.ip_address,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }


def export_jsonl(team) -> Iterator[str]:
    """Yield the team's audit log as JSON lines, oldest entry first."""
    for row in _export_rows(team):
        yield json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"


def export_csv(team) -> Iterator[str]:
    """Yield the team's audit log as CSV, oldest entry first, in chunks."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for row in _export_rows(team):
        for key in ("old_values", "new_values"):
            if row[key] is not None:
                row[key] = json.dumps(row[key], ensure_ascii=False, sort_keys=True)
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
