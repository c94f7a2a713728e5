"""Sustained load with Locust: simulated investigators against a real deployment.

    python benchmarks/load/run.py                          # both set-ups, 50 users, 10 min
    python benchmarks/load/run.py --only embedded --minutes 2 --users 20

Two set-ups, each on a fresh instance seeded here (one team, ``--users`` accounts, 20
evidence items with files):

- ``embedded``: one ``jit run`` on SQLite, as ``scripts/demo`` serves it;
- ``scale-out``: two ``jit run`` processes on a throwaway PostgreSQL, sharing a
  throwaway Redis, behind nginx with TLS (the site ``jit deploy nginx`` renders).

Locust (headless, its own virtual environment under ``.cache/locust-venv``, only
127.0.0.1, bounded by ``--minutes``) runs ``locustfile.py``. At the end this prints
requests per second, p50/p95/p99 and errors per kind of request, then runs
``jit audit verify`` and ``jit evidence verify`` on the instance (targets: 0 errors,
both intact). A benchmark, not a test: it prints figures and exits 0 unless
something could not be set up.
"""

# ruff: noqa: S603  (runs pip, locust and jit, found by path)

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.common import JitServer, Nginx, PostgreSQL, Redis, free_port  # noqa: E402

LOCUST_VENV = ROOT / ".cache" / "locust-venv"
LOCUST_REQUIREMENTS = ["locust==2.47.*", "python-socketio[client]>=5.11", "websocket-client"]
PASSWORD = "load test password 2026"  # noqa: S105 — throwaway accounts on a throwaway instance
ITEMS = 20


