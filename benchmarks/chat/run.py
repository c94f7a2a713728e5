"""Chat broadcast benchmark: real ``jit run`` servers, real python-socketio clients.

    python benchmarks/chat/run.py                        # three scenarios, three runs each
    python benchmarks/chat/run.py --quick --runs 1       # shorter runs, one each
    python benchmarks/chat/run.py --only two-processes   # one scenario

Each scenario creates a fresh instance (SQLite; PostgreSQL for two processes) with one
team and N members, starts ``jit run`` (gunicorn, gthread) — two of them sharing a
throwaway ``redis-server`` for the cross-process scenario — connects N clients over
WebSocket into the general channel and has a few of them send at a fixed rate. Latency
is measured per delivery, from the moment the sender emits to the moment a client's
handler runs (``time.monotonic()``, one clock for every process on the machine). Every
message is committed to the database before it is broadcast, as in production. Each
scenario runs several times on fresh servers; every run is printed, then the median
per scenario.
"""

# ruff: noqa: S603  (runs jit and redis-server, both found by this script)

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "/chat"
PASSWORD = "benchmark password, never used to sign in"  # noqa: S105


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_instance(folder: Path, members: int, database_url: str | None):
    """Create the database, a team with ``members`` chat members; return cookies per user."""
    from jit.accounts import sessions
    from jit.app import create_app
    from jit.chat.services import channels_of
    from jit.cli import apply_migrations
    from jit.extensions import db
    from jit.permissions import Role
    from jit.teams import services as teams
    from jit.teams.access import team_access_for

    config = {"INSTANCE_PATH": str(folder), "PASSWORD_HASH_FAST": True}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    with app.app_context():
        from jit.accounts.services import create_user

        apply_migrations()
        coordinator = create_user("bench-coordinator@example.org", "Coordinator", PASSWORD)
        team = teams.create_team(
            name="Benchmark",
            code="BENCH",
            description="",
            parties=[
                teams.PartySpec(country_code="NL", authority="OM"),
                teams.PartySpec(country_code="DE", authority="StA"),
            ],
            coordinator=coordinator,
            coordinator_party_index=0,
            actor=None,
        )
        people = [coordinator]
        for number in range(1, members):
            user = create_user(f"bench-{number}@example.org", f"Member {number}", PASSWORD)
            teams.add_membership(team, user, team.parties[number % 2], Role.MEMBER, actor=None)
            people.append(user)
        keys = [sessions.start(u, user_agent="benchmark", ip_address=None) for u in people]
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [
            serializer.dumps({"_user_id": u.get_id(), "_fresh": True, sessions.KEY: key})
            for u, key in zip(people, keys, strict=True)
        ]
        channel_id = channels_of(team_access_for(coordinator, "BENCH"))[0].id
        secret = app.config["SECRET_KEY"]
        db.engine.dispose()
    return {"cookies": cookies, "secret": secret}, "BENCH", channel_id


