"""Request ids on responses and in JSON log lines."""

import json
import logging

import pytest

from jit.operations.logs import JsonFormatter


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/login").headers["X-Request-Id"]
    assert len(first) == 32
    assert first != second


def test_an_untrusted_client_cannot_choose_its_request_id(client):
    response = client.get("/healthz", headers={"X-Request-Id": "chosen-by-client-123"})
    assert response.headers["X-Request-Id"] != "chosen-by-client-123"


class TestBehindATrustedProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"TRUSTED_PROXIES": 1, "LOG_FORMAT": "json"}

    def test_the_proxy_request_id_is_kept_when_well_formed(self, client):
        response = client.get("/healthz", headers={"X-Request-Id": "proxy-req-0001"})
        assert response.headers["X-Request-Id"] == "proxy-req-0001"

    @pytest.mark.parametrize("bad", ["short", "x" * 65, "bad id with spaces", "id\u00e9-unicode-1"])
    def test_a_malformed_request_id_is_replaced(self, client, bad):
        response = client.get("/healthz", headers={"X-Request-Id": bad})
        assert response.headers["X-Request-Id"] != bad

    def test_each_request_writes_one_json_access_line_with_its_id(self, client, caplog):
        with caplog.at_level(logging.INFO, logger="jit.access"):
            response = client.get("/healthz", headers={"X-Request-Id": "proxy-req-0002"})
        records = [r for r in caplog.records if r.name == "jit.access"]
        assert len(records) == 1
        line = json.loads(JsonFormatter().format(records[0]))
        assert line["request_id"] == response.headers["X-Request-Id"] == "proxy-req-0002"
        assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
        assert line["level"] == "info"
        assert line["time"].endswith("+00:00")


def test_an_unknown_log_format_stops_the_start_with_a_message(app_config):
    from jit.app import create_app

    with pytest.raises(ValueError, match="JIT_LOG_FORMAT must be one of text, json"):
        create_app(app_config | {"LOG_FORMAT": "xml"})


def test_migrating_leaves_the_app_loggers_enabled(app):
    from jit.commands import apply_migrations

    access = logging.getLogger("jit.access")
    app.logger.info("touch the app's logger so it exists before the migration runs")
    apply_migrations()
    assert not access.disabled
    assert not app.logger.disabled
