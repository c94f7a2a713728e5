"""Sign-in sessions kept on the server: opened at sign-in, ended at sign-out, listed.

A signed cookie alone cannot be taken back: a copy made before sign-out would keep
working until it expires. So each sign-in gets a row in ``user_sessions`` and the
cookie carries a random key whose SHA-256 is that row's ``key_hash``; the person is
signed in only while the row is neither ended nor expired. Signing out ends one row
(that browser, and every copy of its cookie); the account's ``session_token`` still
ends them all at once (password change, disabling).
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from jit.accounts.models import User, UserSession
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.inputs import parse_plain_int

# Where the Flask session keeps this browser's sign-in key.
KEY = "_sign_in"
# ``last_seen_at`` is written at most this often, not on every request.
SEEN_EVERY = timedelta(minutes=5)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_session_id(session_id) -> tuple[int, str] | None:
    """Split the ``<user id>:<session token>`` a signed-in session holds; None if malformed."""
    if not isinstance(session_id, str):
        return None
    user_id, _, token = session_id.partition(":")
    number = parse_plain_int(user_id)
    return (number, token) if number is not None else None


def start(user: User, *, user_agent: str | None, ip_address: str | None) -> str:
    """Open a session for ``user`` in the current transaction; return the key for its cookie."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    _forget_finished(user, now)
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=_hash(key),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=current_app.config["SESSION_HOURS"]),
            user_agent=_printable(user_agent)[:200],
            ip_address=_printable(ip_address)[:45],
        )
    )
    return key


def _printable(text: str | None) -> str:
    """Keep what a client sent only as far as it is printable (no NUL for PostgreSQL)."""
    return "".join(c for c in (text or "")[:1000] if c.isprintable())


def _forget_finished(user: User, now) -> None:
    """Delete the person's ended and expired sessions; the audit log keeps their history."""
    db.session.execute(
        delete(UserSession)
        .where(UserSession.user_id == user.id)
        .where(or_(UserSession.ended_at.is_not(None), UserSession.expires_at <= now))
    )


def live_conditions(session_id, key) -> tuple | None:
    """The WHERE clauses on ``users`` and ``user_sessions`` that hold while a session lives.

    Shared by the page loader and the chat's per-event check, so both end at once.
    None when the cookie's values are malformed.
    """
    parsed = parse_session_id(session_id)
    if parsed is None or not isinstance(key, str):
        return None
    user_id, token = parsed
    return (
        User.id == user_id,
        User.session_token == token,
        User.is_disabled.is_(False),
        UserSession.user_id == User.id,
        UserSession.key_hash == _hash(key),
        UserSession.ended_at.is_(None),
        UserSession.expires_at > utcnow(),
    )


def load(session_id, key) -> tuple[User, UserSession] | None:
    """Return the account and session a cookie names while both are live, else None."""
    conditions = live_conditions(session_id, key)
    if conditions is None:
        return None
    row = db.session.execute(select(User, UserSession).where(*conditions)).first()
    return None if row is None else (row.User, row.UserSession)


def note_seen(record: UserSession) -> bool:
    """Move ``last_seen_at`` forward if it is older than :data:`SEEN_EVERY`; say if it moved."""
    now = utcnow()
    if now - record.last_seen_at < SEEN_EVERY:
        return False
    record.last_seen_at = now
    return True


def active(user: User) -> list[UserSession]:
    """The person's live sessions, the most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .where(UserSession.expires_at > utcnow())
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def sign_out(user: User, record: UserSession) -> None:
    """End this browser's session (and every copy of its cookie) and record the sign-out."""
    _end(record, "signed out")
    audit.record("auth.logout", target=user, new={"session": record.id}, actor=user)


def end_other(user: User, session_id: int) -> UserSession:
    """End one of the person's own sessions from another browser; LookupError if not theirs."""
    record = db.session.get(UserSession, session_id) if 0 < session_id < 2**63 else None
    if record is None or record.user_id != user.id or record.ended_at is not None:
        raise LookupError(session_id)
    _end(record, "ended from another session")
    audit.record(
        "auth.session_ended", target=user, new={"session": record.id, "by": "the account holder"}
    )
    return record


def end_all(user: User, reason: str, *, keep: UserSession | None = None) -> None:
    """End every live session of ``user`` but ``keep``."""
    for record in active(user):
        if keep is None or record.id != keep.id:
            _end(record, reason)


def _end(record: UserSession, reason: str) -> None:
    record.ended_at = utcnow()
    record.end_reason = reason[:40]
