"""Chat broadcast benchmark: real ``jit run`` servers, real python-socketio clients.

    python benchmarks/chat/run.py                          # find the knee, three scenarios
    python benchmarks/chat/run.py --quick --only sqlite-20 # 5-second steps, one scenario
    python benchmarks/chat/run.py --rate 1500 --runs 5     # one rate, five fresh runs each

Each scenario creates a fresh instance (SQLite; PostgreSQL for two processes) with one
team and N members, starts ``jit run`` (gunicorn, gthread) — two of them sharing a
throwaway ``redis-server`` for the cross-process scenario — connects N clients over
WebSocket into the general channel and has four of them send at a fixed rate. Latency
is measured per delivery, from the moment the sender emits to the moment a client's
handler runs (``time.monotonic()``, one clock for every process on the machine). Every
message is committed to the database before it is broadcast, as in production.

By default the rate ramps (x1.25 a step, each step 15 s on the same servers) until the
p99 passes 50 ms or a message is lost; the last rate that held is the knee, and one
more step at twice the knee shows how the chat degrades beyond it. Each step prints
p50/p99/max, messages lost and duplicated, sends refused (each sent again after its
``retry_after``, as the chat page does), and the share of the machine's CPU the
servers and the clients took.
"""

# ruff: noqa: S603  (runs jit and redis-server, both found by this script)

import argparse
import collections
import contextlib
import json
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
# sitecustomize.py there starts the probes inside the servers (--gc-stats, --queues).
SERVER_PROBES = Path(__file__).resolve().parent / "serverprobe"
NAMESPACE = "/chat"
PASSWORD = "benchmark password, never used to sign in"  # noqa: S105
# The values jit/config.py reads as true for a boolean setting.
TRUE = ("1", "true", "yes", "on")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_instance(folder: Path, members: int, database_url: str | None):
    """Create the database, a team with ``members`` chat members; return cookies per user."""
    from jit.accounts import sessions
    from jit.app import create_app
    from jit.chat.services import channels_of
    from jit.commands import apply_migrations
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
    def __init__(
        self,
        folder,
        secret,
        threads,
        redis_url=None,
        database_url=None,
        extra_env=(),
        gc_dir=None,
        queues_dir=None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "JIT_INSTANCE_PATH": str(folder),
            "JIT_SECRET_KEY": secret,
            # Four senders stand for a whole busy team: far beyond one person's limit.
            "JIT_CHAT_RATE_MESSAGES": "0",
            # The servers run this checkout's code, whatever the environment installed.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])
            ),
            **dict(extra_env),
        }
        if gc_dir is not None or queues_dir is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(SERVER_PROBES), env["PYTHONPATH"]])
        if gc_dir is not None:  # serverprobe/gc_probe.py times every collection
            env["JIT_BENCH_GC_DIR"] = str(gc_dir)
        if queues_dir is not None:  # serverprobe/queue_probe.py samples the queues
            env["JIT_BENCH_QUEUES_DIR"] = str(queues_dir)
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


