"""Evidence ingest benchmark: real ``jit run`` server, real HTTP uploads of 100 MiB and 1 GiB.

    .venv/bin/python benchmarks/ingest/run.py              # 100 MiB and 1 GiB
    .venv/bin/python benchmarks/ingest/run.py --sizes 100  # sizes in MiB

For each size a fresh server (gunicorn, gthread, SQLite instance) is started, a member
signs in over HTTP and uploads the file through the evidence form's endpoint as
multipart/form-data — the body is sent with ``sendfile`` so the client costs little CPU.
First one 64 KiB file is uploaded and not measured: a fresh worker's first upload also
pays for compiling its SQL statements and importing lazily loaded modules (about
10 ms), which a running workspace pays once, not per upload. Then the file is uploaded
several times (``--repeat``), its first bytes changed each time so that every upload is
new content, as the disk of a shared machine is slow now and then. It prints, for every
upload and as the median per size:

* the upload throughput as a ratio to ``hashlib.sha256`` hashing the same file in this
  process just before that upload (both read the file from the page cache);
* the server worker's peak resident memory (``VmHWM``, reset just before each upload)
  during the upload; the summary gives the highest.

Targets (issue 3): ratio ≥ 0.5; peak RSS under 150 MB and within ±10 % across sizes.
"""

import argparse
import hashlib
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "benchmark password 2026"  # noqa: S105 (a throwaway instance)
MIB = 1024 * 1024
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


BLOB_DIR: Path | None = None


def _environment(instance: Path) -> dict:
    env = dict(os.environ)
    if BLOB_DIR is not None:
        env["JIT_BLOB_DIR"] = str(BLOB_DIR / instance.name)
    env.update(
        JIT_INSTANCE_PATH=str(instance),
        JIT_MAX_UPLOAD_MB="4096",
        JIT_SECRET_KEY="benchmark-secret-key",  # noqa: S106
        PYTHONWARNINGS="ignore",
    )
    return env


SETUP = """
from jit.app import create_app
from jit.commands import apply_migrations
from jit.extensions import db
from jit.teams import services
from jit.accounts.services import create_user
from jit.permissions import Role
app = create_app()
with app.app_context():
    apply_migrations()
    coordinator = create_user("coordinator@bench.example", "Coordinator", {password!r})
    member = create_user("member@bench.example", "Member", {password!r})
    team = services.create_team(
        name="Ingest benchmark", code="BENCH", description="",
        parties=[services.PartySpec(country_code="NL", authority="OM"),
                 services.PartySpec(body="EUROJUST", authority="Eurojust")],
        coordinator=coordinator, coordinator_party_index=1, actor=None)
    services.add_membership(team, member, team.parties[0], Role.MEMBER, actor=None)
    db.session.commit()
"""


def _setup_instance(instance: Path) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", SETUP.format(password=PASSWORD)],
        cwd=ROOT,
        env=_environment(instance),
        check=True,
        capture_output=True,
    )


