"""Configuration from JIT_* variables, a generated secret, SQLite in WAL mode."""

import stat

import pytest
from sqlalchemy import text

from jit.app import create_app
from jit.config import from_environment
from jit.extensions import db


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("JIT_SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    secret_file = tmp_path / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 48
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    other = create_app({"INSTANCE_PATH": str(tmp_path / "other")})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_environment_variables_configure_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("JIT_INSTANCE_PATH", str(tmp_path / "from-env"))
    monkeypatch.setenv("JIT_SECRET_KEY", "a-secret-from-the-environment")
    monkeypatch.setenv("JIT_REQUIRE_MFA", "1")
    monkeypatch.setenv("JIT_SECURE_COOKIES", "true")
    monkeypatch.setenv("JIT_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    app = create_app()
    assert app.instance_path == str(tmp_path / "from-env")
    assert app.config["SECRET_KEY"] == "a-secret-from-the-environment"
    assert app.config["REQUIRE_MFA"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("elsewhere.db")
    assert not (tmp_path / "from-env" / "secret_key").exists()


def test_embedded_default_is_sqlite_in_wal_mode_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("JIT_DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'jit.sqlite3'}"
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("JIT_REQUIRE_MFA", "perhaps", "JIT_REQUIRE_MFA must be 1 or 0"),
        ("JIT_LOGIN_MAX_FAILURES", "five", "JIT_LOGIN_MAX_FAILURES must be a whole number"),
        ("JIT_GIL_SWITCH_MS", "fast", "JIT_GIL_SWITCH_MS must be a number of 0 or more"),
        ("JIT_GIL_SWITCH_MS", "nan", "JIT_GIL_SWITCH_MS must be a number of 0 or more"),
        ("JIT_SEARCH_GATHER_SECONDS", "-1", "JIT_SEARCH_GATHER_SECONDS must be a number"),
    ],
)
def test_bad_settings_are_named(name, value, message):
    with pytest.raises(ValueError, match=message):
        from_environment({name: value})


def test_a_setting_in_fractions_is_read_as_a_number():
    # Both were kept as text before: "5" / 1000 failed where the value was used.
    assert from_environment({"JIT_GIL_SWITCH_MS": "5", "JIT_SEARCH_GATHER_SECONDS": "0.25"}) == {
        "GIL_SWITCH_MS": 5.0,
        "SEARCH_GATHER_SECONDS": 0.25,
    }


def test_a_chat_without_event_threads_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="JIT_CHAT_EVENT_THREADS must be at least 1"):
        create_app({"INSTANCE_PATH": str(tmp_path), "CHAT_EVENT_THREADS": 0})
