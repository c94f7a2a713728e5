"""Main pages at case scale: time per request and SQL statements per request.

    .venv/bin/python benchmarks/pages/run.py                       # N = 1000 and 10000, SQLite
    .venv/bin/python benchmarks/pages/run.py --scales 200 2000 --database postgresql
    .venv/bin/python benchmarks/pages/run.py --database both --repeat 30

For each database a fresh instance is made (PostgreSQL: a throwaway cluster from
benchmarks/common.py), and for each N ``jit demo --scale N`` seeds the team SCALE-N
(N items, 10×N custody events, 20×N chat messages, audit entries to match). Then the
coordinator signs in and each page is requested ``--repeat`` times through the WSGI app in
this process (no network: the figure is the application's own time and its database's).
Each page prints p50 and p95 in milliseconds, its ratio to the baseline page measured in
the same run (``/healthz``: no session, no query), and the SQL statements the request sent
(counted with a SQLAlchemy ``before_cursor_execute`` listener). Statements that grow with
N are an N+1: the last column says ``GROWS`` when a page sends more statements at the
largest N than at the smallest, and ``--show-sql PAGE`` prints one request's statements.

Targets (issue 16): p95 ≤ 100 ms per page at N = 10,000 (the custody report PDF ≤ 2 s),
and a statement count that does not grow with N.
"""

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402

from benchmarks.common import PostgreSQL  # noqa: E402

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class StatementCounter:
    """Count (and keep) the SQL statements this thread sends while it is on.

    Only this thread's: the search index writer drains the outbox on its own thread,
    and its statements belong to no page.
    """

    def __init__(self, engine):
        self.statements: list[str] = []
        self.on = False
        self.thread = threading.get_ident()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection, _cursor, statement, _parameters, _context, _executemany):
        if self.on and threading.get_ident() == self.thread:
            self.statements.append(statement)


def _pages(app, code: str) -> list[tuple[str, object]]:
    """Return ``(name, request)`` pairs: a URL, or a callable run in an app context."""
    from evidence.models import EvidenceItem
    from jit.chat import reading
    from jit.chat.models import Channel
    from jit.extensions import db
    from jit.teams.models import Team

    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.code == code))
        exhibit = db.session.scalar(
            select(EvidenceItem.exhibit_number)
            .where(EvidenceItem.team_id == team.id, EvidenceItem.visibility == "team")
            .order_by(EvidenceItem.id.desc())
            .limit(1)
        )
        channel_id = db.session.scalar(select(Channel.id).where(Channel.team_id == team.id))

    def chat_history():
        channel = db.session.get(Channel, channel_id)
        messages, _more = reading.history(channel)
        return [reading.message_payload(message) for message in messages]

    base = f"/t/{code}"
    return [
        ("baseline /healthz", "/healthz"),
        ("team overview", f"{base}/"),
        ("evidence list", f"{base}/evidence/"),
        ("evidence list, page 40", f"{base}/evidence/?page=40"),
        ("evidence list, by title", f"{base}/evidence/?sort=title"),
        ("evidence list, H2 only", f"{base}/evidence/?handling_code=H2"),
        ("evidence list, type filter", f"{base}/evidence/?item_type=firearm&sort=exhibit"),
        ("item page", f"{base}/evidence/{exhibit}"),
        ("audit log", f"{base}/audit"),
        ("audit log, filtered", f"{base}/audit?operation=evidence.custody_recorded"),
        ("chat page", f"{base}/chat"),
        ("chat history (first page)", chat_history),
        ("search", f"{base}/search?q=pistol"),
        ("custody report PDF", f"{base}/evidence/{exhibit}/custody-report.pdf"),
    ]