def locust_binary() -> Path:
    """Return Locust's command, installing it in its own virtual environment once."""
    binary = LOCUST_VENV / "bin" / "locust"
    if not binary.exists():
        print("==> Installing Locust into .cache/locust-venv (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True)
        subprocess.run(
            [str(LOCUST_VENV / "bin" / "pip"), "install", "--quiet", *LOCUST_REQUIREMENTS],
            check=True,
        )
    return binary


def seed(folder: Path, database_url: str | None, users: int) -> dict:
    """Create the instance: a team, ``users`` member accounts, items with files."""
    from datetime import UTC, datetime

    from evidence import services as evidence
    from evidence import storage
    from evidence.sniff import sniff
    from jit.accounts.services import create_user
    from jit.app import create_app
    from jit.chat.services import channels_of
    from jit.commands import apply_migrations
    from jit.extensions import db
    from jit.permissions import Role
    from jit.teams import services as teams
    from jit.teams.access import team_access_for

    config = {"INSTANCE_PATH": str(folder)}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    with app.app_context():
        apply_migrations()
        coordinator = create_user("load-coordinator@example.org", "Coordinator", PASSWORD)
        team = teams.create_team(
            name="Load test",
            code="LOAD-TEST",
            description="Seeded by benchmarks/load/run.py.",
            parties=[
                teams.PartySpec(country_code="NL", authority="Openbaar Ministerie"),
                teams.PartySpec(country_code="DE", authority="Staatsanwaltschaft Köln"),
                teams.PartySpec(body="EUROJUST", authority="Eurojust"),
            ],
            coordinator=coordinator,
            coordinator_party_index=2,
            actor=None,
        )
        accounts, memberships = [], []
        for number in range(1, users + 1):
            email = f"load-{number:03d}@example.org"
            user = create_user(email, f"Investigator {number}", PASSWORD)
            party = team.parties[number % 2]
            memberships.append(teams.add_membership(team, user, party, Role.MEMBER, actor=None))
            accounts.append(email)
        db.session.commit()
        exhibits = []
        for number in range(ITEMS):
            membership = memberships[number % len(memberships)]
            blob = storage.store_bytes(os.urandom(64 * 1024))
            access = team_access_for(membership.user, team.code)
            item = evidence.create_item(
                access,
                evidence.ItemInput(
                    title=f"Seized ledger {number}",
                    item_type="document",
                    collected_by="Insp. Load",
                    collected_at=datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
                    collected_time_zone="Europe/Amsterdam",
                    collected_location="Rotterdam",
                    legal_basis="Art. 94 Sv",
                ),
                [evidence.Upload(blob, f"ledger-{number}.bin", sniff(blob.head))],
            )
            db.session.commit()
            exhibits.append({"exhibit": item.exhibit_number, "file_id": item.files[0].id})
        channel = channels_of(team_access_for(coordinator, team.code))[0]
        search_path = (
            f"/t/{team.code}/search" if "search.team_search" in app.view_functions else None
        )
        plan = {
            "team": team.code,
            "password": PASSWORD,
            "accounts": accounts,
            "exhibits": exhibits,
            "channel": channel.id,
            "search_path": search_path,
        }
        secret = app.config["SECRET_KEY"]
        db.session.remove()
        db.engine.dispose()
    plan["secret"] = secret
    return plan


def run_locust(host: str, plan_path: Path, users: int, minutes: float, out: Path) -> Path:
    prefix = out / "locust"
    env = {**os.environ, "JIT_LOAD_PLAN": str(plan_path)}
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        env.pop(name, None)  # the instance's certificate is self-signed; verify is off
    subprocess.run(
        [
            str(locust_binary()),
            "-f", str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "--host", host,
            "--users", str(users),
            "--spawn-rate", str(max(1, users // 10)),
            "--run-time", f"{int(minutes * 60)}s",
            "--stop-timeout", "30",
            "--csv", str(prefix),
            "--only-summary",
            "--loglevel", "WARNING",
        ],
        env=env,
        check=False,
        cwd=out,
    )  # fmt: skip
    return prefix.with_name("locust_stats.csv")


def print_stats(stats_csv: Path) -> int:
    """Print the table; return the number of failed requests."""
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    print(f"{'kind':<52} {'count':>7} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>7}")
    failures = 0
    for row in rows:
        name = row["Name"] if row["Type"] else "all"
        label = f"{row['Type']} {name}".strip()
        print(
            f"{label[:52]:<52} {row['Request Count']:>7} {float(row['Requests/s']):>7.1f} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} {row['Failure Count']:>7}"
        )
        if row["Name"] == "Aggregated":
            failures = int(row["Failure Count"])
    print("(times in ms)")
    return failures


def verify(folder: Path, settings: dict) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIT_")}
    env.update({f"JIT_{key}": str(value) for key, value in settings.items()})
    jit = Path(sys.executable).with_name("jit")
    for command in (["audit", "verify"], ["evidence", "verify"]):
        result = subprocess.run(
            [str(jit), *command], env=env, capture_output=True, text=True, check=False
        )
        status = "intact" if result.returncode == 0 else "BROKEN"
        last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"jit {' '.join(command)}: {status} — {last}")


def embedded(args, work: Path) -> None:
    folder = work / "embedded"
    folder.mkdir()
    plan = seed(folder, None, args.users)
    settings = {"INSTANCE_PATH": folder, "SECRET_KEY": plan.pop("secret")}
    plan_path = work / "embedded-plan.json"
    plan_path.write_text(json.dumps(plan))
    server = JitServer(folder, settings, threads=args.users + 32, name="embedded")
    try:
        stats = run_locust(server.url, plan_path, args.users, args.minutes, folder)
    finally:
        server.stop()
    report("embedded: one jit run, SQLite", stats, folder, settings)


def scale_out(args, work: Path) -> None:
    from jit.operations.deploy import render_nginx_site, self_signed_certificate

    folder = work / "scale-out"
    folder.mkdir()
    postgres, redis, servers, proxy = PostgreSQL(prefix="jit-load-pg-"), None, [], None
    try:
        redis = Redis(folder)
        plan = seed(folder, postgres.url, args.users)
        settings = {
            "INSTANCE_PATH": folder,
            "SECRET_KEY": plan.pop("secret"),
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "TRUSTED_PROXIES": 1,
            "SECURE_COOKIES": 1,
        }
        plan_path = work / "scale-out-plan.json"
        plan_path.write_text(json.dumps(plan))
        for name in ("east", "west"):
            servers.append(JitServer(folder, settings, threads=args.users + 32, name=name))
        cert, key = self_signed_certificate(folder)
        https_port, http_port = free_port(), free_port()
        site = render_nginx_site(
            [server.port for server in servers],
            server_name="127.0.0.1",
            certificate=str(cert),
            certificate_key=str(key),
            http_listen=f"127.0.0.1:{http_port}",
            https_listen=f"127.0.0.1:{https_port}",
        )
        proxy = Nginx(folder / "nginx", site)
        proxy.wait_until_up(https_port)
        stats = run_locust(
            f"https://127.0.0.1:{https_port}", plan_path, args.users, args.minutes, folder
        )
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()
    try:
        report("scale-out: nginx + two jit run, PostgreSQL + Redis", stats, folder, settings)
    finally:
        postgres.stop()


def server_errors(folder: Path) -> Counter:
    """Count the servers' logged exceptions by their last line of this project's code.

    The instance folder is thrown away with the run, so the cause of an error is printed
    here or lost.
    """
    found: Counter = Counter()
    for log in sorted(folder.glob("*-*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for number, line in enumerate(lines):
            if not line.startswith("Traceback (most recent call last):"):
                continue
            end = number + 1
            while end < len(lines) and (lines[end].startswith(" ") or not lines[end]):
                end += 1
            frames = [f for f in lines[number:end] if f.lstrip().startswith("File ")]
            ours = [f for f in frames if str(ROOT) in f and "/.venv/" not in f] or frames
            where = ours[-1].strip().replace(str(ROOT) + "/", "") if ours else "?"
            error = lines[end] if end < len(lines) else "?"
            found[f"{error[:160]}\n      at {where}"] += 1
    return found


def report(title: str, stats: Path, folder: Path, settings: dict) -> None:
    print(f"\n=== {title}")
    failures = print_stats(stats)
    print(f"errors: {failures} (target 0)")
    for cause, count in server_errors(folder).most_common():
        print(f"  server exception ×{count}: {cause}")
    verify(folder, settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--only", choices=["embedded", "scale-out"])
    args = parser.parse_args()
    if not 1 <= args.users <= 500 or not 0 < args.minutes <= 60:
        parser.error("--users 1..500 and --minutes up to 60")
    locust_binary()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="jit-load-") as tmp:
        work = Path(tmp)
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        if args.only in (None, "embedded"):
            embedded(args, work)
        if args.only in (None, "scale-out"):
            scale_out(args, work)
    print(
        f"\ntotal {time.monotonic() - started:.0f} s; load average after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
