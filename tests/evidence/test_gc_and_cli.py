"""`jit evidence gc` removes blobs a crash left unreferenced; `verify` exits non-zero on a break."""

import os
import time

from evidence import storage
from tests.evidence.conftest import stored_blobs


def _age(path, seconds):
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_gc_removes_only_old_unreferenced_blobs(app, runner, nl_member, make_item):
    item = make_item(nl_member, files=[("kept.txt", b"referenced")])
    orphan = storage.store_bytes(b"left behind by a crash")
    young = storage.store_bytes(b"an upload still committing")
    temp = storage.blob_dir() / "tmp" / "upload-abandoned"
    temp.write_bytes(b"partial")
    _age(storage.blob_path(orphan.sha256), 7200)
    _age(storage.blob_path(item.files[0].sha256), 7200)
    _age(temp, 7200)

    result = runner.invoke(args=["evidence", "gc"])
    assert result.exit_code == 0, result.output
    assert f"removed unreferenced blob {orphan.sha256}" in result.output
    assert "Removed 1 unreferenced blob(s) and 1 abandoned temporary file(s)" in result.output
    names = {path.name for path in stored_blobs(app)}
    assert names == {item.files[0].sha256, young.sha256}


def test_verify_cli_for_an_unknown_team(runner):
    result = runner.invoke(args=["evidence", "verify", "--team", "NOPE"])
    assert result.exit_code != 0
    assert "No team with the operation code NOPE" in result.output


def test_verify_cli_over_all_teams_fails_if_one_is_broken(
    runner, make_team, make_membership, make_item
):
    good = make_membership(make_team(), "member", "NL")
    bad = make_membership(make_team(), "member", "DE")
    make_item(good, files=[("a.txt", b"good")])
    broken = make_item(bad, files=[("b.txt", b"bad")])
    path = storage.blob_path(broken.files[0].sha256)
    path.chmod(0o640)
    path.write_bytes(b"evil")
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert f"{good.team.code}: Intact" in result.output
    assert f"{bad.team.code}: BROKEN" in result.output
    assert "item DE-0001, file" in result.output
