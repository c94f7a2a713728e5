"""``jit backup``, ``jit backup --verify`` and ``jit restore``."""

import json
import threading
from pathlib import Path

import pytest

from jit.audit import services as audit
from jit.extensions import db
from tests.jit.operations.conftest import run_in


@pytest.fixture
def case(app, make_team, make_membership, make_item):
    """A team with a member and two evidence items, one with two files."""
    team = make_team(code="OP-BACKUP")
    member = make_membership(team, role="member", party="NL")
    make_item(member, title="Phone", files=[("extraction.txt", b"call log " * 1000)])
    make_item(
        member,
        title="Ledger",
        files=[("ledger.csv", b"date,amount\n2026-03-01,5000\n"), ("scan.txt", b"scan")],
    )
    return member


def _snapshot(dest: Path) -> Path:
    return next(p for p in (dest / "snapshots").iterdir() if not p.name.startswith("."))


def test_backup_then_restore_into_an_empty_instance_verifies(
    app, runner, case, empty_instance, tmp_path
):
    dest = tmp_path / "backups"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "3 new blob(s)" in result.output

    manifest = json.loads((_snapshot(dest) / "manifest.json").read_text())
    assert len(manifest["blobs"]) == 3
    assert manifest["chain_heads"]["audit"], "the audit heads are in the manifest"
    assert len(manifest["chain_heads"]["custody"]) == 2

    restored = empty_instance()
    result = run_in(restored, "restore", str(dest))
    assert result.exit_code == 0, result.output
    assert "Restored snapshot" in result.output
    assert "All" in result.output
    assert "chains are intact" in result.output
    assert "The restored record verifies." in result.output
    with restored.app_context():
        from evidence.models import EvidenceItem

        titles = sorted(item.title for item in db.session.scalars(db.select(EvidenceItem)))
        db.session.remove()
        db.engine.dispose()
    assert titles == ["Ledger", "Phone"]


def test_second_backup_copies_only_new_blobs(app, runner, case, make_item, tmp_path):
    dest = tmp_path / "backups"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    make_item(case, title="New", files=[("new.txt", b"fresh bytes")])
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "1 new blob(s)" in result.output
    assert "of 4 copied" in result.output
    assert len([p for p in (dest / "snapshots").iterdir()]) == 2


def test_backup_taken_while_writes_go_on_restores_intact(
    app, runner, case, empty_instance, tmp_path
):
    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            while not stop.is_set():
                audit.record("test.write", team=case.team, actor=None, new={"n": len(written)})
                db.session.commit()
                written.append(1)
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            stop.wait(0.01)
        result = runner.invoke(args=["backup", str(tmp_path / "backups")])
        while len(written) < 10:
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert result.exit_code == 0, result.output

    restored = empty_instance()
    result = run_in(restored, "restore", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    assert "The restored record verifies." in result.output


def test_verify_passes_on_a_fresh_backup(app, runner, case, tmp_path):
    dest = tmp_path / "backups"
    runner.invoke(args=["backup", str(dest)])
    result = runner.invoke(args=["backup", "--verify", str(dest)])
    assert result.exit_code == 0, result.output
    assert "verifies: 2 file(s) and 3 blob(s)" in result.output


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_verify_names_a_changed_blob(app, runner, case, tmp_path):
    dest = tmp_path / "backups"
    runner.invoke(args=["backup", str(dest)])
    blob = next(p for p in (dest / "blobs").rglob("*") if p.is_file())
    _flip_a_byte(blob)
    result = runner.invoke(args=["backup", "--verify", str(dest)])
    assert result.exit_code == 1
    assert f"blob {blob.name}: its bytes changed" in result.output


def test_verify_names_a_changed_database_byte(app, runner, case, tmp_path):
    dest = tmp_path / "backups"
    runner.invoke(args=["backup", str(dest)])
    database = next(_snapshot(dest).glob("database.*"))
    _flip_a_byte(database)
    result = runner.invoke(args=["backup", "--verify", str(dest)])
    assert result.exit_code == 1
    assert f"{database.name}: expected SHA-256" in result.output


def test_restore_refuses_a_changed_manifest_and_writes_nothing(
    app, runner, case, empty_instance, tmp_path
):
    dest = tmp_path / "backups"
    runner.invoke(args=["backup", str(dest)])
    manifest = _snapshot(dest) / "manifest.json"
    manifest.write_text(
        manifest.read_text()
        .replace('"sqlite"', '"sqlite" ')
        .replace('"postgresql"', '"postgresql" ')
    )
    restored = empty_instance()
    result = run_in(restored, "restore", str(dest))
    assert result.exit_code != 0
    assert "does not match its signature" in result.output
    with restored.app_context():
        from sqlalchemy import inspect

        assert inspect(db.engine).get_table_names() == []
        db.engine.dispose()
    blobs = Path(restored.instance_path) / "blobs"
    assert not [path for path in blobs.rglob("*") if path.is_file()]


def test_restore_refuses_an_instance_that_holds_data(app, runner, case, tmp_path):
    dest = tmp_path / "backups"
    runner.invoke(args=["backup", str(dest)])
    result = runner.invoke(args=["restore", str(dest)])
    assert result.exit_code != 0
    assert "restore only into an empty instance" in result.output


def test_backup_refuses_a_destination_inside_the_instance(app, runner, case):
    inside = Path(app.instance_path) / "backups"
    result = runner.invoke(args=["backup", str(inside)])
    assert result.exit_code != 0
    assert "a backup must live elsewhere" in result.output
    assert not inside.exists()


def test_backup_refuses_a_destination_it_cannot_write(app, runner, case, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(args=["backup", str(blocker / "backups")])
    assert result.exit_code != 0
    assert "cannot write to" in result.output


def test_verify_of_a_folder_that_is_no_backup_says_so(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "--verify", str(tmp_path)])
    assert result.exit_code != 0
    assert "is not a JIT Workspace backup" in result.output