class Server:
    def __init__(self, folder, secret, threads, redis_url=None, database_url=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JIT_INSTANCE_PATH": str(folder), "JIT_SECRET_KEY": secret}
        env.pop("JIT_DATABASE_URL", None)
        if database_url:
            env["JIT_DATABASE_URL"] = database_url
        env.pop("JIT_REDIS_URL", None)
        if redis_url:
            env["JIT_REDIS_URL"] = redis_url
        self.log = open(folder / f"server-{self.port}.log", "w")  # noqa: SIM115
        jit = Path(sys.executable).with_name("jit")
        self.process = subprocess.Popen(
            [str(jit), "run", "--port", str(self.port), "--threads", str(threads)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


class PostgreSQL:
    """A throwaway PostgreSQL cluster (as scripts/test starts one), fsync on."""

    def __init__(self):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not binaries:
            raise RuntimeError("PostgreSQL is not installed (apt install postgresql)")
        self.bin = binaries[-1]
        # Its own folder: the instance folder is private to this user, not to postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="jit-chat-bench-pg-"))
        self.port = free_port()
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self._as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.dir / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.dir / "data"),
            "-w",
            "-l",
            str(self.dir / "log"),
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}",
            "start",
        )
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command):
        subprocess.run([*self._as_postgres, *command], check=True, capture_output=True)

    def stop(self):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=folder,
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def client_worker(urls, cookies, offset, team, channel_id, senders, plan, ready, results):
    """Host some of the clients in one process; the first ``senders`` of worker 0 send.

    ``plan`` is (start, interval, total) in time.monotonic(), which is one clock for
    every process on the machine, so latencies measured here compare with send times.
    """
    latencies, deliveries, lock = [], [0], threading.Lock()

    def delivered(payload):
        now = time.monotonic()
        sent = float(payload["text"].rpartition("t=")[2])
        with lock:
            deliveries[0] += 1
            latencies.append(now - sent)

    clients = []
    try:
        for index, cookie in enumerate(cookies):
            client = socketio.Client(reconnection=False)
            client.on("message", delivered, namespace=NAMESPACE)
            client.connect(
                urls[(offset + index) % len(urls)],
                namespaces=[NAMESPACE],
                headers={"Cookie": f"jit_session={cookie}"},
                auth={"team": team},
                transports=["websocket"],
                wait_timeout=30,
            )
            answer = client.call("join", {"channel": channel_id}, namespace=NAMESPACE, timeout=30)
            assert answer["ok"], answer
            clients.append(client)
        ready.put(len(clients))
        start, interval, total, expected_each = plan.get()
        if offset == 0:
            for number in range(total):
                delay = start + number * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                clients[number % senders].emit(
                    "send",
                    {
                        "channel": channel_id,
                        "client_id": f"bench-{number:08d}",
                        "body": f"message {number} t={time.monotonic()!r}",
                    },
                    namespace=NAMESPACE,
                )
        deadline = time.monotonic() + max(30, total * interval + 30)
        while deliveries[0] < expected_each * len(clients) and time.monotonic() < deadline:
            time.sleep(0.05)
        results.put((latencies, deliveries[0], time.monotonic()))
    finally:
        for client in clients:
            client.disconnect()


