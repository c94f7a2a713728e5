"""A platform administrator's help for someone locked out: a new password, a new second factor.

Each reset ends every session of the account (whoever holds one must sign in again),
is recorded in the platform's audit log with the administrator as actor, and never
applies to the administrator's own account (they use their account page).
"""

import secrets

from jit.accounts import security, sessions
from jit.accounts.models import User
from jit.accounts.services import AccountError
from jit.audit import services as audit
from jit.clock import utcnow

# No 0/O, 1/l/I: the password is read aloud or typed from a note.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_PASSWORD_LENGTH = 16


def _refuse_own(user: User, actor: User) -> None:
    if user.id == actor.id:
        raise AccountError("Reset your own account from your account page, not here.")


def _temporary_password() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, TEMPORARY_PASSWORD_LENGTH, 4))


def reset_password(user: User, *, actor: User) -> str:
    """Give ``user`` a new temporary password, end their sessions; return it (shown once)."""
    _refuse_own(user, actor)
    password = _temporary_password()
    user.password_hash = security.hash_password(password)
    user.password_changed_at = utcnow()
    user.rotate_session_token()
    sessions.end_all(user, "password reset by admin")
    audit.record("account.password_reset", target=user, new={"sessions_ended": True}, actor=actor)
    return password


def reset_second_factor(user: User, *, actor: User) -> None:
    """Remove ``user``'s authenticator and recovery codes so they enrol again; end sessions."""
    _refuse_own(user, actor)
    if not user.has_mfa and user.totp_secret is None:
        raise AccountError(f"{user.display_name} has no second factor to reset.")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_codes.clear()
    user.rotate_session_token()
    sessions.end_all(user, "second factor reset by admin")
    audit.record(
        "account.mfa_reset",
        target=user,
        old={"second_factor": "on"},
        new={"second_factor": "off"},
        actor=actor,
    )