def client_worker(urls, cookies, offset, team, channel_id, senders, plans, ready, results):
    """Host some of the clients in one process; the first ``senders`` of worker 0 send.

    Each plan is (step, start, interval, total), times in time.monotonic(), which is one
    clock for every process on the machine, so latencies measured here compare with
    send times; ``None`` ends the worker. Per step it reports the latencies, how many
    distinct messages each client received (lost = expected - distinct), how many
    arrived twice, how many sends the server refused, and, for the timeline, each
    latency's emit and each refusal's arrival in whole seconds since the step's start.
    """
    lock = threading.Lock()
    seen: dict[int, set] = {}  # client index -> message numbers of this step
    latencies, duplicates, refused, step_now = [], [0], [0], [None]
    emitted, refused_at, step_start = [], [], [0.0]

    def on_message(index):
        def delivered(payload):
            now = time.monotonic()
            step, number, sent = payload["text"].split(" ")
            with lock:
                if step != step_now[0]:
                    return  # a late delivery of an earlier step
                if number in seen[index]:
                    duplicates[0] += 1
                    return
                seen[index].add(number)
                latencies.append(now - float(sent))
                emitted.append(int(float(sent) - step_start[0]))

        return delivered

    def on_error(payload):
        with lock:
            refused[0] += 1
            refused_at.append(int(time.monotonic() - step_start[0]))

    def send(client, data):
        """Emit ``data``; when refused for now, send it again after ``retry_after``.

        As the chat page does (static/js/chat.js): the same client id, so the server
        stores it once, and the same body, so its latency counts from the first emit.
        """

        def answered(answer=None):
            if isinstance(answer, dict) and not answer.get("ok") and answer.get("retry_after"):
                timer = threading.Timer(answer["retry_after"], send, (client, data))
                timer.daemon = True
                timer.start()

        client.emit("send", data, namespace=NAMESPACE, callback=answered)

    clients = []
    try:
        for index, cookie in enumerate(cookies):
            client = socketio.Client(reconnection=False)
            deliver = on_message(index)
            client.on("message", deliver, namespace=NAMESPACE)
            # Messages committed together arrive as one event, in number order.
            client.on("messages", lambda ms, d=deliver: [*map(d, ms)], namespace=NAMESPACE)
            client.on("chat_error", on_error, namespace=NAMESPACE)
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
        while (plan := plans.get()) is not None:
            step, start, interval, total = plan
            with lock:
                step_now[0], step_start[0] = step, start
                latencies.clear()
                emitted.clear()
                refused_at.clear()
                duplicates[0] = refused[0] = 0
                for index in range(len(clients)):
                    seen[index] = set()
            if offset == 0:
                for number in range(total):
                    delay = start + number * interval - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    send(
                        clients[number % senders],
                        {
                            "channel": channel_id,
                            "client_id": f"bench-{step}-{number:08d}",
                            "body": f"{step} {number} {time.monotonic()!r}",
                        },
                    )
            deadline = max(time.monotonic(), start + total * interval) + 30
            while time.monotonic() < deadline:
                with lock:
                    if sum(len(numbers) for numbers in seen.values()) >= total * len(clients):
                        break
                time.sleep(0.05)
            time.sleep(0.5)  # a duplicate would come right after the first delivery
            with lock:
                distinct = sum(len(numbers) for numbers in seen.values())
                results.put(
                    (
                        list(latencies),
                        distinct,
                        duplicates[0],
                        refused[0],
                        list(emitted),
                        list(refused_at),
                    )
                )
    finally:
        for client in clients:
            client.disconnect()


NODE_CLIENTS = Path(__file__).resolve().parent / "node"


