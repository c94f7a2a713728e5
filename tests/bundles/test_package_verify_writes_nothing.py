"""The real `jit bundle verify` writes nothing where it runs: no instance, key or catalogue.

A clerk checks a package on a laptop with no workspace installed: the check must not
build the app, which would make ``./instance/`` with a secret key, a fresh signing key
and compiled translations in whatever folder the clerk happens to be in.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _jit(*args: str, cwd: Path, **env_extra: str) -> subprocess.CompletedProcess:
    # No JIT_* setting from the test run: a built app would make ./instance/ in ``cwd``.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIT_", "FLASK_"))}
    env["PYTHONPATH"] = str(ROOT)  # this checkout, whatever the venv's editable install names
    env.update(env_extra)
    return subprocess.run(
        [str(Path(sys.executable).with_name("jit")), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _everything_in(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*")}


def _inputs(packaged, folder: Path) -> dict[str, Path]:
    good = folder / "package.zip"
    shutil.copyfile(packaged.path, good)
    tampered = folder / "tampered.zip"
    raw = bytearray(good.read_bytes())
    raw[raw.index(b"%PDF-1.4 ledger ") + 5] ^= 0x01  # a byte of a stored evidence file
    tampered.write_bytes(bytes(raw))
    not_a_bag = folder / "notes"
    not_a_bag.mkdir()
    (not_a_bag / "notes.txt").write_text("hello")
    escaping = folder / "escaping.zip"
    with zipfile.ZipFile(escaping, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\n")
        archive.writestr("bag/../../escaped.txt", "outside")
    return {"good": good, "tampered": tampered, "not a bag": not_a_bag, "escaping": escaping}


def test_verifying_writes_nothing_and_exits_0_or_1(packaged, tmp_path):
    here = tmp_path / "clerk"
    here.mkdir()
    inputs = _inputs(packaged, here)
    before = _everything_in(tmp_path)
    expected = {"good": 0, "tampered": 1, "not a bag": 1, "escaping": 1}
    for command in ("bundle", "bag"):  # a request's package; any bag the workspace wrote
        for label, path in inputs.items():
            done = _jit(command, "verify", path.name, cwd=here)
            assert done.returncode == expected[label], (command, label, done.stdout, done.stderr)
            assert "Traceback" not in done.stderr, (command, label, done.stderr)
            assert _everything_in(tmp_path) == before, (command, label)
    good = _jit("bundle", "verify", "package.zip", cwd=here)
    assert good.stdout.rstrip().endswith("package.zip verifies.")
    tampered = _jit("bundle", "verify", "tampered.zip", cwd=here)
    assert "BAD  manifest-sha256.txt: line " in tampered.stdout
    escaping = _jit("bundle", "verify", "escaping.zip", cwd=here)
    assert "points outside the bag; nothing was extracted or checked." in escaping.stderr
    assert _everything_in(tmp_path) == before


def test_the_other_commands_still_build_the_app(tmp_path):
    instance = tmp_path / "instance"
    listed = _jit("--help", cwd=tmp_path, JIT_INSTANCE_PATH=str(instance))
    assert listed.returncode == 0, listed.stderr
    commands = {line.split()[0] for line in listed.stdout.splitlines() if line.startswith("  ")}
    assert {"bundle", "bag", "evidence", "audit", "db", "routes"} <= commands
    assert (instance / "secret_key").exists()  # the app was built, in its instance
    routes = _jit("routes", cwd=tmp_path, JIT_INSTANCE_PATH=str(instance))
    assert routes.returncode == 0, routes.stderr
    assert "/login" in routes.stdout