class MachineProbe:
    """Watches the machine while a run measures, so a miss can be told from a slow machine.

    Two threads: one writes 8 KiB and calls ``fdatasync`` every 100 ms on the file
    system the databases use (what a commit waits for), the other sleeps 10 ms at a time
    and notes how late it wakes (what every thread waits for when the CPUs are taken).
    Probing more often measurably slowed the runs; ``--no-probe`` leaves it out.
    """

    def __init__(self, folder: Path):
        self._path = folder / "disk-probe"
        self._stop = threading.Event()
        self.syncs: list[float] = []
        self.late: list[float] = []
        self._threads = [
            threading.Thread(target=self._disk, daemon=True),
            threading.Thread(target=self._timer, daemon=True),
        ]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()

    def _disk(self):
        block = os.urandom(8192)
        fd = os.open(self._path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while not self._stop.wait(0.1):
                os.pwrite(fd, block, 0)
                began = time.monotonic()
                os.fdatasync(fd)
                self.syncs.append(time.monotonic() - began)
        finally:
            os.close(fd)

    def _timer(self):
        while not self._stop.is_set():
            began = time.monotonic()
            time.sleep(0.01)
            self.late.append(time.monotonic() - began - 0.01)

    def summary(self) -> str:
        def worst(values):
            return max(values, default=0) * 1000

        syncs = sorted(self.syncs) or [0.0]
        return (
            f"machine: fdatasync p50={statistics.median(syncs) * 1000:.1f} "
            f"max={worst(syncs):.0f} ms, 10 ms sleep woke up to {worst(self.late):.0f} ms late"
        )


def run_scenario(
    name,
    members,
    processes,
    deliveries_per_second,
    seconds,
    senders=4,
    workers=2,
    postgresql=False,
    probe_machine=True,
):
    import multiprocessing

    folder = Path(tempfile.mkdtemp(prefix="jit-chat-bench-"))
    redis = servers = database = None
    pool = []
    try:
        database = PostgreSQL() if postgresql else None
        database_url = database.url if database else None
        secrets_, team, channel_id = prepare_instance(folder, members, database_url)
        redis = Redis(folder) if processes > 1 else None
        servers = [
            Server(
                folder,
                secrets_["secret"],
                members + 32,
                redis_url=redis.url if redis else None,
                database_url=database_url,
            )
            for _ in range(processes)
        ]
        context = multiprocessing.get_context("spawn")
        ready, results = context.Queue(), context.Queue()
        plans = [context.Queue() for _ in range(workers)]
        cookies = secrets_["cookies"]
        share = -(-members // workers)
        for worker in range(workers):
            part = cookies[worker * share : (worker + 1) * share]
            process = context.Process(
                target=client_worker,
                args=(
                    [s.url for s in servers],
                    part,
                    worker * share,
                    team,
                    channel_id,
                    senders,
                    plans[worker],
                    ready,
                    results,
                ),
            )
            process.start()
            pool.append(process)
        connected = sum(ready.get(timeout=120) for _ in pool)
        assert connected == members
        messages_per_second = deliveries_per_second / members
        total = max(1, int(messages_per_second * seconds))
        start = time.monotonic() + 0.5
        for plan in plans:
            plan.put((start, 1 / messages_per_second, total, total))
        latencies, delivered, finished = [], 0, start
        probe = MachineProbe(folder)
        with probe if probe_machine else contextlib.nullcontext():
            for _ in pool:
                part, count, ended = results.get(timeout=seconds + 120)
                latencies += part
                delivered += count
                finished = max(finished, ended)
        latencies.sort()
        elapsed = total / messages_per_second
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
        print(
            f"{name:<32} N={members:<4} messages={total:<5} delivered={delivered}/"
            f"{total * members}  p50={p50:6.1f} ms  p99={p99:6.1f} ms  "
            f"max={latencies[-1] * 1000:6.1f} ms  deliveries/s={delivered / elapsed:6.0f}"
            + (f"\n{'':<32} {probe.summary()}" if probe_machine else ""),
            flush=True,
        )
        return p50, p99
    finally:
        for process in pool:
            process.join(timeout=60)
        for server in servers or []:
            server.stop()
        if redis:
            redis.stop()
        if database:
            database.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5-second runs instead of 15")
    parser.add_argument("--rate", type=int, default=1500, help="target deliveries per second")
    parser.add_argument(
        "--client-processes", type=int, default=2, help="processes hosting the clients"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs per scenario, each on fresh servers; the summary gives the medians",
    )
    parser.add_argument(
        "--only",
        choices=["sqlite-20", "sqlite-100", "two-processes"],
        action="append",
        help="run just these scenarios (repeatable); all three by default",
    )
    parser.add_argument(
        "--no-probe",
        action="store_true",
        help="do not watch the disk and the CPUs during the runs",
    )
    options = parser.parse_args()
    seconds = 5 if options.quick else 15
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is needed for the cross-process scenario (apt install redis-server)")
    workers = options.client_processes
    chosen = set(options.only or ["sqlite-20", "sqlite-100", "two-processes"])
    scenarios = {
        "sqlite-20": ("one process, SQLite", 20, 1, False),
        "sqlite-100": ("one process, SQLite", 100, 1, False),
        # Scale-out as docs/operations.md describes it: PostgreSQL and Redis shared.
        "two-processes": ("two processes, PostgreSQL+Redis", 20, 2, True),
    }
    summary = []
    for key, (name, members, processes, postgresql) in scenarios.items():
        if key not in chosen:
            continue
        runs = [
            run_scenario(
                name,
                members,
                processes,
                options.rate,
                seconds,
                workers=workers,
                postgresql=postgresql,
                probe_machine=not options.no_probe,
            )
            for _ in range(options.runs)
        ]
        p99s = sorted(p99 for _p50, p99 in runs)
        summary.append(
            f"{name:<32} N={members:<4} median of {len(runs)} runs: "
            f"p50={statistics.median(p50 for p50, _p99 in runs):6.1f} ms  "
            f"p99={statistics.median(p99s):6.1f} ms  (p99 of each run: "
            + ", ".join(f"{p99:.1f}" for p99 in p99s)
            + ")"
        )
    if options.runs > 1:
        print("\n".join(summary), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