class Server:
    def __init__(self, instance: Path):
        self.port = _free_port()
        jit = Path(sys.executable).with_name("jit")
        self.log = open(instance / "server.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            [str(jit), "run", "--port", str(self.port), "--threads", "8"],
            cwd=ROOT,
            env=_environment(instance),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start; see server.log")

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split()
        return int(pids[0]) if pids else self.process.pid

    def _status_mb(self, field: str) -> float:
        status = Path(f"/proc/{self.worker_pid()}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024

    def rss_mb(self) -> float:
        return self._status_mb("VmRSS")

    def peak_rss_mb(self) -> float:
        return self._status_mb("VmHWM")

    def reset_peak(self) -> None:
        """Start the peak (VmHWM) afresh, so it covers the upload alone (Linux ≥ 4.0).

        Without this the peak is the sign-in's: Argon2id allocates its 64 MiB memory
        cost once per password check, which is the worker's high-water mark.
        """
        Path(f"/proc/{self.worker_pid()}/clear_refs").write_text("5")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


class Session:
    """A signed-in HTTP session (cookie jar of one cookie) over http.client."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("jit_session="):
                self.cookie = value.split(";", 1)[0]
        connection.close()
        return response, data

    def csrf(self, path="/login") -> str:
        _response, page = self.request("GET", path)
        return CSRF.search(page.decode()).group(1)

    def login(self) -> None:
        form = urllib.parse.urlencode(
            {"csrf_token": self.csrf(), "email": "member@bench.example", "password": PASSWORD}
        )
        response, _ = self.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if response.status != 302:
            raise RuntimeError(f"sign-in failed: {response.status}")


FIELDS = {
    "title": "Benchmark upload",
    "item_type": "device-image",
    "collected_by": "Benchmark",
    "collected_at": "2026-03-14T09:30",
    "collected_time_zone": "Europe/Amsterdam",
    "collected_location": "Lab",
    "legal_basis": "Benchmark",
    "visibility": "team",
    "handling_code": "H0",
    "source_reliability": "X",
    "information_accuracy": "4",
}


def upload(session: Session, path: Path) -> tuple[float, str]:
    """Send the file as the browser form does; return (seconds, Location of the item)."""
    token = session.csrf("/t/BENCH/evidence/new")
    boundary = "----jit-bench-" + secrets.token_hex(8)
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in ({"csrf_token": token} | FIELDS).items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)
    request = (
        "POST /t/BENCH/evidence/new HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{session.port}\r\n"
        f"Cookie: {session.cookie}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", session.port)) as sock, open(path, "rb") as f:
        started = time.perf_counter()
        sock.sendall(request + head)
        sock.sendfile(f)
        sock.sendall(tail)
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
        elapsed = time.perf_counter() - started
    status_line, _, rest = response.partition(b"\r\n")
    if b" 303 " not in status_line:
        raise RuntimeError(f"upload failed: {status_line!r} {rest[:500]!r}")
    location = re.search(rb"Location: (\S+)", response).group(1).decode()
    return elapsed, location


def hash_seconds(path: Path) -> tuple[float, str]:
    digest = hashlib.sha256()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
    return time.perf_counter() - started, digest.hexdigest()


def make_new_content(path: Path, repeat: int) -> None:
    """Change the file's first bytes, so each upload is new content (not deduplicated)."""
    with open(path, "r+b") as handle:
        handle.write(b"repeat%02d" % repeat)


def make_file(folder: Path, size_mib: int) -> Path:
    path = folder / f"evidence-{size_mib}MiB.bin"
    block = os.urandom(MIB)
    with open(path, "wb") as handle:
        for index in range(size_mib):
            handle.write(block[:-8] + index.to_bytes(8, "big"))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1024], help="MiB")
    parser.add_argument(
        "--repeat", type=int, help="Uploads per size (default 7 up to 256 MiB, 3 above)"
    )
    parser.add_argument(
        "--blob-dir",
        type=Path,
        help="Put the blob store here (e.g. /dev/shm) to measure the pipeline without the disk.",
    )
    args = parser.parse_args()
    global BLOB_DIR
    BLOB_DIR = args.blob_dir
    work = Path(tempfile.mkdtemp(prefix="jit-ingest-"))
    warm_up = work / "warm-up.bin"
    warm_up.write_bytes(os.urandom(64 * 1024))
    results = []
    try:
        for size in args.sizes:
            repeats = args.repeat or _default_repeats(size)
            results.append(_measure_size(work, warm_up, size, repeats))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peaks = [peak for _size, peak in results]
    if len(peaks) > 1:
        spread = (max(peaks) - min(peaks)) / min(peaks) * 100
        print(f"peak RSS spread across sizes: {spread:.1f} %")


def _default_repeats(size_mib: int) -> int:
    return 7 if size_mib <= 256 else 3


def _measure_size(work: Path, warm_up: Path, size: int, repeats: int) -> tuple[int, float]:
    """Upload ``size`` MiB ``repeats`` times to one fresh server; print each and the median."""
    instance = work / f"instance-{size}"
    instance.mkdir()
    _setup_instance(instance)
    path = make_file(work, size)
    server = Server(instance)
    ratios, peaks = [], []
    try:
        session = Session(server.port)
        session.login()
        high_water_since_start = server.peak_rss_mb()
        upload(session, warm_up)
        before = server.rss_mb()
        for repeat in range(repeats):
            make_new_content(path, repeat)
            hash_seconds(path)  # warm the page cache
            baseline, digest = hash_seconds(path)
            server.reset_peak()
            elapsed, location = upload(session, path)
            peaks.append(server.peak_rss_mb())
            ratios.append(baseline / elapsed)
            _response, page = session.request("GET", urllib.parse.urlsplit(location).path)
            if digest not in page.decode():
                raise RuntimeError("the item page does not show the file's SHA-256")
            blobs = BLOB_DIR / instance.name if BLOB_DIR else instance / "blobs"
            stored = next(blobs.rglob(digest))
            if stored.stat().st_size != path.stat().st_size:
                raise RuntimeError("the stored blob has the wrong size")
            print(
                f"{size:>5} MiB #{repeat + 1}: upload {elapsed:6.3f} s = {size / elapsed:7.1f} "
                f"MiB/s; hashlib.sha256 {baseline:6.3f} s = {size / baseline:7.1f} MiB/s; "
                f"ratio {baseline / elapsed:4.2f}; server peak RSS {peaks[-1]:6.1f} MB",
                flush=True,
            )
    finally:
        server.stop()
        path.unlink(missing_ok=True)
        shutil.rmtree(instance, ignore_errors=True)
    print(
        f"        (worker RSS before the uploads {before:.1f} MB; high-water mark since start "
        f"{high_water_since_start:.1f} MB, set by Argon2id at sign-in)"
    )
    print(
        f"{size:>5} MiB: median ratio {statistics.median(ratios):4.2f} "
        f"(min {min(ratios):4.2f}, max {max(ratios):4.2f}, {repeats} uploads); "
        f"server peak RSS during the uploads {max(peaks):6.1f} MB",
        flush=True,
    )
    return size, max(peaks)


if __name__ == "__main__":
    main()
