"""`jit run` serves WebSockets through gunicorn; `--dev` is the only way to Werkzeug."""

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


GC_PROBE = """
import gc, time
from jit import server

hooks = server.gc_hooks(warm_seconds=0.2)
hooks["post_worker_init"](None)
assert gc.get_threshold() == server.GC_THRESHOLD, gc.get_threshold()
time.sleep(0.5)
assert gc.get_freeze_count() == 0  # not before the first request
hooks["pre_request"](None, None)
deadline = time.monotonic() + 30
while not gc.get_freeze_count() and time.monotonic() < deadline:
    time.sleep(0.05)
print(gc.get_freeze_count())
"""


def test_the_worker_tunes_the_collector_and_freezes_once_warm(app):
    """Young objects die young; what the worker built is frozen after its first requests."""
    import subprocess
    import sys
    from pathlib import Path

    options = server.gunicorn_options(app, host="127.0.0.1", port=5999, threads=64)
    assert callable(options["post_worker_init"])
    assert callable(options["pre_request"])
    # The worker's gc state is its own: the hooks run in a fresh interpreter here.
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", GC_PROBE],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 1000  # the interpreter's and the module's objects, frozen


def test_the_collector_tuning_can_be_left_off(app):
    app.config["SERVER_GC_TUNED"] = False
    options = server.gunicorn_options(app, host="127.0.0.1", port=5999, threads=64)
    assert "post_worker_init" not in options
    assert "pre_request" not in options
