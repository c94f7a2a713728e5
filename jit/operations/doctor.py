"""``jit doctor``: check an installation's configuration and say what is wrong.

Each check returns findings: a level (``problem`` or ``advice``), what is wrong and
what to do. A problem makes the command exit 1; advice does not.
"""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from jit.operations.health import READINESS_CHECKS, blob_root

PROBLEM, ADVICE = "problem", "advice"


@dataclass(frozen=True)
class Finding:
    level: str
    what: str
    fix: str

    def describe(self) -> str:
        return f"{self.level.upper()}: {self.what}\n    → {self.fix}"


def _secret_key() -> list[Finding]:
    if os.environ.get("JIT_SECRET_KEY"):
        return []
    path = Path(current_app.instance_path) / "secret_key"
    if not path.exists():
        return []
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return [
            Finding(
                PROBLEM,
                f"{path} is readable by others (mode {mode:o}): anyone who reads it can "
                "forge sessions",
                f"chmod 600 {path}",
            )
        ]
    return []


def _signing_key() -> list[Finding]:
    from jit.signing import KEY_FILE

    path = Path(current_app.instance_path) / KEY_FILE
    if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
        return [
            Finding(
                PROBLEM,
                f"{path} is readable by others: anyone who reads it can sign a rewritten "
                "audit or custody chain",
                f"chmod 600 {path}",
            )
        ]
    return []


def _cookies() -> list[Finding]:
    config = current_app.config
    if config.get("TRUSTED_PROXIES") and not config.get("SECURE_COOKIES"):
        return [
            Finding(
                PROBLEM,
                "JIT_TRUSTED_PROXIES is set (served behind a proxy, normally over HTTPS) but "
                "JIT_SECURE_COOKIES is off: session cookies would also travel over plain HTTP",
                "set JIT_SECURE_COOKIES=1",
            )
        ]
    return []


def _blob_store() -> list[Finding]:
    root = blob_root()
    staging = root / "tmp"
    if not root.exists():
        return [Finding(ADVICE, f"the blob store {root} does not exist yet", "it is made on use")]
    if staging.exists() and staging.stat().st_dev != root.stat().st_dev:
        return [
            Finding(
                PROBLEM,
                f"{staging} (where uploads are staged) is on another file system than the "
                f"blob store {root}: finishing an upload would copy it instead of renaming",
                "keep the blob store's tmp folder on the same volume",
            )
        ]
    return []


def _scale_out() -> list[Finding]:
    config = current_app.config
    url = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
    if url.startswith("postgresql") and not config.get("REDIS_URL"):
        return [
            Finding(
                ADVICE,
                "PostgreSQL without JIT_REDIS_URL: if several server processes run, chat "
                "messages reach only the people connected to the process that sent them",
                "set JIT_REDIS_URL when you run more than one `jit run` process",
            )
        ]
    return []


def _mfa() -> list[Finding]:
    if not current_app.config.get("REQUIRE_MFA"):
        return [
            Finding(
                ADVICE,
                "JIT_REQUIRE_MFA is off: accounts may sign in with a password alone",
                "set JIT_REQUIRE_MFA=1 for a live case",
            )
        ]
    return []


def _readiness() -> list[Finding]:
    findings = []
    for name, check in READINESS_CHECKS.items():
        problem = check()
        if problem:
            findings.append(Finding(PROBLEM, problem, f"see docs/operations.md ({name})"))
    return findings


CHECKS = [_secret_key, _signing_key, _cookies, _blob_store, _scale_out, _mfa, _readiness]


def diagnose() -> list[Finding]:
    """Return every finding of every check, problems first."""
    findings = [finding for check in CHECKS for finding in check()]
    return sorted(findings, key=lambda finding: finding.level != PROBLEM)
