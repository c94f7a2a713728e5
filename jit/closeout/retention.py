"""Retention of a closed team's content, legal hold, and deletion with a signed certificate.

A team's content is kept for its retention period counted from the day the coordinator
closed it: the team's own (``jit retention period``), else what the agreement in force
at the end says (:data:`jit.signals.retention_period`: Article 14.1's years), else
``JIT_RETENTION_DAYS``; :class:`Period` says which. Then
:func:`apply` deletes it — every row that belongs to the team through ``team_id`` or
through a foreign key to such a row, except what the record needs (the team, its
parties and memberships, its audit log, its retention settings and certificates) —
removes the blobs nothing else refers to, and issues a :class:`DeletionCertificate`:
what was deleted (row counts, item numbers, blob hashes, chain heads), by whom and
when, signed with the instance key and entered in the platform and team audit chains.
Nothing is deleted while a legal hold is set.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from jit import signals, signing
from jit.audit import services as audit
from jit.audit.models import AuditChainHead, AuditEntry, team_chain
from jit.canonical import canonical_json
from jit.clock import utcnow
from jit.closeout.models import (
    CloseoutArchive,
    CustodyDeletionPermit,
    DeletionCertificate,
    TeamRetention,
)
from jit.extensions import db
from jit.operations.health import blob_root

# What retention never deletes: the team's frame and its record.
KEPT_TABLES = frozenset(
    {"teams", "parties", "memberships", "audit_entries"}
    | {"team_retention", "deletion_certificates"}
)
MAX_REASON = 1000
RUNNING, HELD, WAITING, DUE, DELETED = "running", "on_hold", "waiting", "due", "deleted"


class RetentionError(ValueError):
    """A retention step is refused; the message says why and nothing was changed."""


@dataclass(frozen=True)
class Period:
    """How long a closed team's content is kept, and who said so."""

    days: int | None = None  # a period in days (the team's own, or the workspace's)
    years: int | None = None  # a period in calendar years (the agreement's)
    source: str = ""  # "as Article 14.1 of the agreement (version 2) says", …

    def due_on(self, closed_on: date) -> date:
        """Return the day the content becomes due for deletion, having closed on ``closed_on``."""
        if self.years is None:
            return closed_on + timedelta(days=self.days)
        try:
            return closed_on.replace(year=closed_on.year + self.years)
        except ValueError:  # closed on 29 February: kept the whole years, due on 1 March
            return date(closed_on.year + self.years, 3, 1)

    @property
    def length(self) -> str:
        if self.years is not None:
            return "1 year" if self.years == 1 else f"{self.years} years"
        return "1 day" if self.days == 1 else f"{self.days} days"

    def __str__(self) -> str:
        return f"{self.length}, {self.source}"


def period_of(team, settings: TeamRetention | None = None) -> Period:
    """Return the team's retention period: its own, else its agreement's, else the default."""
    settings = settings if settings is not None else settings_of(team)
    if settings is not None and settings.retention_days:
        return Period(days=settings.retention_days, source="set for this team")
    stated = signals.first_value(signals.retention_period, team)
    if stated:
        return Period(years=int(stated["years"]), source=f"as {stated['source']} says")
    days = current_app.config["RETENTION_DAYS"]
    return Period(days=days, source="the workspace's default (JIT_RETENTION_DAYS)")


@dataclass
class Standing:
    """Where a team stands in its retention: closed when, due when, held, deleted."""

    team: object
    closed_at: object = None
    period: Period = field(default_factory=Period)
    retention_days: int = 0  # from the closing to the due day
    due_on: date | None = None
    settings: TeamRetention | None = None
    certificate: DeletionCertificate | None = None
    today: date = field(default_factory=lambda: utcnow().date())

    @property
    def state(self) -> str:
        if self.certificate is not None:
            return DELETED
        if self.settings is not None and self.settings.is_on_hold:
            return HELD
        if self.closed_at is None:
            return RUNNING
        return DUE if self.due_on <= self.today else WAITING

    def explanation(self) -> str:
        team = self.team.code
        if self.state == DELETED:
            issued = f"{self.certificate.issued_at:%Y-%m-%d}"
            return f"{team}: content deleted on {issued} (certificate {self.certificate.id})."
        if self.state == HELD:
            since = f"{self.settings.hold_set_at:%Y-%m-%d}"
            return f"{team}: on legal hold since {since}: {self.settings.hold_reason}"
        if self.state == RUNNING:
            return f"{team}: not closed; retention starts when the coordinator closes the team."
        when = f"closed {self.closed_at:%Y-%m-%d}, kept {self.period}"
        if self.state == WAITING:
            return f"{team}: {when}; due for deletion on {self.due_on}."
        return f"{team}: {when}; due for deletion since {self.due_on}."


