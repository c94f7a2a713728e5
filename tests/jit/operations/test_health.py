"""``/healthz`` and ``/readyz``: no session, no audit noise, and 503 when not ready."""

import pytest
from sqlalchemy import func, select

from jit.app import create_app
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.conftest import _test_config


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_healthz_answers_without_a_session_or_an_audit_entry(client):
    before = _audit_count()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert _audit_count() == before


def test_readyz_reports_each_check_when_ready(client):
    before = _audit_count()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "blob_store": "ok", "redis": "ok"},
    }
    assert "Set-Cookie" not in response.headers
    assert _audit_count() == before


def _probe(config: dict, path="/readyz"):
    application = create_app(config)
    with application.app_context():
        try:
            return application.test_client().get(path)
        finally:
            db.engine.dispose()


def test_readyz_fails_when_the_database_is_gone(tmp_path):
    # Nothing listens on port 1: the connection is refused at once.
    config = _test_config(tmp_path / "gone", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = _probe(config)
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("database not reachable")
    assert _probe(config, "/healthz").status_code == 200


def test_readyz_fails_on_a_database_behind_its_migrations(tmp_path):
    folder = tmp_path / "unmigrated"
    response = _probe(_test_config(folder, f"sqlite:///{folder / 'jit.sqlite3'}"))
    assert response.status_code == 503
    assert "not at the newest migration" in response.get_json()["checks"]["database"]


class TestWithRedisConfigured:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"REDIS_URL": "redis://127.0.0.1:1/0"}

    def test_readyz_fails_when_configured_redis_is_unreachable(self, client):
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["redis"].startswith("Redis not reachable")
