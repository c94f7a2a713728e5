"""`jit run` serves WebSockets through gunicorn; `--dev` is the only way to Werkzeug."""

import sys

import pytest

from jit import server


def test_gunicorn_runs_the_threaded_worker_without_a_control_socket(app):
    options = server.gunicorn_options(app, host="127.0.0.1", port=5999, threads=64)
    assert options["worker_class"] == "gthread"
    assert options["workers"] == 1  # Socket.IO needs a client's requests in one process
    assert options["threads"] == 64
    assert options["control_socket_disable"] is True


def test_run_uses_gunicorn_unless_dev_is_given(runner, monkeypatch):
    calls = []
    monkeypatch.setattr(server, "serve", lambda app, **kw: calls.append(("gunicorn", kw)))
    monkeypatch.setattr(
        server, "serve_development", lambda app, **kw: calls.append(("werkzeug", kw))
    )
    assert runner.invoke(args=["run", "--port", "5998"]).exit_code == 0
    assert runner.invoke(args=["run", "--dev", "--port", "5997"]).exit_code == 0
    assert calls == [
        ("gunicorn", {"host": "127.0.0.1", "port": 5998, "threads": 128}),
        ("werkzeug", {"host": "127.0.0.1", "port": 5997}),
    ]


def test_the_gil_switch_interval_is_a_setting(app):
    before = sys.getswitchinterval()
    try:
        server.set_gil_switch(app)
        assert sys.getswitchinterval() == pytest.approx(0.001)  # the default, 1 ms
        app.config["GIL_SWITCH_MS"] = 5.0
        server.set_gil_switch(app)
        assert sys.getswitchinterval() == pytest.approx(0.005)
    finally:
        sys.setswitchinterval(before)
