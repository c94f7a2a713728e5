"""Online backups of an instance, their verification, and restore into an empty instance.

A backup folder holds any number of snapshots beside one content-addressed blob store,
so each backup after the first copies only the evidence blobs that are new::

    DEST/
      blobs/ab/cd/<sha256>              evidence bytes, named by their SHA-256
      snapshots/<UTC time>/
        manifest.json                   every file's SHA-256 and size, the blobs, the
                                        chain heads at the moment of the snapshot
        manifest.sig                    Ed25519 signature of manifest.json (instance key)
        database.sqlite3 | database.pgdump
        instance/secret_key, instance/custody_signing_key.pem

The database copy is consistent while the server keeps writing: SQLite through its
online backup API, PostgreSQL through ``pg_dump`` on an exported snapshot, the chain
heads read from that same snapshot. Blobs are immutable and written before the rows
that name them, so every blob the snapshot refers to is in the store when it is
copied. Search indexes are left out: they are rebuilt from the database on restore.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Connection, make_url

from jit import signals, signing
from jit.audit.models import AuditChainHead
from jit.clock import utcnow
from jit.extensions import db
from jit.operations.health import blob_root

FORMAT = "jit-workspace/backup/v1"
CHUNK = 4 * 1024 * 1024
INSTANCE_FILES = ("secret_key", signing.KEY_FILE)
_HEX = set("0123456789abcdef")


class BackupError(Exception):
    """A backup or restore refused, with a message fit for the operator."""


@dataclass
class BackupReport:
    snapshot: Path
    blobs_total: int = 0
    blobs_copied: int = 0
    bytes_copied: int = 0
    problems: list[str] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------


def _sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _is_digest(name: str) -> bool:
    return len(name) == 64 and set(name) <= _HEX


def _blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def _iter_blobs(root: Path) -> Iterator[tuple[str, Path]]:
    """Yield ``(sha256, path)`` for each file stored under the blob layout in ``root``."""
    if not root.is_dir():
        return
    for first in sorted(root.iterdir()):
        if len(first.name) != 2 or not first.is_dir():
            continue  # tmp/ and anything else that is not the layout
        for second in sorted(first.iterdir()):
            if not second.is_dir():
                continue
            for path in sorted(second.iterdir()):
                if path.is_file() and _is_digest(path.name):
                    yield path.name, path


def _copy_verified(source: Path, target: Path, expected: str) -> int:
    """Copy ``source`` to ``target`` through a temporary file; refuse bytes that mismatch."""
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.partial")
    digest, size = hashlib.sha256(), 0
    try:
        with open(source, "rb") as reading, open(draft, "wb") as writing:
            while chunk := reading.read(CHUNK):
                digest.update(chunk)
                writing.write(chunk)
                size += len(chunk)
            writing.flush()
            os.fsync(writing.fileno())
        if digest.hexdigest() != expected:
            raise BackupError(
                f"{source} does not hold the bytes its name promises "
                f"(SHA-256 {digest.hexdigest()}): it is damaged"
            )
        os.replace(draft, target)
    finally:
        draft.unlink(missing_ok=True)
    return size


def _progress(items: list, label: str, show: bool):
    import click

    if not show:
        return _NullBar(items)
    return click.progressbar(items, label=label, file=None)


class _NullBar:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False


def _is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


def _database_url() -> str:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    """Find ``pg_dump``/``pg_restore``: beside ``JIT_PG_DUMP`` if set, else on the PATH."""
    configured = current_app.config.get("PG_DUMP")
    if configured:
        candidate = Path(configured).with_name(name) if name != "pg_dump" else Path(configured)
        if candidate.exists():
            return str(candidate)
        raise BackupError(f"{candidate} does not exist (from JIT_PG_DUMP)")
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not on the PATH; install PostgreSQL's client tools or set JIT_PG_DUMP"
        )
    return found


def read_heads(connection: Connection) -> dict:
    """Return every chain head (audit and, through the hook, the packages') on ``connection``."""
    audit = [
        {
            "chain": row.chain,
            "seq": row.seq,
            "hash": row.hash,
            "key_id": row.key_id,
            "signature": row.signature,
        }
        for row in connection.execute(
            select(AuditChainHead.__table__).order_by(AuditChainHead.chain)
        )
    ]
    return {"audit": audit} | signals.merged(signals.chain_heads, connection)


# --- backup -------------------------------------------------------------------------


def check_destination(dest: Path) -> Path:
    """Return ``dest`` resolved, or refuse one inside the instance or not writable."""
    dest = dest.expanduser().resolve()
    instance = Path(current_app.instance_path).resolve()
    for protected in (instance, blob_root().resolve()):
        if dest == protected or dest.is_relative_to(protected):
            raise BackupError(
                f"{dest} is inside {protected}: a backup must live elsewhere, ideally on "
                "another disk, or it is lost with what it protects"
            )
    try:
        dest.mkdir(parents=True, exist_ok=True)
        probe = dest / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise BackupError(f"cannot write to {dest}: {error.strerror or error}") from None
    return dest


def _dump_sqlite(url: str, target: Path) -> dict:
    source = sqlite3.connect(make_url(url).database)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent copy while writers go on (WAL)
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return read_heads(connection)
    finally:
        engine.dispose()


def _dump_postgresql(url: str, target: Path) -> dict:
    pg_dump = _pg_tool("pg_dump")
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection:
            snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            heads = read_heads(connection)
            # The transaction stays open while pg_dump reads the same snapshot.
            result = subprocess.run(  # noqa: S603 — fixed arguments, no shell
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    f"--file={target}",
                    f"--dbname={_libpq_url(url)}",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            connection.rollback()
    finally:
        engine.dispose()
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return heads


def _alembic_revision(connection: Connection) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    return sorted(MigrationContext.configure(connection).get_current_heads())


def backup(dest: Path, *, show_progress: bool = False) -> BackupReport:
    """Take an online snapshot of the instance into ``dest`` and return what was done."""
    dest = check_destination(dest)
    stamp = utcnow().astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    snapshots = dest / "snapshots"
    partial = snapshots / f".partial-{stamp}"
    final = snapshots / stamp
    partial.mkdir(parents=True)
    try:
        report = _write_snapshot(dest, partial, show_progress)
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    report.snapshot = final
    return report


def _write_snapshot(dest: Path, folder: Path, show_progress: bool) -> BackupReport:
    url = _database_url()
    if _is_postgresql(url):
        database_file = folder / "database.pgdump"
        heads = _dump_postgresql(url, database_file)
    else:
        database_file = folder / "database.sqlite3"
        heads = _dump_sqlite(url, database_file)
    with db.engine.connect() as connection:
        revision = _alembic_revision(connection)

    files = [_file_entry(folder, database_file)]
    keys = folder / "instance"
    keys.mkdir()
    for name in INSTANCE_FILES:
        source = Path(current_app.instance_path) / name
        if source.exists():
            target = keys / name
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
            files.append(_file_entry(folder, target))

    report = BackupReport(snapshot=folder)
    blobs = list(_iter_blobs(blob_root()))
    report.blobs_total = len(blobs)
    with _progress(blobs, "Copying new evidence blobs", show_progress) as bar:
        for sha256, path in bar:
            target = _blob_path(dest / "blobs", sha256)
            if target.exists():
                continue
            try:
                report.bytes_copied += _copy_verified(path, target, sha256)
                report.blobs_copied += 1
            except BackupError as damaged:
                report.problems.append(str(damaged))

    key = signing.signing_key()
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().astimezone(UTC).isoformat(),
        "database": {"kind": "postgresql" if _is_postgresql(url) else "sqlite"},
        "alembic_revision": revision,
        "files": files,
        "blobs": sorted(sha256 for sha256, _path in blobs),
        "chain_heads": heads,
        "key_id": key.key_id,
        "key_fingerprint": key.fingerprint,
        "problems": report.problems,
    }
    body = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
    (folder / "manifest.json").write_bytes(body)
    (folder / "manifest.sig").write_text(key.sign(body) + "\n", encoding="ascii")
    return report


def _file_entry(folder: Path, path: Path) -> dict:
    sha256, size = _sha256_of(path)
    return {"path": path.relative_to(folder).as_posix(), "sha256": sha256, "size": size}


# --- verification ----------------------------------------------------------------------


def snapshot_folder(source: Path, name: str | None = None) -> Path:
    """Return the named snapshot in a backup folder, or its newest one."""
    source = source.expanduser().resolve()
    snapshots = source / "snapshots"
    if not snapshots.is_dir():
        raise BackupError(f"{source} is not a JIT Workspace backup (no snapshots/ folder)")
    if name:
        folder = snapshots / name
        if name.startswith(".") or "/" in name or not folder.is_dir():
            raise BackupError(f"{source} has no snapshot named {name!r}")
        return folder
    found = sorted(path for path in snapshots.iterdir() if not path.name.startswith("."))
    if not found:
        raise BackupError(f"{source} holds no finished snapshot")
    return found[-1]


def load_manifest(folder: Path) -> dict:
    """Return a snapshot's manifest after checking its signature; refuse a changed one."""
    try:
        body = (folder / "manifest.json").read_bytes()
        signature = (folder / "manifest.sig").read_text(encoding="ascii").strip()
        manifest = json.loads(body)
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder}: manifest unreadable ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: not a {FORMAT} manifest")
    key_path = folder / "instance" / signing.KEY_FILE
    try:
        key = signing.load_key(key_path.parent) if key_path.exists() else None
    except (ValueError, RuntimeError):
        key = None
    if key is None or key.check(manifest.get("key_id"), signature, body) is not None:
        raise BackupError(
            f"{folder}: manifest.json does not match its signature: it was changed after "
            "the backup, or the snapshot's key is not the one that signed it"
        )
    return manifest


