"""Password hashing (Argon2id), TOTP codes and recovery codes."""

import secrets
import time

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

# argon2-cffi's defaults are the RFC 9106 "low memory" Argon2id profile. The test suite
# sets PASSWORD_HASH_FAST for a cheap Argon2id profile; hashes verify with either.
_hasher = PasswordHasher()
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _current_hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast_hasher
    return _hasher


MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "JIT Workspace"
RECOVERY_CODE_COUNT = 10


def hash_password(password: str) -> str:
    return _current_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _current_hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _current_hasher().check_needs_rehash(password_hash)


# A constant hash to verify against when the account does not exist, so that an
# unknown e-mail address takes as long to refuse as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def password_problem(password: str, *, email: str = "") -> str | None:
    """Return why ``password`` is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if email and password.lower() == email.lower():
        return "The password must not be your e-mail address."
    if len(set(password)) < 5:
        return "The password repeats too few different characters."
    return None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=TOTP_ISSUER)


def totp_qr_data_uri(uri: str) -> str:
    """Render the enrolment QR code locally as an SVG data URI (no external service)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def matching_totp_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """Return the time step ``code`` belongs to (allowing one step of drift), or None."""
    code = code.strip().replace(" ", "")
    # ASCII only: str.isdigit() takes "²²²²²²", which compare_digest() refuses to compare.
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = totp.timecode(int(now))
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Return fresh codes formatted ``xxxxx-xxxxx`` for people to write down."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalise_recovery_code(code: str) -> str:
    return code.strip().lower().replace(" ", "").replace("-", "")