def _sign_in(client, email: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = _CSRF.search(page).group(1)
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in failed ({answer.status_code})")


def _measure(app, client, counter, request, repeat: int) -> tuple[list[float], int, list[str]]:
    from jit.extensions import db

    timings, statements = [], []
    for _ in range(repeat + 1):  # the first request warms caches and is not counted
        counter.statements = []
        counter.on = True
        started = time.perf_counter()
        if callable(request):
            with app.app_context():
                request()
                db.session.remove()
        else:
            response = client.get(request)
            response.get_data()
            status = response.status_code
            response.close()
            if status != 200:
                raise RuntimeError(f"{request} answered {status}")
        elapsed = (time.perf_counter() - started) * 1000
        counter.on = False
        timings.append(elapsed)
        statements = counter.statements
    return timings[1:], len(statements), statements


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_database(name: str, url: str | None, scales: list[int], repeat: int, show_sql: str):
    from jit.app import create_app
    from jit.extensions import db

    folder = Path(tempfile.mkdtemp(prefix=f"jit-pages-{name}-"))
    config = {"INSTANCE_PATH": str(folder), "DEMO_PASSWORD": "bench-pages-password"}
    if url:
        config["DATABASE_URL"] = url
    app = create_app(config)
    with app.app_context():
        from jit.commands import apply_migrations

        apply_migrations()
    results: dict[int, dict[str, tuple[float, float, int]]] = {}
    for n in scales:
        with app.app_context():
            from jit import scale
            from search import outbox

            started = time.perf_counter()
            scale.seed(n)
            seeded = time.perf_counter() - started
            db.session.remove()
        started = time.perf_counter()
        # The items' index entries, drained by this process's writer thread as the server's
        # would be. (Not outbox.drain: once the pages of the first N have been requested,
        # that thread holds the writer lock, and a second drain would wait for it forever.)
        outbox.ensure_worker(app).wake()
        with app.app_context():
            while outbox.pending():
                db.session.remove()
                time.sleep(0.2)
            db.session.remove()
        print(f"[{name}] N={n}: seeded in {seeded:.1f} s, indexed in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        client = app.test_client()
        _sign_in(client, "coordinator@demo.example", "bench-pages-password")
        with app.app_context():
            counter = StatementCounter(db.engine)
        results[n] = {}
        for page, request in _pages(app, f"SCALE-{n}"):
            count = repeat if page != "custody report PDF" else max(3, repeat // 10)
            print(f"  {page}…", end="\r", file=sys.stderr, flush=True)
            timings, statements, sql = _measure(app, client, counter, request, count)
            results[n][page] = (
                statistics.median(timings),
                _percentile(timings, 0.95),
                statements,
            )
            if show_sql and show_sql == page:
                print(f"\n[{name}] N={n} {page}: {statements} statements")
                for statement in sql:
                    print("   ", " ".join(statement.split())[:200])
    # Stop the writer thread before the interpreter goes: a daemon thread inside SQLite
    # or Whoosh at exit can crash it.
    worker = app.extensions["search"].get("worker")
    if worker is not None:
        worker.stop()
    _report(name, scales, results)


def _report(name: str, scales: list[int], results) -> None:
    pages = list(results[scales[0]])
    head = f"{'page':<28}" + "".join(
        f"{'p50 ms':>9}{'p95 ms':>9}{'x base':>8}{'SQL':>5}  " for _ in scales
    )
    print(f"\n== {name}: " + "  |  ".join(f"N = {n}" for n in scales))
    print(head + "N+1?")
    for page in pages:
        line = f"{page:<28}"
        for n in scales:
            p50, p95, statements = results[n][page]
            baseline = results[n]["baseline /healthz"][0] or 1e-9
            line += f"{p50:>9.1f}{p95:>9.1f}{p50 / baseline:>8.0f}{statements:>5}  "
        grows = results[scales[-1]][page][2] > results[scales[0]][page][2]
        print(line + ("GROWS" if grows else "flat"), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--show-sql", default="", help="Print one request's SQL for this page.")
    options = parser.parse_args()
    if options.database in ("sqlite", "both"):
        run_database("SQLite", None, options.scales, options.repeat, options.show_sql)
    if options.database in ("postgresql", "both"):
        server = PostgreSQL()
        try:
            run_database("PostgreSQL", server.url, options.scales, options.repeat, options.show_sql)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