def verify(source: Path, name: str | None = None, progress: Callable | None = None) -> list[str]:
    """Check a snapshot without restoring it; return the problems found (empty: intact)."""
    folder = snapshot_folder(source, name)
    try:
        manifest = load_manifest(folder)
    except BackupError as refused:
        return [str(refused)]
    problems = []
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']}: missing")
            continue
        sha256, size = _sha256_of(path)
        if (sha256, size) != (entry["sha256"], entry["size"]):
            problems.append(
                f"{entry['path']}: expected SHA-256 {entry['sha256']} ({entry['size']} bytes), "
                f"found {sha256} ({size} bytes)"
            )
    blobs_root = source.expanduser().resolve() / "blobs"
    for sha256 in progress(manifest["blobs"]) if progress else manifest["blobs"]:
        path = _blob_path(blobs_root, sha256)
        if not path.is_file():
            problems.append(f"blob {sha256}: missing")
        elif _sha256_of(path)[0] != sha256:
            problems.append(f"blob {sha256}: its bytes changed (SHA-256 differs from its name)")
    return problems


# --- restore ------------------------------------------------------------------------


@dataclass
class RestoreReport:
    snapshot: Path
    blobs: int
    heads_match: bool
    head_differences: list[str]


def ensure_empty_instance() -> None:
    """Refuse to restore over an instance that already holds data."""
    tables = inspect(db.engine).get_table_names()
    if tables:
        raise BackupError(
            f"the database already has {len(tables)} table(s): restore only into an empty "
            "instance (a new database and instance folder)"
        )
    if next(_iter_blobs(blob_root()), None) is not None:
        raise BackupError(f"the blob store {blob_root()} is not empty")


