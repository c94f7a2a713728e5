"""Real servers for benchmarks, each on 127.0.0.1 and stopped by its owner.

``JitServer`` is ``jit run`` (gunicorn) in a subprocess; ``PostgreSQL`` a throwaway
cluster as ``scripts/test`` starts one (fsync on: benchmarks measure the real thing);
``Redis`` a throwaway ``redis-server``; ``Nginx`` Debian's nginx in the foreground
under a private prefix, serving a site that ``jit deploy nginx`` rendered.
"""

# ruff: noqa: S603  (runs jit, initdb/pg_ctl, redis-server and nginx, found by path)

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) one running process has used so far, from /proc, in seconds.

    Raises FileNotFoundError or ProcessLookupError once the process is gone.
    """
    after_name = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JitServer:
    """``jit run`` on a free port with the given ``JIT_*`` settings; waits until it answers."""

    def __init__(self, folder: Path, settings: dict, threads: int = 128, name: str = "server"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIT_")}
        env.update({f"JIT_{key}": str(value) for key, value in settings.items()})
        self.log_path = folder / f"{name}-{self.port}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        jit = Path(sys.executable).with_name("jit")
        self.process = subprocess.Popen(
            [str(jit), "run", "--port", str(self.port), "--threads", str(threads)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jit run exited:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"jit run did not answer:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class PostgreSQL:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (fsync on)."""

    def __init__(self, prefix: str = "jit-bench-pg-"):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not binaries:
            raise RuntimeError("PostgreSQL is not installed (apt install postgresql)")
        self.bin = binaries[-1]
        # Its own folder: an instance folder is private to this user, not to postgres.
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.port = free_port()
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self._as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust",
            "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-w",
            "-l", str(self.dir / "server.log"),
            "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
            "-c max_connections=300",
            "start",
        )  # fmt: skip
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command) -> None:
        subprocess.run([*self._as_postgres, *command], check=True, capture_output=True)

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """A throwaway ``redis-server`` on 127.0.0.1, nothing written to disk."""

    def __init__(self, folder: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt install redis-server)")
        self.port = free_port()
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class Nginx:
    """Debian's nginx in the foreground under ``folder``, serving ``site`` (an http-level file)."""

    def __init__(self, folder: Path, site: str):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise RuntimeError("nginx is not installed (apt install nginx)")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "jit.conf").write_text(site)
        temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir(exist_ok=True)
        (folder / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {folder}/jit.conf;
}}
"""
        )
        self.process = subprocess.Popen(
            [binary, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def wait_until_up(self, port: int) -> None:
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stderr.close()