def node_client_worker(urls, cookies, offset, team, channel_id, senders, plans, ready, results):
    """:func:`client_worker`'s part played by ``node node/client.js`` (the official client).

    This process only passes the plans and the results along, as JSON lines; the
    clients, their sends and their clock are Node's (node/client.js says how).
    """
    config = {
        "urls": urls,
        "cookies": cookies,
        "offset": offset,
        "team": team,
        "channel": channel_id,
        "senders": senders,
        "namespace": NAMESPACE,
    }
    node = subprocess.Popen(
        [shutil.which("node") or "node", str(NODE_CLIENTS / "client.js"), json.dumps(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )

    def answer(key):
        line = node.stdout.readline()
        if not line:
            raise RuntimeError(f"the Node.js clients ended (exit status {node.wait()})")
        return json.loads(line)[key]

    try:
        ready.put(answer("ready"))
        while (plan := plans.get()) is not None:
            node.stdin.write(json.dumps({"plan": list(plan)}) + "\n")
            results.put(tuple(answer("result")))
        node.stdin.write(json.dumps({"end": True}) + "\n")
        node.wait(timeout=60)
    finally:
        if node.poll() is None:
            node.kill()


def children_of(pid: int) -> list[int]:
    """A process's children, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its children have used so far, in seconds.

    The children of every thread count: the search writer process is started by a
    thread of the server, not its main thread.
    """
    from benchmarks.common import process_cpu_seconds

    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            total += process_cpu_seconds(current)
        except (FileNotFoundError, ProcessLookupError):
            continue
        pids.extend(children_of(current))
    return total


def writer_pids(pid: int) -> list[int]:
    """The search writer processes (spawned children) below a server process."""
    found, pids = [], [pid]
    while pids:
        current = pids.pop()
        for child in children_of(current):
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if b"--multiprocessing-fork" in command:
                found.append(child)
            else:
                pids.append(child)
    return found


def read_gc_stats(folder: Path) -> dict:
    """What serverprobe/gc_probe.py wrote, per server process (the writer left out)."""
    import json

    stats = {}
    for path in folder.glob("gc-*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data["role"] == "server":
            pauses = path.with_suffix(".pauses")
            lines = pauses.read_text().splitlines() if pauses.exists() else []
            data["pauses"] = [(float(a), int(g), float(t)) for a, g, t in map(str.split, lines)]
            stats[path.stem] = data
    return stats


def gc_summary(before: dict, after: dict, start: float, end: float) -> str:
    counts, seconds, pauses = [0, 0, 0], [0.0, 0.0, 0.0], []
    for key, data in after.items():
        earlier = before.get(key, {"counts": [0, 0, 0], "seconds": [0.0, 0.0, 0.0]})
        for generation in range(3):
            counts[generation] += data["counts"][generation] - earlier["counts"][generation]
            seconds[generation] += data["seconds"][generation] - earlier["seconds"][generation]
        pauses += [p for p in data["pauses"] if start <= p[0] <= end]
    worst = max(pauses, key=lambda p: p[2], default=(0, 0, 0.0))
    return (
        f"gc: collections gen0/1/2 {counts[0]}/{counts[1]}/{counts[2]}, "
        f"{sum(seconds) * 1000:.0f} ms in all (gen2 {seconds[2] * 1000:.0f} ms); "
        f"pauses >= 10 ms: {sum(1 for p in pauses if p[2] >= 0.01)}, longest "
        f"{worst[2] * 1000:.1f} ms (gen{worst[1]})"
    )


def queue_summary(folder: Path, start: float, end: float) -> str:
    """The servers' queues during a step, as serverprobe/queue_probe.py sampled them."""
    samples = []
    for path in folder.glob("queues-*.txt"):
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) == 9 and start <= float(fields[0]) <= end:
                samples.append([int(x) for x in fields[1:]])
    if not samples:
        return "queues: no sample"
    columns = list(zip(*samples, strict=True))
    frames, one, events, sends_in, writer, packets, pace, limit = columns
    return (
        f"queues (max / mean of {len(samples)} samples): frames read, not handled "
        f"{max(frames)} / {statistics.mean(frames):.0f} (one connection {max(one)}); "
        f"events waiting for a thread {max(events)}; sends in {max(sends_in)}, waiting "
        f"for the writer {max(writer)}; packets to send {max(packets)}; the admission's "
        f"pace {min(pace)}-{max(pace)}/s (mean {statistics.mean(pace):.0f}), new sends "
        f"taken in up to {min(limit)}-{max(limit)}"
    )


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


class Scenario:
    """Fresh servers and N connected clients, measured at one send rate after another."""

    def __init__(
        self,
        name,
        members,
        processes,
        *,
        workers,
        postgresql,
        server_env,
        probe,
        gc_stats=False,
        queues=False,
        clients="python",
    ):
        import multiprocessing

        self.name, self.members, self.probe_machine = name, members, probe
        self.folder = Path(tempfile.mkdtemp(prefix="jit-chat-bench-"))
        self.gc_dir = self.folder / "gc" if gc_stats else None
        self.queues_dir = self.folder / "queues" if queues else None
        self.redis = self.database = None
        self.servers, self.pool, self.step = [], [], 0
        try:
            self.database = PostgreSQL() if postgresql else None
            database_url = self.database.url if self.database else None
            secrets_, team, channel_id = prepare_instance(self.folder, members, database_url)
            self.redis = Redis(self.folder) if processes > 1 else None
            self.servers = [
                Server(
                    self.folder,
                    secrets_["secret"],
                    members + 32,
                    redis_url=self.redis.url if self.redis else None,
                    database_url=database_url,
                    extra_env=server_env,
                    gc_dir=self.gc_dir,
                    queues_dir=self.queues_dir,
                )
                for _ in range(processes)
            ]
            # Unless the servers were told not to index (JIT_SEARCH_WORKER=false, to see
            # what the Whoosh writer costs the chat): wait for its process to start.
            indexing = dict(server_env).get("JIT_SEARCH_WORKER", "true").lower() in TRUE
            if not postgresql and indexing:
                self._wait_for_the_search_writer()
            context = multiprocessing.get_context("spawn")
            ready, self.results = context.Queue(), context.Queue()
            self.plans = [context.Queue() for _ in range(workers)]
            cookies = secrets_["cookies"]
            share = -(-members // workers)
            for worker in range(workers):
                part = cookies[worker * share : (worker + 1) * share]
                process = context.Process(
                    target=node_client_worker if clients == "node" else client_worker,
                    args=(
                        [s.url for s in self.servers],
                        part,
                        worker * share,
                        team,
                        channel_id,
                        4,
                        self.plans[worker],
                        ready,
                        self.results,
                    ),
                )
                process.start()
                self.pool.append(process)
            connected = sum(ready.get(timeout=300) for _ in self.pool)
            assert connected == members
            if postgresql and indexing:
                self._wait_for_the_search_writers_to_settle()
        except BaseException:
            self.close()
            raise

    def _wait_for_the_search_writer(self):
        """Let the Whoosh writer start (a process of its own builds its app: ~2 s of CPU).

        It takes the writer lock once it is ready, so the first step does not pay for it.
        """
        lock = self.folder / "search-index" / "writer.lock"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                if Path(f"/proc/{int(lock.read_text())}").exists():
                    return
            time.sleep(0.2)
        raise RuntimeError("the search writer did not start")

    def _wait_for_the_search_writers_to_settle(self):
        """On PostgreSQL, let each server's writer process start and build its app.

        There is no lock to wait for: a server starts its writer with its first request
        (the clients' connections), and the writer builds its app (~2 s of CPU) while the
        first step would run. Until session 24 it did: the p99 of the first second of a
        two-process run at 1,500/s was 155-194 ms in some runs, then ~20 ms. Waited for
        here until every server has one and they have used no CPU for half a second.
        """
        deadline = time.monotonic() + 60
        previous = None
        while time.monotonic() < deadline:
            writers = [w for s in self.servers for w in writer_pids(s.process.pid)]
            used = sum(cpu_seconds(w) for w in writers)
            if len(writers) < len(self.servers):
                previous = None
            elif previous is not None and used - previous < 0.02:
                return
            else:
                previous = used
            time.sleep(0.5)
        raise RuntimeError("the search writers did not start")

    def measure(self, deliveries_per_second: float, seconds: float) -> dict:
        """Send at a rate for ``seconds``; print and return what the clients saw."""
        self.step += 1
        messages_per_second = deliveries_per_second / self.members
        total = max(1, int(messages_per_second * seconds))
        start = time.monotonic() + 0.5
        for plan in self.plans:
            plan.put((f"s{self.step}", start, 1 / messages_per_second, total))
        writers = [w for s in self.servers for w in writer_pids(s.process.pid)]
        writers_before = sum(cpu_seconds(w) for w in writers)
        gc_before = read_gc_stats(self.gc_dir) if self.gc_dir else {}
        servers_before = sum(cpu_seconds(s.process.pid) for s in self.servers)
        clients_before = sum(cpu_seconds(p.pid) for p in self.pool)
        latencies, distinct, duplicated, refused = [], 0, 0, 0
        emitted, refused_at = [], []
        probe = MachineProbe(self.folder)
        with probe if self.probe_machine else contextlib.nullcontext():
            for _ in self.pool:
                part, seen, twice, errors, when, refusals = self.results.get(timeout=seconds + 300)
                latencies += part
                distinct += seen
                duplicated += twice
                refused += errors
                emitted += when
                refused_at += refusals
        timeline = timeline_of(latencies, emitted, refused_at)
        wall = time.monotonic() - start
        cores = os.cpu_count() or 1
        server_share = (sum(cpu_seconds(s.process.pid) for s in self.servers) - servers_before) / (
            wall * cores
        )
        client_share = (sum(cpu_seconds(p.pid) for p in self.pool) - clients_before) / (
            wall * cores
        )
        writer_share = (sum(cpu_seconds(w) for w in writers) - writers_before) / (wall * cores)
        probe_lines = ""
        if self.gc_dir:
            time.sleep(1.2)  # the stats are written every second
            gc_after = read_gc_stats(self.gc_dir)
            probe_lines = f"\n{'':<32} " + gc_summary(gc_before, gc_after, start, start + wall)
        if self.queues_dir:
            probe_lines += f"\n{'':<32} " + queue_summary(self.queues_dir, start, start + wall)
        latencies = sorted(latencies)
        if not latencies:
            latencies.append(float("inf"))
        result = {
            "rate": deliveries_per_second,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
            "max": latencies[-1] * 1000,
            "lost": total * self.members - distinct,
            "duplicated": duplicated,
            "refused": refused,
            "server_cpu": server_share,
            "client_cpu": client_share,
            "writer_cpu": writer_share,
        }
        print(
            f"{self.name:<32} N={self.members:<4} rate={deliveries_per_second:6.0f}/s  "
            f"messages={total:<5} p50={result['p50']:7.1f} ms  p99={result['p99']:7.1f} ms  "
            f"max={result['max']:7.1f} ms  lost={result['lost']} duplicated={duplicated} "
            f"refused={refused}  CPU: server {server_share:.0%}"
            + (f" (search writer process {writer_share:.0%})" if writers else "")
            + f", clients {client_share:.0%} of the machine"
            + (f"\n{'':<32} {probe.summary()}" if self.probe_machine else "")
            + probe_lines
            + (f"\n{timeline}" if result["p99"] > KNEE_P99_MS else ""),
            flush=True,
        )
        return result

    def close(self):
        for plan in getattr(self, "plans", []):
            plan.put(None)
        for process in self.pool:
            process.join(timeout=60)
        for server in self.servers:
            server.stop()
        if self.redis:
            self.redis.stop()
        if self.database:
            self.database.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def timeline_of(latencies: list, emitted: list, refused_at: list) -> str:
    """Each second of the step: the p99 of the messages emitted in it, and the refusals
    that arrived in it; printed for a step past the knee, to show whether it tipped at
    one moment (a stall) or drifted (too little capacity), and whether it recovered."""
    by_second: dict[int, list[float]] = {}
    for latency, second in zip(latencies, emitted, strict=True):
        by_second.setdefault(second, []).append(latency)
    seconds = range(max([*by_second, *refused_at], default=-1) + 1)

    def p99(values: list[float]) -> str:
        if not values:
            return "-"
        values.sort()
        return f"{values[max(0, int(len(values) * 0.99) - 1)] * 1000:.0f}"

    refusals = collections.Counter(refused_at)
    return (
        f"{'':<32} by second of emit, p99 ms: "
        + " ".join(p99(by_second.get(second, [])) for second in seconds)
        + f"\n{'':<32} refusals arriving each second: "
        + " ".join(str(refusals[second]) for second in seconds)
    )


def find_knee(scenario: Scenario, *, start: float, factor: float, ceiling: float, seconds: float):
    """Raise the rate until p99 passes 50 ms; return the last rate that held, and the runs."""
    runs, knee, rate = [], None, start
    while rate <= ceiling:
        result = scenario.measure(rate, seconds)
        runs.append(result)
        if result["p99"] > KNEE_P99_MS or result["lost"]:
            break
        knee = rate
        rate *= factor
    return knee, runs


KNEE_P99_MS = 50.0


SCENARIOS = {
    "sqlite-20": ("one process, SQLite", 20, 1, False),
    "sqlite-100": ("one process, SQLite", 100, 1, False),
    # Scale-out as docs/operations.md describes it: PostgreSQL and Redis shared.
    "two-processes": ("two processes, PostgreSQL+Redis", 20, 2, True),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5-second steps instead of 15")
    parser.add_argument(
        "--rate",
        type=int,
        help="measure this many deliveries per second (--runs times) instead of ramping",
    )
    parser.add_argument(
        "--start", type=int, default=750, help="first rate of the ramp, deliveries per second"
    )
    parser.add_argument("--factor", type=float, default=1.25, help="ramp step, a factor")
    parser.add_argument("--ceiling", type=int, default=40000, help="stop ramping above this rate")
    parser.add_argument(
        "--client-processes", type=int, default=2, help="processes hosting the clients"
    )
    parser.add_argument(
        "--clients",
        choices=["python", "node"],
        default="python",
        help="python-socketio clients, or the official JS client under Node.js "
        "(benchmarks/chat/node: npm install there first), which takes less of the machine",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="with --rate: runs per scenario, each on fresh servers",
    )
    parser.add_argument(
        "--only",
        choices=list(SCENARIOS),
        action="append",
        help="run just these scenarios (repeatable); all three by default",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the servers, e.g. JIT_SQLITE_CHECKPOINT_SECONDS=0 (repeatable)",
    )
    parser.add_argument(
        "--gc-stats",
        action="store_true",
        help="time the servers' garbage collections (serverprobe/gc_probe.py) and print them",
    )
    parser.add_argument(
        "--queues",
        action="store_true",
        help="sample the servers' queues (serverprobe/queue_probe.py) and print them per step",
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
    server_env = [item.split("=", 1) for item in options.server_env]
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    summary = []
    for key in options.only or list(SCENARIOS):
        name, members, processes, postgresql = SCENARIOS[key]

        def scenario(name=name, members=members, processes=processes, postgresql=postgresql):
            return Scenario(
                name,
                members,
                processes,
                workers=options.client_processes,
                clients=options.clients,
                postgresql=postgresql,
                server_env=server_env,
                probe=not options.no_probe,
                gc_stats=options.gc_stats,
                queues=options.queues,
            )

        if options.rate:
            p99s = []
            for _ in range(options.runs):
                bench = scenario()
                try:
                    p99s.append(bench.measure(options.rate, seconds)["p99"])
                finally:
                    bench.close()
            summary.append(
                f"{name:<32} N={members:<4} {options.rate}/s: p99 of each run "
                + ", ".join(f"{p99:.1f}" for p99 in p99s)
                + " ms"
            )
            continue
        bench = scenario()
        try:
            knee, runs = find_knee(
                bench,
                start=options.start,
                factor=options.factor,
                ceiling=options.ceiling,
                seconds=seconds,
            )
            beyond = bench.measure(2 * knee, seconds) if knee else None
        finally:
            bench.close()
        held = [r for r in runs if r["rate"] == knee]
        summary.append(
            f"{name:<32} N={members:<4} "
            + (
                f"knee {knee:.0f} deliveries/s (p99 {held[0]['p99']:.1f} ms held "
                f"for {seconds} s; server {held[0]['server_cpu']:.0%}, clients "
                f"{held[0]['client_cpu']:.0%} of the machine); at 2x ({2 * knee:.0f}/s): "
                f"p99 {beyond['p99']:.1f} ms, lost {beyond['lost']}, duplicated "
                f"{beyond['duplicated']}, refused {beyond['refused']}, server "
                f"{beyond['server_cpu']:.0%}, clients {beyond['client_cpu']:.0%}"
                if knee
                else f"no knee: p99 over {KNEE_P99_MS:.0f} ms already at {options.start}/s"
            )
        )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n".join(summary), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
