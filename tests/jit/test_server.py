"""`jit run` applies migrations and serves with a production server, never the debugger."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_jit_run_serves_a_fresh_instance(tmp_path):
    port = _free_port()
    env = {**os.environ, "JIT_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("JIT_DATABASE_URL", None)
    jit = Path(sys.executable).with_name("jit")
    server = subprocess.Popen(
        [str(jit), "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, response = time.monotonic() + 60, None
        while time.monotonic() < deadline and response is None:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            except OSError:
                time.sleep(0.3)
        assert response is not None, "the server did not answer"
        with response:
            assert response.status == 200
            assert b"Sign in" in response.read()
            assert "Werkzeug" not in response.headers.get("Server", "")
        assert (tmp_path / "instance" / "jit.sqlite3").exists()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Running upgrade" in output  # migrations were applied at start
    assert "Debugger is active" not in output
    assert "development server" not in output


def test_jit_db_upgrade_builds_a_fresh_database(tmp_path):
    env = {**os.environ, "JIT_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("JIT_DATABASE_URL", None)
    jit = Path(sys.executable).with_name("jit")
    result = subprocess.run(
        [str(jit), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    again = subprocess.run(
        [str(jit), "db", "current"], env=env, capture_output=True, text=True, timeout=120
    )
    assert "(head)" in again.stdout, again.stdout + again.stderr
