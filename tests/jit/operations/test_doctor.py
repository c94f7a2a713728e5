"""``jit doctor`` names what is wrong with an installation."""

import os
from pathlib import Path

import pytest


def test_doctor_names_a_secret_key_others_can_read(app, runner):
    path = Path(app.instance_path) / "secret_key"
    path.write_text("k" * 64)
    os.chmod(path, 0o644)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert f"PROBLEM: {path} is readable by others" in result.output
    assert f"chmod 600 {path}" in result.output


def test_doctor_passes_a_private_secret_key(app, runner):
    path = Path(app.instance_path) / "secret_key"
    path.write_text("k" * 64)
    os.chmod(path, 0o600)
    result = runner.invoke(args=["doctor"])
    assert "secret_key is readable" not in result.output
    assert result.exit_code == 0, result.output


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"TRUSTED_PROXIES": 1, "SECURE_COOKIES": False}

    def test_doctor_names_insecure_cookies_behind_a_proxy(self, runner):
        result = runner.invoke(args=["doctor"])
        assert result.exit_code == 1
        assert "JIT_SECURE_COOKIES is off" in result.output
        assert "set JIT_SECURE_COOKIES=1" in result.output
