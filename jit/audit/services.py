"""Writing, verifying and exporting the audit log.

:func:`record` adds an entry to the caller's transaction; it never commits, so an
entry exists exactly when the change it describes does.
"""

from dataclasses import dataclass

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from jit.audit.models import PLATFORM_CHAIN, AuditChainHead, AuditEntry, team_chain
from jit.canonical import GENESIS_HASH
from jit.chains import SignedHeads
from jit.clock import utcnow
from jit.extensions import db

_FROM_REQUEST = object()


def _request_actor():
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def _request_ip():
    return request.remote_addr if has_request_context() else None


def _chain_name(chain: str) -> dict:
    return {"log": "audit", "chain": chain}


HEADS = SignedHeads(AuditChainHead, "chain", _chain_name)


def head_payload(chain: str, seq: int, head_hash: str, key_id: str, signed_at) -> bytes:
    """Return the bytes the server signs for an audit chain's head."""
    return HEADS.payload(chain, seq, head_hash, key_id, signed_at)


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
    head = HEADS.lock(chain)
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
    entry.seal()
    HEADS.advance(head, entry.seq, entry.hash, entry.occurred_at)
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
            problem = entry.problem()
            if problem:
                return ChainReport(chain, checked, problem, entry.seq, entry.id)
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
        problem = HEADS.check(head)
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
            HEADS.sign(head, utcnow())
            signed.append(head.chain)
    db.session.commit()
    return signed


def verify_and_record(chains: list[str], *, team=None, actor=_FROM_REQUEST) -> list[ChainReport]:
    """Verify ``chains`` and write the outcome to the log (the team's, or the platform's).

    The one verification the CLI and the pages share; the caller commits.
    """
    reports = [verify_chain(chain) for chain in chains]
    broken = [report.describe() for report in reports if not report.is_intact]
    options = {} if actor is _FROM_REQUEST else {"actor": actor, "ip_address": None}
    record("audit.verified", team=team, new={"chains": len(reports), "broken": broken}, **options)
    return reports


def all_chains() -> list[str]:
    """Return the name of every audit chain: the platform's and each team's."""
    heads = db.session.scalars(select(AuditChainHead.chain))
    entries = db.session.scalars(select(AuditEntry.chain).distinct())
    return sorted(set(heads) | set(entries))


def record_export(team, fmt: str, *, actor=_FROM_REQUEST) -> AuditEntry:
    """Write that the team's log is being exported; the export then contains this entry."""
    options = {} if actor is _FROM_REQUEST else {"actor": actor, "ip_address": None}
    return record("audit.exported", team=team, new={"format": fmt}, **options)
