"""Every write to accounts: sign-in, throttling, second factor, passwords, admin changes.

Each function adds its audit entry to the same transaction and leaves the commit to
the caller, so a refused step writes nothing but its audit entry.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum, auto

from flask import current_app
from sqlalchemy import func, select

from jit.accounts import security, sessions
from jit.accounts.models import LoginThrottle, RecoveryCode, User
from jit.audit import services as audit
from jit.clock import time_zone_names, utcnow
from jit.extensions import db


class AccountError(ValueError):
    """A refused account operation, with a message fit to show the person."""


class LockedOut(AccountError):
    """Sign-in refused because of too many failures (answered with 429)."""


def normalise_email(email: str) -> str:
    """Return ``email`` as accounts store it: trimmed, lower case."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Return the account with this e-mail address, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


@dataclass(frozen=True)
class Lockout:
    minutes_left: int

    @property
    def message(self) -> str:
        unit = "minute" if self.minutes_left == 1 else "minutes"
        return (
            "Too many failed sign-in attempts. Sign-in is locked for "
            f"{self.minutes_left} more {unit}; ask your coordinator if you need access sooner."
        )


def _throttle_keys(email: str, ip_address: str | None) -> list[tuple[str, int]]:
    config = current_app.config
    keys = [(f"account:{normalise_email(email)}", config["LOGIN_MAX_FAILURES"])]
    if ip_address:
        keys.append((f"ip:{ip_address}", config["LOGIN_MAX_FAILURES_PER_IP"]))
    return keys