def settings_of(team) -> TeamRetention | None:
    return db.session.get(TeamRetention, team.id)


def standing(team) -> Standing:
    """Return the team's retention standing today."""
    settings = settings_of(team)
    period = period_of(team, settings)
    end = signals.first_value(signals.team_ended, team) or {}
    closed_at = end.get("closed_at")
    due_on = period.due_on(closed_at.date()) if closed_at else None
    certificate = db.session.scalar(
        select(DeletionCertificate)
        .where(DeletionCertificate.team_id == team.id)
        .order_by(DeletionCertificate.id.desc())
        .limit(1)
    )
    return Standing(
        team=team,
        closed_at=closed_at,
        period=period,
        retention_days=(due_on - closed_at.date()).days if closed_at else 0,
        due_on=due_on,
        settings=settings,
        certificate=certificate,
    )


def _settings_for_change(team) -> TeamRetention:
    settings = settings_of(team)
    if settings is None:
        settings = TeamRetention(team_id=team.id)
        db.session.add(settings)
    return settings


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RetentionError("Give the reason (the proceedings or request that need the data).")
    if "\x00" in reason:
        raise RetentionError("The reason holds a NUL character; type it again.")
    if len(reason) > MAX_REASON:
        raise RetentionError(f"Keep the reason under {MAX_REASON} characters.")
    return reason


def set_hold(access, reason: str) -> TeamRetention:
    """Suspend the team's deletion for ``reason`` (coordinator; audited; caller commits)."""
    reason = _clean_reason(reason)
    if standing(access.team).state == DELETED:
        raise RetentionError("The team's content is already deleted; there is nothing to hold.")
    settings = _settings_for_change(access.team)
    if settings.is_on_hold:
        raise RetentionError("A legal hold is already set; lift it first to change its reason.")
    settings.hold_reason, settings.hold_set_at = reason, utcnow()
    settings.hold_set_by_id = access.user.id
    audit.record(
        "retention.legal_hold_set",
        team=access.team,
        target=access.team,
        new={"reason": reason},
        actor=access.user,
    )
    return settings


def lift_hold(access, reason: str) -> TeamRetention:
    """Lift the legal hold, saying why (coordinator; audited; caller commits)."""
    reason = _clean_reason(reason)
    settings = settings_of(access.team)
    if settings is None or not settings.is_on_hold:
        raise RetentionError("No legal hold is set.")
    old = settings.hold_reason
    settings.hold_reason = settings.hold_set_at = settings.hold_set_by_id = None
    audit.record(
        "retention.legal_hold_lifted",
        team=access.team,
        target=access.team,
        old={"reason": old},
        new={"reason": reason},
        actor=access.user,
    )
    return settings


def set_period(team, days: int) -> TeamRetention:
    """Set the team's own retention period in days (operator; audited; caller commits)."""
    if not 1 <= days <= 36500:
        raise RetentionError("A retention period is between 1 and 36500 days.")
    settings = _settings_for_change(team)
    old = settings.retention_days
    settings.retention_days = days
    audit.record(
        "retention.period_set",
        team=team,
        target=team,
        old={"retention_days": old},
        new={"retention_days": days},
        actor=None,
        ip_address=None,
    )
    return settings


# --- Deleting ------------------------------------------------------------------------


def _conditions(team_id: int) -> dict:
    """Return ``{table: condition}`` for every row that belongs to the team's content."""
    conditions: dict = {}
    for table in db.metadata.sorted_tables:  # parents before children
        if table.name in KEPT_TABLES:
            continue
        if "team_id" in table.c:
            conditions[table] = table.c.team_id == team_id
            continue
        links = [
            fk
            for fk in table.foreign_keys
            if fk.column.table in conditions and fk.column.table is not table
        ]
        if links:
            conditions[table] = or_(
                *(
                    fk.parent.in_(select(fk.column).where(conditions[fk.column.table]))
                    for fk in links
                )
            )
    return conditions


def plan(team) -> dict[str, int]:
    """Return how many rows of each table retention would delete (nothing is changed)."""
    counts = {}
    for table, condition in _conditions(team.id).items():
        count = db.session.scalar(select(func.count()).select_from(table).where(condition))
        if count:
            counts[table.name] = count
    return counts


