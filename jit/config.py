"""Configuration: safe embedded defaults, overridden by ``JIT_*`` environment variables.

Every setting a deployment may change is listed in :data:`SETTINGS` with its type and
default, so the README's configuration table and this file describe the same thing.
"""

import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type
    default: object
    help: str


SETTINGS = [
    Setting("SECRET_KEY", str, None, "Session signing key; generated into the instance folder"),
    Setting("INSTANCE_PATH", str, None, "Folder for the database, keys and blobs (./instance)"),
    Setting("DATABASE_URL", str, None, "SQLAlchemy URL; SQLite in the instance folder by default"),
    Setting("REQUIRE_MFA", bool, False, "Force every account to enrol a TOTP second factor"),
    Setting("SECURE_COOKIES", bool, False, "Mark cookies Secure (set behind HTTPS)"),
    Setting("DEFAULT_TIME_ZONE", str, "UTC", "Time zone for new accounts"),
    Setting("LOGIN_MAX_FAILURES", int, 5, "Failed sign-ins per account before lock-out"),
    Setting("LOGIN_MAX_FAILURES_PER_IP", int, 20, "Failed sign-ins per IP before lock-out"),
    Setting("LOGIN_LOCKOUT_MINUTES", int, 15, "Length of a lock-out and of the counting window"),
    Setting("SESSION_HOURS", int, 12, "Lifetime of a signed-in session"),
    Setting("MAX_REQUEST_MB", int, 16, "Largest request body accepted outside uploads"),
    Setting("MAX_UPLOAD_MB", int, 2048, "Largest evidence upload (all files of one request)"),
    Setting(
        "MAX_TRANSLATION_MB",
        int,
        10,
        "Largest translation file attached to a legal request (within MAX_REQUEST_MB)",
    ),
    Setting(
        "UPLOAD_IDLE_SECONDS",
        int,
        120,
        "An upload that sends nothing for this long is cut off (its server thread freed)",
    ),
    Setting("BLOB_DIR", str, None, "Folder of the evidence blob store (<instance>/blobs)"),
    Setting("BLOB_DIRECT_IO", bool, True, "Write evidence blobs with O_DIRECT where supported"),
    Setting("TRUSTED_PROXIES", int, 0, "Number of reverse proxies whose X-Forwarded-* to trust"),
    Setting(
        "AGREEMENT_REQUIRED",
        bool,
        False,
        "Refuse evidence and bundles in a team with no agreement recorded in the workspace",
    ),
    Setting("DEMO_PASSWORD", str, None, "Password for demo accounts; generated when unset"),
    Setting("DATABASE_POOL_SIZE", int, 10, "Database connections each server process keeps open"),
    Setting(
        "DATABASE_POOL_OVERFLOW",
        int,
        10,
        "Connections a process may open beyond the pool at busy moments",
    ),
    Setting(
        "DATABASE_POOL_TIMEOUT",
        int,
        10,
        "Seconds a request waits for a free database connection before it fails",
    ),
    Setting(
        "SQLITE_CHECKPOINT_SECONDS",
        int,
        1,
        "SQLite: checkpoint the WAL in the background this often (0: inside commits)",
    ),
    Setting(
        "GIL_SWITCH_MS",
        float,
        1.0,
        "Milliseconds a server thread may hold Python's GIL while others wait for it",
    ),
    Setting("REDIS_URL", str, None, "Redis for Socket.IO fan-out across server processes"),
    Setting(
        "SEARCH_BACKEND",
        str,
        None,
        "whoosh or postgresql; by default PostgreSQL full-text on PostgreSQL, else Whoosh",
    ),
    Setting(
        "SEARCH_INDEX_DIR", str, None, "Folder of the Whoosh indexes (<instance>/search-index)"
    ),
    Setting("SEARCH_WORKER", bool, True, "Run the index writer in server processes"),
    Setting(
        "SEARCH_WRITER",
        str,
        "process",
        "Whoosh: the index writer in a child process (process) or a server thread (thread)",
    ),
    Setting(
        "SEARCH_WRITER_NICE",
        int,
        10,
        "Whoosh: how much lower the writer process's CPU priority is than the server's",
    ),
    Setting("SEARCH_POLL_SECONDS", int, 2, "How often the index writer looks for outbox rows"),
    Setting(
        "SEARCH_GATHER_SECONDS",
        float,
        0.5,
        "How long the index writer, once woken, lets changes gather before one commit",
    ),
    Setting(
        "SEARCH_TIDY_SECONDS",
        float,
        30,
        "Whoosh: after this long without a change, merge the index's small segments (0: never)",
    ),
    Setting("LOG_FORMAT", str, "text", "Log lines as text, or json (one object a line)"),
    Setting(
        "PG_DUMP",
        str,
        None,
        "Path of pg_dump for `jit backup` on PostgreSQL (pg_restore beside it); else the PATH",
    ),
    Setting(
        "REQUEST_SIGNING_CERT",
        str,
        None,
        "PEM certificate that signs request PDFs (an authority's); else the instance's own",
    ),
    Setting(
        "REQUEST_SIGNING_KEY",
        str,
        None,
        "PEM private key of JIT_REQUEST_SIGNING_CERT (both must be set to take effect)",
    ),
    Setting(
        "REPORT_WORKERS",
        int,
        None,
        "Child processes that render a request package's custody reports at finalising "
        "(0: in the server process); min(2, CPUs) when unset",
    ),
    Setting(
        "REPORT_PRERENDER",
        bool,
        True,
        "Render the custody reports of draft requests' items ahead, in a background thread "
        "of server processes, so finalising reuses them",
    ),
    Setting(
        "TRACING_ANSWER_DAYS",
        int,
        30,
        "Days to answer an incoming firearms tracing request (the ITI sets no number)",
    ),
    Setting(
        "REQUEST_TIME_ZONE",
        str,
        "Europe/Brussels",
        "Time zone whose calendar days count a sent request's deadlines",
    ),
    Setting("DEADLINE_EIO_RECOGNITION_DAYS", int, 30, "EIO: decide recognition (art. 12(3))"),
    Setting("DEADLINE_EIO_EXECUTION_DAYS", int, 90, "EIO: execute after recognition (art. 12(4))"),
    Setting("DEADLINE_EAW_DECISION_DAYS", int, 60, "EAW: decide after the arrest (art. 17(3))"),
    Setting("DEADLINE_EAW_EXTENSION_DAYS", int, 30, "EAW: the further days of art. 17(4)"),
    Setting("DEADLINE_MLA_DAYS", int, 0, "MLA: days to answer after sending (0: none)"),
    Setting("DEADLINE_EXTRADITION_DAYS", int, 0, "Extradition: days after sending (0: none)"),
    Setting("DEADLINE_TRACING_DAYS", int, 0, "Outgoing tracing: days after sending (0: none)"),
    Setting("CHAT_MAX_MESSAGE_CHARS", int, 4000, "Longest chat message accepted, in characters"),
    Setting(
        "CHAT_RATE_MESSAGES",
        int,
        10,
        "Chat messages a person may send per CHAT_RATE_SECONDS, sustained (0: no limit)",
    ),
    Setting("CHAT_RATE_SECONDS", int, 5, "The period of CHAT_RATE_MESSAGES"),
    Setting("CHAT_RATE_BURST", int, 20, "Chat messages a person may send at once after a pause"),
    Setting(
        "CHAT_EVENT_RATE",
        int,
        20,
        "Other chat requests (joins, history, read marks, typing...) a person may make per "
        "second, sustained (0: no limit)",
    ),
    Setting("CHAT_EVENT_BURST", int, 100, "Other chat requests a person may make at once"),
    Setting(
        "CHAT_SEND_QUEUE",
        int,
        1000,
        "Chat sends a process takes in at once (checked, queued, written) before refusing more",
    ),
    Setting(
        "CHAT_SEND_WAIT_SECONDS",
        float,
        20.0,
        "Seconds a chat send waits to be stored before it is answered 'not confirmed yet' "
        "(the page waits 10 s longer for the answer)",
    ),
    Setting(
        "CHAT_EVENT_THREADS",
        int,
        1000,
        "Threads a process keeps for chat events at most (more events wait in order)",
    ),
    Setting(
        "CHAT_ALLOWED_ORIGINS",
        str,
        "",
        "Extra origins allowed to open chat sockets (comma-separated)",
    ),
    Setting(
        "RETENTION_DAYS",
        int,
        1095,
        "Days a closed team's content is kept before `jit retention run --apply` deletes it, "
        "when its agreement states no period (Article 14.1)",
    ),
]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(setting: Setting, raw: str):
    if setting.kind is bool:
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ValueError(f"JIT_{setting.name} must be 1 or 0, not {raw!r}")
    if setting.kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"JIT_{setting.name} must be a whole number, not {raw!r}") from None
    if setting.kind is float:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"JIT_{setting.name} must be a number of 0 or more, not {raw!r}")
        return value
    return raw


def from_environment(environ=os.environ) -> dict:
    """Return the settings given as ``JIT_*`` variables, parsed, keyed without the prefix."""
    found = {}
    for setting in SETTINGS:
        raw = environ.get(f"JIT_{setting.name}")
        if raw is not None:
            found[setting.name] = _parse(setting, raw)
    return found


def defaults() -> dict:
    return {s.name: s.default for s in SETTINGS if s.default is not None}


def instance_path(overrides: dict) -> Path:
    """Return the absolute instance folder (``JIT_INSTANCE_PATH`` or ``./instance``)."""
    raw = overrides.get("INSTANCE_PATH") or os.environ.get("JIT_INSTANCE_PATH") or "instance"
    return Path(raw).expanduser().resolve()


def load_or_create_secret(folder: Path) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first use."""
    path = folder / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'jit.sqlite3'}"