def current_lockout(email: str, ip_address: str | None) -> Lockout | None:
    """Return the lock-out in force for this account or address, if any."""
    now = utcnow()
    for key, _limit in _throttle_keys(email, ip_address):
        throttle = db.session.get(LoginThrottle, key)
        if throttle and throttle.locked_until and throttle.locked_until > now:
            seconds = (throttle.locked_until - now).total_seconds()
            return Lockout(minutes_left=max(1, int(-(-seconds // 60))))
    return None


def _count_failure(email: str, ip_address: str | None) -> None:
    now = utcnow()
    window = timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    for key, limit in _throttle_keys(email, ip_address):
        throttle = db.session.get(LoginThrottle, key)
        if throttle is None:
            throttle = LoginThrottle(key=key, failures=0, window_started_at=now)
            db.session.add(throttle)
        if now - throttle.window_started_at > window:
            throttle.failures, throttle.window_started_at = 0, now
        throttle.failures += 1
        if throttle.failures >= limit:
            throttle.locked_until = now + window
            throttle.failures, throttle.window_started_at = 0, now


def _clear_failures(email: str) -> None:
    throttle = db.session.get(LoginThrottle, f"account:{normalise_email(email)}")
    if throttle is not None:
        db.session.delete(throttle)


class SignIn(Enum):
    SIGNED_IN = auto()
    NEEDS_SECOND_FACTOR = auto()


def check_password_step(email: str, password: str, ip_address: str | None) -> tuple[SignIn, User]:
    """Check the first factor; raise :class:`AccountError` with the reason shown to the person."""
    lockout = current_lockout(email, ip_address)
    if lockout:
        audit.record("auth.login_refused_locked", new={"email": normalise_email(email)}, actor=None)
        raise LockedOut(lockout.message)
    user = find_user_by_email(email)
    if user is None:
        security.burn_password_check(password)
    if user is None or not security.verify_password(user.password_hash, password):
        _count_failure(email, ip_address)
        audit.record(
            "auth.login_failed",
            target=user,
            object_type="users",
            new={"email": normalise_email(email), "reason": "wrong e-mail or password"},
            actor=None,
        )
        raise AccountError("The e-mail address or password is not correct.")
    if user.is_disabled:
        audit.record("auth.login_refused_disabled", target=user, actor=None)
        raise AccountError("This account is disabled. Ask the platform administrator.")
    if security.password_needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    if user.has_mfa:
        return SignIn.NEEDS_SECOND_FACTOR, user
    _complete_sign_in(user, method="password")
    return SignIn.SIGNED_IN, user


def check_second_factor(user: User, code: str, ip_address: str | None) -> str:
    """Accept a TOTP code or an unused recovery code; return which one was used."""
    lockout = current_lockout(user.email, ip_address)
    if lockout:
        audit.record("auth.login_refused_locked", target=user, actor=None)
        raise LockedOut(lockout.message)
    method = _consume_totp(user, code) or _consume_recovery_code(user, code)
    if method is None:
        _count_failure(user.email, ip_address)
        audit.record(
            "auth.login_failed",
            target=user,
            new={"reason": "wrong second-factor code"},
            actor=None,
        )
        raise AccountError(
            "That code is not valid. Use the current 6-digit code from your authenticator "
            "app (each code works once), or one of your unused recovery codes."
        )
    _complete_sign_in(user, method=method)
    return method


def _consume_totp(user: User, code: str) -> str | None:
    step = security.matching_totp_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return None
    user.totp_last_step = step
    return "totp"


def _consume_recovery_code(user: User, code: str) -> str | None:
    wanted = security.normalise_recovery_code(code)
    if len(wanted) != 10:
        return None
    for recovery in user.recovery_codes:
        if recovery.used_at is None and security.verify_password(recovery.code_hash, wanted):
            recovery.used_at = utcnow()
            return "recovery_code"
    return None


def _complete_sign_in(user: User, *, method: str) -> None:
    user.last_login_at = utcnow()
    _clear_failures(user.email)
    audit.record("auth.login", target=user, new={"method": method}, actor=user)


def pending_totp_secret(user: User) -> str:
    """Return the secret to enrol with, creating it once; it takes effect only when confirmed.

    Kept on the account (not in the cookie) so that reloading the page or opening it
    in a second tab shows the same QR code.
    """
    if user.totp_secret is None:
        user.totp_secret = security.new_totp_secret()
    return user.totp_secret


def confirm_mfa_enrolment(user: User, code: str) -> list[str]:
    """Enable TOTP once the person proves their app works; return new recovery codes."""
    step = security.matching_totp_step(pending_totp_secret(user), code)
    if step is None:
        raise AccountError(
            "That code does not match. Check the time on your phone and enter the current code."
        )
    user.totp_last_step, user.totp_enabled_at = step, utcnow()
    codes = _replace_recovery_codes(user)
    audit.record("account.mfa_enabled", target=user)
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; return the new ones, shown once."""
    codes = _replace_recovery_codes(user)
    audit.record("account.recovery_codes_regenerated", target=user)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    codes = security.new_recovery_codes()
    user.recovery_codes.clear()
    for code in codes:
        hashed = security.hash_password(security.normalise_recovery_code(code))
        user.recovery_codes.append(RecoveryCode(code_hash=hashed))
    return codes


def unused_recovery_codes(user: User) -> int:
    """Return how many of the user's recovery codes are still unused."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def change_password(user: User, current: str, new: str, *, keep=None) -> None:
    """Change the password and end every session of the account but ``keep``."""
    if not security.verify_password(user.password_hash, current):
        audit.record(
            "account.password_change_refused", target=user, new={"reason": "wrong password"}
        )
        raise AccountError("Your current password is not correct.")
    problem = security.password_problem(new, email=user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = security.hash_password(new)
    user.password_changed_at = utcnow()
    # The new token ends every session; the one changing the password is signed in again.
    user.rotate_session_token()
    sessions.end_all(user, "password changed", keep=keep)
    audit.record("account.password_changed", target=user)


def set_time_zone(user: User, time_zone: str) -> None:
    """Set the zone the user's times are shown in; AccountError if unknown."""
    if time_zone not in time_zone_names():
        raise AccountError(f"Unknown time zone {time_zone!r}. Pick one from the list.")
    old, new = audit.diff({"time_zone": user.time_zone}, {"time_zone": time_zone})
    user.time_zone = time_zone
    if new:
        audit.record("account.time_zone_changed", target=user, old=old, new=new)


def create_user(
    email: str,
    display_name: str,
    password: str,
    *,
    is_platform_admin: bool = False,
    time_zone: str | None = None,
    actor=None,
) -> User:
    """Create an account; ``actor`` is the admin doing it (None from the CLI)."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise AccountError("Enter a valid e-mail address.")
    if not display_name.strip():
        raise AccountError("Enter the person's name.")
    if find_user_by_email(email):
        raise AccountError(f"An account with the e-mail address {email} already exists.")
    problem = security.password_problem(password, email=email)
    if problem:
        raise AccountError(problem)
    time_zone = time_zone or current_app.config["DEFAULT_TIME_ZONE"]
    if time_zone not in time_zone_names():
        raise AccountError(f"Unknown time zone {time_zone!r}.")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=security.hash_password(password),
        is_platform_admin=is_platform_admin,
        time_zone=time_zone,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "account.created",
        target=user,
        new={
            "email": email,
            "display_name": user.display_name,
            "is_platform_admin": is_platform_admin,
        },
        actor=actor,
    )
    return user


def set_disabled(user: User, is_disabled: bool, *, actor: User) -> None:
    """Disable an account (ending its sessions) or re-enable it; never one's own."""
    if user.id == actor.id and is_disabled:
        raise AccountError("You cannot disable your own account.")
    if user.is_disabled == is_disabled:
        return
    user.is_disabled = is_disabled
    if is_disabled:
        user.rotate_session_token()
        sessions.end_all(user, "account disabled")
    audit.record(
        "account.disabled" if is_disabled else "account.enabled",
        target=user,
        old={"is_disabled": not is_disabled},
        new={"is_disabled": is_disabled},
        actor=actor,
    )