def apply(team, *, operator: str) -> DeletionCertificate:
    """Delete the team's content now that it is due, and return the signed certificate."""
    found = standing(team)
    if found.state != DUE:
        raise RetentionError(found.explanation() + " Nothing was deleted.")
    inventory = signals.merged(signals.retention_inventory, team)
    archives = list(
        db.session.scalars(select(CloseoutArchive.sha256).where(CloseoutArchive.team_id == team.id))
    )
    candidates = set(inventory.get("blobs", [])) | set(archives)
    counts = plan(team)
    try:
        # The one exception to append-only custody, for this team, in this transaction.
        db.session.add(CustodyDeletionPermit(team_id=team.id))
        db.session.flush()
        for table, condition in reversed(list(_conditions(team.id).items())):
            db.session.execute(delete(table).where(condition))
        db.session.execute(
            delete(CustodyDeletionPermit).where(CustodyDeletionPermit.team_id == team.id)
        )
        db.session.flush()
    except IntegrityError as refused:
        db.session.rollback()
        raise RetentionError(
            f"{team.code}: another team's records refer to this team's content "
            f"({refused.orig}); nothing was deleted."
        ) from None
    db.session.expire_all()
    app = current_app._get_current_object()
    still_used = set(signals.values(signals.blobs_in_use, app, candidates=candidates))
    removable = sorted(candidates - still_used)
    head = db.session.get(AuditChainHead, team_chain(team.id))
    key = signing.signing_key()
    body = {
        "certificate": "deletion of a joint investigation team's content",
        "format": 1,
        "team": {"id": team.id, "code": team.code, "name": team.name},
        "closed_at": found.closed_at.isoformat(),
        "retention_days": found.retention_days,
        "retention_period": str(found.period),
        "due_on": found.due_on.isoformat(),
        "deleted_at": utcnow().isoformat(),
        "deleted_by": operator,
        "rows_deleted": counts,
        "closeout_archives": sorted(archives),
        "blobs_removed": removable,
        "team_audit_chain_head": {"seq": head.seq, "hash": head.hash} if head else None,
        "key_id": key.key_id,
        "key_fingerprint": key.fingerprint,
        **{name: value for name, value in inventory.items() if name != "blobs"},
        "blobs": sorted(inventory.get("blobs", [])),
    }
    signed = canonical_json(body)
    certificate = DeletionCertificate(
        team_id=team.id,
        issued_at=utcnow(),
        body=signed.decode("utf-8"),
        sha256=hashlib.sha256(signed).hexdigest(),
        key_id=key.key_id,
        signature=key.sign(signed),
    )
    db.session.add(certificate)
    db.session.flush()
    summary = {
        "team": team.code,
        "certificate_sha256": certificate.sha256,
        "rows_deleted": sum(counts.values()),
        "blobs_removed": len(removable),
    }
    for chain_team in (None, team):  # the platform's chain and the team's own
        audit.record(
            "retention.content_deleted",
            team=chain_team,
            target=certificate,
            new=summary,
            actor=None,
            ip_address=None,
        )
    db.session.commit()
    _remove_blobs(removable)
    signals.team_content_deleted.send(team)
    db.session.commit()
    return certificate


def _remove_blobs(hashes: list[str]) -> None:
    # After the commit: a crash in between leaves unreferenced blobs for `jit evidence gc`.
    root = blob_root()
    for sha256 in hashes:
        (root / sha256[:2] / sha256[2:4] / sha256).unlink(missing_ok=True)


# --- Checking a certificate -----------------------------------------------------------


def verify_certificate(certificate: DeletionCertificate) -> list[str]:
    """Return what is wrong with a stored certificate (empty: it holds)."""
    problems = []
    signed = certificate.body.encode("utf-8")
    if hashlib.sha256(signed).hexdigest() != certificate.sha256:
        problems.append("the certificate's text does not match its recorded SHA-256")
    key = signing.signing_key()
    if certificate.key_id != key.key_id:
        problems.append(f"signed with key {certificate.key_id}, not this workspace's key")
    elif key.check(certificate.key_id, certificate.signature, signed) is not None:
        problems.append("the Ed25519 signature over the certificate does not hold")
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.object_type == DeletionCertificate.__tablename__,
            AuditEntry.object_id == str(certificate.id),
            AuditEntry.operation == "retention.content_deleted",
        )
    ).all()
    if not any((entry.new_values or {}).get("certificate_sha256") == certificate.sha256
               for entry in entries if entry.chain == "platform"):  # fmt: skip
        problems.append("the platform audit log holds no entry with this certificate's hash")
    return problems


def certificate_document(certificate: DeletionCertificate) -> dict:
    """Return the certificate as a file anyone can check offline with the public key."""
    key = signing.signing_key()
    return {
        "certificate": json.loads(certificate.body),
        "canonical_sha256": certificate.sha256,
        "signature_ed25519_base64": certificate.signature,
        "key_id": certificate.key_id,
        "public_key_pem": key.public_pem().decode("ascii"),
    }
