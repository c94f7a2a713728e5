"""`pip install .` (not only editable) ships templates, static files and migrations."""

import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Build from a clean copy: setuptools reuses an in-tree build/ folder, which would
    # carry files renamed or deleted since an earlier build into the wheel.
    source = tmp_path_factory.mktemp("source") / "jit-workspace"
    skip = shutil.ignore_patterns(
        ".git",
        ".venv*",
        "build",
        "dist",
        "instance",
        ".cache",
        "test-artifacts",
        "*.egg-info",
        "__pycache__",
        "node_modules",
    )
    shutil.copytree(ROOT, source, ignore=skip)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        cwd=out,
    )
    (built,) = out.glob("jit_workspace-*.whl")
    return built


def test_wheel_contains_what_the_app_serves(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in [
        "jit/app.py",
        "templates/base.html",
        "templates/accounts/login.html",
        "static/css/app.css",
        "static/js/app.js",
        "jit/migrations/env.py",
        "jit/migrations/alembic.ini",
        "jit/migrations/script.py.mako",
    ]:
        assert expected in names, expected
    assert any(name.startswith("jit/migrations/versions/") for name in names)
    assert not any("tests/" in name or name.endswith(".sqlite3") for name in names)


def test_installed_wheel_serves_pages(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = (
        textwrap.dedent(
            """
        import jit
        from jit.app import create_app
        from jit.commands import apply_migrations
        assert jit.__file__.startswith(SITE), jit.__file__
        app = create_app({"INSTANCE_PATH": INSTANCE})
        with app.app_context():
            apply_migrations()
        client = app.test_client()
        page = client.get("/login")
        assert page.status_code == 200 and b"Sign in" in page.data, page.status_code
        with client.get("/static/css/app.css") as css:
            assert css.status_code == 200 and b"--navy" in css.data
        print("served")
        """
        )
        .replace("SITE", repr(str(target)))
        .replace("INSTANCE", repr(str(tmp_path / "instance")))
    )
    # Run from an empty folder with only the installed copy first on the path.
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "served" in result.stdout