def restore(source: Path, name: str | None = None, *, show_progress=False) -> RestoreReport:
    """Restore a verified snapshot into this empty instance; rebuild what backups leave out."""
    folder = snapshot_folder(source, name)
    ensure_empty_instance()
    problems = verify(source, name)
    if problems:
        raise BackupError(
            "the backup does not verify, nothing restored:\n  " + "\n  ".join(problems)
        )
    manifest = load_manifest(folder)
    url = _database_url()
    kind = "postgresql" if _is_postgresql(url) else "sqlite"
    if manifest["database"]["kind"] != kind:
        raise BackupError(
            f"the backup holds a {manifest['database']['kind']} database; this instance uses {kind}"
        )
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        _restore_sqlite(folder / "database.sqlite3", url)
    else:
        _restore_postgresql(folder / "database.pgdump", url)

    blobs_root = source.expanduser().resolve() / "blobs"
    with _progress(manifest["blobs"], "Restoring evidence blobs", show_progress) as bar:
        for sha256 in bar:
            _copy_verified(_blob_path(blobs_root, sha256), _blob_path(blob_root(), sha256), sha256)

    instance = Path(current_app.instance_path)
    for name_ in INSTANCE_FILES:
        saved = folder / "instance" / name_
        if saved.exists():
            shutil.copyfile(saved, instance / name_)
            os.chmod(instance / name_, 0o600)
    current_app.extensions.pop("jit_signing_key", None)  # use the restored key from now on

    with db.engine.connect() as connection:
        restored_heads = read_heads(connection)
    differences = _compare_heads(manifest["chain_heads"], restored_heads)
    signals.instance_restored.send(current_app._get_current_object())
    return RestoreReport(folder, len(manifest["blobs"]), not differences, differences)


def _restore_sqlite(saved: Path, url: str) -> None:
    target = Path(make_url(url).database)
    source = sqlite3.connect(saved)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _restore_postgresql(saved: Path, url: str) -> None:
    result = subprocess.run(  # noqa: S603 — fixed arguments, no shell
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_libpq_url(url)}",
            str(saved),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _compare_heads(expected: dict, found: dict) -> list[str]:
    differences = []
    for log in sorted(set(expected) | set(found)):
        want = {
            head["chain"] if "chain" in head else str(head): head for head in expected.get(log, [])
        }
        have = {
            head["chain"] if "chain" in head else str(head): head for head in found.get(log, [])
        }
        for chain in sorted(set(want) | set(have)):
            if want.get(chain) != have.get(chain):
                differences.append(
                    f"{log} chain {chain}: backup {want.get(chain)}, restored {have.get(chain)}"
                )
    return differences
