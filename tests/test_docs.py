"""The docs a newcomer reads stay true: commands exist, every setting is documented."""

import os
from pathlib import Path

from jit.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def test_readme_quick_start_commands_exist_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for script in ("scripts/demo", "scripts/test"):
        assert f"./{script}" in readme
        assert os.access(ROOT / script, os.X_OK), script
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci


def test_every_setting_is_documented():
    documented = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"JIT_{s.name}" for s in SETTINGS if f"`JIT_{s.name}`" not in documented]
    assert missing == []
