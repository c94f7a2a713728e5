"""Search benchmark: a case-like corpus through the outbox into Whoosh and PostgreSQL.

    .venv/bin/python benchmarks/search/run.py                       # 100,000 documents
    .venv/bin/python benchmarks/search/run.py --docs 2000 --postgresql-url URL
    .venv/bin/python benchmarks/search/run.py --docs 2000 --backends whoosh --steady-seconds 10
    .venv/bin/python benchmarks/search/run.py --backends whoosh --keep /tmp/w100k   # kept…
    .venv/bin/python benchmarks/search/run.py --backends whoosh --reuse /tmp/w100k \
        --steady-seconds 0 --ocr-pages 0                          # …and queried again
    .venv/bin/python benchmarks/search/run.py --backends postgresql --postgresql-url URL \
        --keep-database jit_bench_100k                            # the same, PostgreSQL

The corpus (seeded, so every run has the same documents) mixes English, German, French,
Dutch, Croatian and Spanish case text — seizures, payments, calls, custody notes, chat —
with realistic field values; 10 % of documents carry identifiers (phones, IBANs, e-mail
addresses). For each backend a fresh instance is made (Whoosh: SQLite in a temporary
folder; PostgreSQL: a database of its own on ``--postgresql-url``, created and dropped
here, or a throwaway cluster from benchmarks/common.py) and:

1. **rows**: each document is written as the application writes it — an evidence item
   (ORM row), a custody event note (``evidence.custody.append_event``, on the newest
   item of its party; a party's first one becomes that item) or a chat message (ORM
   row) — committed in batches of 500; the outbox rows come from the search package's
   own flush hook in the same transactions;
2. **build, through the outbox**: ``search.outbox.drain`` (the writer's own code: load
   each row as a document, extract identifiers, detect the language, write the index,
   delete the outbox rows) drains them all; documents/s is outbox rows drained per second;
3. **queries**: 200 mixed queries (words, a phrase, a prefix, a fuzzy term, field
   filters, identifiers) parsed and run through the backend's ``query`` with the top 10
   highlighted, facets and the exact total, as a search page asks for them;
4. **commit to searchable**: the real writer (``search.outbox.ensure_worker``; a
   process of its own with Whoosh, waited for until it has drained a first message) runs while
   chat messages are committed at a steady rate (20/s for 30 s); a poller searches for
   them every 50 ms (newest first, as many as are still unseen) and takes, for each,
   the start of the first search that found it minus the end of its commit.

``--keep DIR`` makes the Whoosh instance in DIR and leaves it there; ``--reuse DIR``
(with the same ``--docs``, for the FTS5 reference) skips steps 1–2 and queries it again.
The Whoosh index's segment count is printed before the queries. ``--keep-database
NAME`` and ``--reuse-database NAME`` do the same for PostgreSQL: the database NAME on
``--postgresql-url`` is made (it must not exist) and left, or queried again as a
``--keep-database`` run left it (its migrations are applied first, as at any start).

The same documents (title and body) and queries go through SQLite FTS5 (``snippet()``)
in the same run as the embedded-speed reference, and each backend's p95 ratio to it is
printed. Finally Tesseract reads rendered A4 pages for the OCR throughput. The load
average is printed first and last: on a shared machine the figures move with it.

Targets (issue 11): Whoosh p95 ≤ 25 ms at 100k; PostgreSQL p95 ≤ 15 ms; commit to
searchable p95 ≤ 2 s at 20 items/s; OCR pages/min printed.
"""

import argparse
import io
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.registry import Document  # noqa: E402

SEED = 11
BATCH = 500
QUERIES = 200
TEAM = 1
TEAM_CODE = "SEARCH-BENCH"
PHRASES = {
    "en": ["the courier left the harbour at night", "payment for converted pistols",
           "the van was searched at the border", "contacts recovered from the handset"],
    "de": ["die Lieferung kam über Spielfeld", "Zahlung für umgebaute Pistolen",
           "der Transporter wurde an der Grenze durchsucht", "Kontakte aus dem Mobiltelefon"],
    "fr": ["le convoi a quitté le port de nuit", "paiement des pistolets convertis",
           "la camionnette a été fouillée à la frontière", "contacts récupérés du téléphone"],
    "nl": ["de koerier vertrok 's nachts uit de haven", "betaling voor omgebouwde pistolen",
           "het busje werd aan de grens doorzocht", "contacten uit de telefoon gehaald"],
    "hr": ["kurir je noću napustio luku", "plaćanje za preinačene pištolje",
           "kombi je pretražen na granici", "kontakti izvučeni iz mobitela"],
    "es": ["el mensajero salió del puerto de noche", "pago por pistolas transformadas",
           "la furgoneta fue registrada en la frontera", "contactos recuperados del teléfono"],
}  # fmt: skip
PLACES = ["Rotterdam", "Medellín", "Zagreb", "Spielfeld", "Algeciras", "Bajakovo", "Antwerpen"]
KINDS = [("item", 0.4), ("custody", 0.3), ("message", 0.3)]
PARTIES = ["NL", "DE", "HR", "ES"]
PHONES = ["+31 6 1234 5678", "0031 6 2345 6789", "+385 91 234 5678", "+49 171 2345678"]
IBANS = ["NL91 ABNA 0417 1643 00", "DE89 3704 0044 0532 0130 00", "HR12 1001 0051 8630 0016 0"]
QUERY_MIX = [
    "rotterdam", "pistolen", "\"the van was searched\"", "medel*", "medelin~", "zagreb party:HR",
    "grenze OR border", "kind:message spielfeld", "phone:+31612345678",
    "iban:NL91ABNA0417164300", "courier -harbour", "algeciras date:2026-03",
]  # fmt: skip
# Every reader token the corpus's documents carry (team-visible items and their custody
# notes, chat messages): the queries see the whole corpus, filtered as a member's are.
READERS = frozenset({"evidence:team", "chat"})
PROBE_WORD = "benchprobe"
POLL_SECONDS = 0.05
POLL_HITS = 50
FOLDERS: list[Path] = []


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def corpus(count: int):
    """Yield ``count`` documents, the same ones every run."""
    rng = random.Random(SEED)  # noqa: S311 - a reproducible corpus, not a secret
    start = datetime(2025, 1, 1, tzinfo=UTC)
    kinds, weights = zip(*KINDS, strict=True)
    for number in range(1, count + 1):
        language = rng.choice(list(PHRASES))
        words = [rng.choice(PHRASES[language]) for _ in range(rng.randint(8, 30))]
        words.insert(rng.randrange(len(words)), rng.choice(PLACES))
        if rng.random() < 0.10:
            words.append(rng.choice(PHONES))
            words.append(rng.choice(IBANS))
            words.append(f"contact{rng.randint(1, 500)}@example.org")
        body = ". ".join(words)
        party = rng.choice(PARTIES)
        kind = rng.choices(kinds, weights)[0]
        yield Document(
            kind=kind,
            object_id=number,
            team_id=TEAM,
            title=f"{party}-{number:05d} {rng.choice(PLACES)}",
            body=body,
            occurred_at=start + timedelta(minutes=rng.randint(0, 700_000)),
            readers=("evidence:team",),
            party=party,
            exhibit=f"{party}-{number:05d}",
            language=language,
            ref=str(number),
        )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


# --- One backend: rows, outbox, queries, commit to searchable --------------------------


class Instance:
    """A fresh JIT instance on the backend ``name`` with the benchmark's team."""

    def __init__(self, name: str, database_url: str | None, folder: Path):
        from jit.app import create_app

        config = {
            "INSTANCE_PATH": str(folder),
            "SEARCH_BACKEND": name,
            "SEARCH_WORKER": False,  # started by hand for the commit-to-searchable phase
            "DEMO_PASSWORD": "search-bench-password",
        }
        if database_url:
            config["DATABASE_URL"] = database_url
        self.app = create_app(config)
        with self.app.app_context():
            from jit.commands import apply_migrations
            from jit.extensions import db

            apply_migrations()
            self.team_id = self._team()
            db.session.remove()

    def _team(self) -> int:
        from jit.demo import DemoPerson, DemoTeam, _ensure_team, demo_password
        from jit.extensions import db
        from jit.permissions import Role
        from jit.teams.services import PartySpec

        people = [
            DemoPerson(f"bench.{code.lower()}", f"Investigator {code}", "UTC", code,
                       Role.COORDINATOR if code == "NL" else Role.LEADER, "Investigator")
            for code in PARTIES
        ]  # fmt: skip
        spec = DemoTeam(
            code=TEAM_CODE,
            name="Search benchmark",
            description="Made by benchmarks/search/run.py.",
            parties=[
                PartySpec(authority=f"Prosecution {code}", country_code=code) for code in PARTIES
            ],
            people=people,
            set_up_at=datetime(2024, 12, 1, tzinfo=UTC),
        )
        team = _ensure_team(spec, demo_password())
        db.session.commit()
        return team.id

    def writers(self) -> dict:
        """Return ``{party code: membership}`` of the team (one person per party)."""
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from jit.extensions import db
        from jit.teams.models import Membership

        memberships = db.session.scalars(
            select(Membership)
            .where(Membership.team_id == self.team_id)
            .options(selectinload(Membership.user), selectinload(Membership.party))
        )
        return {m.party.short_label: m for m in memberships}


def write_rows(instance: Instance, documents: list[Document]) -> int:
    """Write the corpus as items, custody notes and chat messages; return rows written."""
    from sqlalchemy import select, update

    from evidence import custody
    from evidence.models import EvidenceItem
    from jit.chat.models import Channel, Message
    from jit.extensions import db

    members = instance.writers()
    channel = db.session.scalar(
        select(Channel).where(Channel.team_id == instance.team_id, Channel.is_general.is_(True))
    )
    if channel is None:
        from jit.chat.services import new_general_channel
        from jit.teams.models import Team

        channel = new_general_channel(db.session.get_one(Team, instance.team_id))
        db.session.add(channel)
        db.session.flush()
    seq = channel.last_seq
    sequences = dict.fromkeys(PARTIES, 0)
    newest_item: dict[str, EvidenceItem] = {}
    written = 0
    for number, document in enumerate(documents):
        member = members[document.party]
        kind = document.kind
        if kind == "custody" and document.party not in newest_item:
            kind = "item"  # a custody note needs an item of its party: the first one is it
        if kind == "item":
            sequences[document.party] += 1
            item = EvidenceItem(
                team_id=instance.team_id,
                party_id=member.party_id,
                party_sequence=sequences[document.party],
                exhibit_number=f"{document.party}-{sequences[document.party]:05d}",
                title=document.title,
                description=document.body,
                item_type="document",
                collected_by=member.user.display_name,
                collected_at=document.occurred_at,
                collected_time_zone="UTC",
                collected_location=PLACES[number % len(PLACES)],
                legal_basis="Art. 19 UNTOC; national seizure order",
                visibility="team",
                handling_code="H0",
                created_by_id=member.user_id,
            )
            db.session.add(item)
            newest_item[document.party] = item
        elif kind == "custody":
            custody.append_event(
                newest_item[document.party],
                "analysed",
                recorded_by=member.user,
                occurred_at=document.occurred_at,
                location=PLACES[number % len(PLACES)],
                purpose="Examined",
                details={"notes": document.body},
            )
        else:
            seq += 1
            db.session.add(
                Message(
                    channel_id=channel.id,
                    seq=seq,
                    author_id=member.user_id,
                    author_party_id=member.party_id,
                    client_id=uuid.uuid4().hex,
                    body=document.body,
                    created_at=document.occurred_at,
                )
            )
        written += 1
        if written % BATCH == 0:
            db.session.execute(update(Channel).where(Channel.id == channel.id).values(last_seq=seq))
            db.session.commit()
    db.session.execute(update(Channel).where(Channel.id == channel.id).values(last_seq=seq))
    db.session.commit()
    return written


def run_queries(instance: Instance, queries: list[str]) -> dict:
    from jit.extensions import db
    from search import query as q
    from search.backends import Scope, get_backend
    from search.registry import identifier_fields

    scope = [Scope(instance.team_id, TEAM_CODE, READERS)]
    fields = identifier_fields(instance.app)
    backend = get_backend(instance.app)
    timings, per_query = [], {}
    for text in queries:
        began = time.perf_counter()
        tree = q.parse(text, identifiers=fields)
        found = backend.query(scope, tree, sort="relevance", page=1, per_page=10,
                              identifier_types=tuple(fields))  # fmt: skip
        elapsed = (time.perf_counter() - began) * 1000
        db.session.rollback()  # end the read transaction, as a request does
        timings.append(elapsed)
        per_query.setdefault(text, [found.total, []])[1].append(elapsed)
        if len(timings) % 50 == 0 and len(timings) < len(queries):
            # A long run shows how it goes (and what it had, were it stopped).
            p50, p95 = percentiles(timings)
            print(f"  {len(timings)} queries: p50 {p50:.1f} ms  p95 {p95:.1f} ms", flush=True)
    return {"timings": timings, "per_query": per_query}


def warm_up(instance: Instance, outbox) -> None:
    """Wait until the writer (a process of its own: an interpreter and an app to start)
    has drained a first message, as a server's has long before: its start-up is not a
    commit's wait."""
    from jit.chat.models import Channel, Message
    from jit.clock import utcnow
    from jit.extensions import db

    with instance.app.app_context():
        from sqlalchemy import select

        member = next(iter(instance.writers().values()))
        channel = db.session.scalar(
            select(Channel).where(Channel.team_id == instance.team_id, Channel.is_general.is_(True))
        )
        channel.last_seq += 1
        db.session.add(
            Message(channel_id=channel.id, seq=channel.last_seq, author_id=member.user_id,
                    author_party_id=member.party_id, client_id=uuid.uuid4().hex,
                    body="warm-up", created_at=utcnow())
        )  # fmt: skip
        db.session.commit()
        deadline = time.monotonic() + 120
        while outbox.pending() and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.05)
        db.session.remove()


def commit_to_searchable(instance: Instance, rate: float, seconds: float) -> dict:
    """Commit chat messages at ``rate``/s with the writer thread on; time until found."""
    from jit.chat.models import Channel, Message
    from jit.clock import utcnow
    from jit.extensions import db
    from search import outbox
    from search import query as q
    from search.backends import Scope, get_backend

    app = instance.app
    backend = get_backend(app)
    scope = [Scope(instance.team_id, TEAM_CODE, READERS)]
    tree = q.parse(f"{PROBE_WORD} kind:message")
    committed: dict[int, float] = {}
    found: dict[int, float] = {}
    lock = threading.Lock()
    writing = threading.Event()
    writing.set()

    def poll():
        with app.app_context():
            while True:
                with lock:
                    waiting = set(committed) - set(found)
                if not waiting and not writing.is_set():
                    return
                # The writer indexes in commit order, so the newest indexed probes are the
                # ones not seen yet: asking for as many as wait finds every one of them,
                # even when a late batch makes many searchable at once.
                began = time.perf_counter()
                wanted = max(POLL_HITS, len(waiting))
                result = backend.query(scope, tree, sort="date", page=1, per_page=wanted)
                db.session.rollback()
                with lock:
                    for hit in result.hits:
                        if hit.object_id in committed and hit.object_id not in found:
                            found[hit.object_id] = began
                if time.perf_counter() > deadline[0]:
                    return
                time.sleep(POLL_SECONDS)

    deadline = [float("inf")]
    worker = outbox.ensure_worker(app)
    warm_up(instance, outbox)
    poller = threading.Thread(target=poll, name="bench-poller", daemon=True)
    poller.start()
    rng = random.Random(SEED + 1)  # noqa: S311 - reproducible text, not a secret
    with app.app_context():
        members = instance.writers()
        from sqlalchemy import select

        channel = db.session.scalar(
            select(Channel).where(Channel.team_id == instance.team_id, Channel.is_general.is_(True))
        )
        channel_id, seq = channel.id, channel.last_seq
        parties = sorted(members)
        total = int(rate * seconds)
        started = time.perf_counter()
        late = 0
        for number in range(total):
            due = started + number / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            else:
                late += 1
            member = members[parties[number % len(parties)]]
            language = rng.choice(list(PHRASES))
            seq += 1
            message = Message(
                channel_id=channel_id,
                seq=seq,
                author_id=member.user_id,
                author_party_id=member.party_id,
                client_id=uuid.uuid4().hex,
                body=f"{rng.choice(PHRASES[language])} {PROBE_WORD}",
                created_at=utcnow(),
            )
            db.session.add(message)
            db.session.flush()
            message_id = message.id
            db.session.execute(
                Channel.__table__.update().where(Channel.id == channel_id).values(last_seq=seq)
            )
            db.session.commit()  # wakes the writer thread (search.outbox._wake_writer)
            with lock:
                committed[message_id] = time.perf_counter()
        writing_took = time.perf_counter() - started
        db.session.remove()
    deadline[0] = time.perf_counter() + 30
    writing.clear()
    poller.join()
    worker.stop()
    latencies = [(found[i] - committed[i]) * 1000 for i in committed if i in found]
    return {
        "written": len(committed),
        "seconds": writing_took,
        "late": late,
        "latencies": latencies,
        "missing": len(committed) - len(latencies),
    }


def whoosh_segments(instance: Instance) -> int | None:
    """Return how many segments the team's Whoosh index has (each search opens them all)."""
    from search.backends import get_backend

    backend = get_backend(instance.app)
    if backend.name != "whoosh":
        return None
    ix = backend._open(instance.team_id, create=False)
    return None if ix is None else len(ix._segments())


def instance_folder(name: str, args) -> Path:
    """The Whoosh instance's folder: kept (--keep, --reuse) or a temporary one."""
    kept = args.reuse or args.keep
    if name == "whoosh" and kept:
        folder = Path(kept).resolve()
        if args.keep and folder.exists() and any(folder.iterdir()):
            raise SystemExit(f"--keep {folder}: the folder is not empty (--reuse it?)")
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    # Removed when the run ends: the app's SQLite checkpoint thread outlives this.
    folder = Path(tempfile.mkdtemp(prefix=f"jit-search-bench-{name}-"))
    FOLDERS.append(folder)
    return folder


def backend_run(name: str, database_url: str | None, documents, queries, args) -> dict:
    from jit.extensions import db
    from search import outbox

    folder = instance_folder(name, args)
    instance = Instance(name, database_url, folder)
    app = instance.app
    reused = args.reuse if name == "whoosh" else args.reuse_database
    if reused:
        # The kept instance's rows and index, as its run left them: queries only.
        where = str(folder) if name == "whoosh" else f"the database {reused}"
        result = {"rows": 0, "written": 0.0, "drained": 0, "build": 0.0, "reused": where}
        print(f"[{name}] reusing the instance in {where}", flush=True)
    else:
        with app.app_context():
            pending_before = outbox.pending()
            started = time.perf_counter()
            rows = write_rows(instance, documents)
            written = time.perf_counter() - started
            queued = outbox.pending() - pending_before
            db.session.remove()
        print(f"[{name}] {rows:,} rows written in {written:.1f} s "
              f"({queued:,} outbox rows besides {pending_before} of the team's set-up); "
              "draining…", flush=True)  # fmt: skip
        with app.app_context():
            started = time.perf_counter()
            drained = outbox.drain(app, timeout=60)
            build = time.perf_counter() - started
            db.session.remove()
        print(f"[{name}] drained {drained:,} outbox rows in {build:.1f} s "
              f"({drained / build:.0f} docs/s); querying…", flush=True)  # fmt: skip
        result = {"rows": rows, "written": written, "drained": drained, "build": build}
        if name == "whoosh":
            # A commit merges only small segments; the writer merges the rest once nothing
            # has changed for JIT_SEARCH_TIDY_SECONDS, as here after the build.
            from search.backends import get_backend

            before = whoosh_segments(instance)
            started = time.perf_counter()
            merges = get_backend(app).tidy()
            result["tidy"] = (merges, time.perf_counter() - started, before)
            print(f"[{name}] tidied while idle: {merges} merges in {result['tidy'][1]:.1f} s, "
                  f"{before} → {whoosh_segments(instance)} segments", flush=True)  # fmt: skip
    result["segments"] = whoosh_segments(instance)
    if result["segments"] is not None:
        print(f"[{name}] the index has {result['segments']} segments", flush=True)
    if queries:
        with app.app_context():
            started = time.perf_counter()
            result.update(run_queries(instance, queries))
            db.session.remove()
        print(f"[{name}] {len(queries)} queries in {time.perf_counter() - started:.1f} s",
              flush=True)  # fmt: skip
    if args.steady_seconds:
        print(f"[{name}] commit to searchable: {args.steady_rate:g} messages/s for "
              f"{args.steady_seconds:g} s…", flush=True)  # fmt: skip
        result["steady"] = commit_to_searchable(instance, args.steady_rate, args.steady_seconds)
        result["segments_after"] = whoosh_segments(instance)
    with app.app_context():
        db.engine.dispose()
    return result


# --- The embedded-speed reference and OCR ------------------------------------------------


def _fts_query(text: str) -> str:
    # The same words as the Whoosh query, in FTS5's syntax (fields become plain words).
    words = [w.strip('"-~*') for w in text.split() if ":" not in w and w not in ("OR",)]
    return " ".join(f'"{w}"' for w in words if w) or '"rotterdam"'


def fts5_run(documents: list[Document], queries: list[str]) -> dict:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE docs USING fts5"
        "(title, body, tokenize='unicode61 remove_diacritics 2')"
    )
    started = time.perf_counter()
    for first in range(0, len(documents), BATCH):
        connection.executemany(
            "INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
            [(d.object_id, d.title, d.body) for d in documents[first : first + BATCH]],
        )
        connection.commit()
    build = time.perf_counter() - started
    timings = []
    for text in queries:
        began = time.perf_counter()
        connection.execute(
            "SELECT rowid, snippet(docs, 1, '<mark>', '</mark>', '…', 30) FROM docs "
            "WHERE docs MATCH ? ORDER BY rank LIMIT 10",
            (_fts_query(text),),
        ).fetchall()
        connection.execute(
            "SELECT count(*) FROM docs WHERE docs MATCH ?", (_fts_query(text),)
        ).fetchall()
        timings.append((time.perf_counter() - began) * 1000)
    return {"build": build, "rate": len(documents) / build, "timings": timings}


def ocr_run(pages: int) -> float | None:
    """Return pages per minute Tesseract reads (rendered A4 text pages, 300 dpi)."""
    if shutil.which("tesseract") is None:
        return None
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 36)
    environment = dict(os.environ, OMP_THREAD_LIMIT="1")
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number in range(pages):
            image = Image.new("L", (2480, 3508), 255)
            draw = ImageDraw.Draw(image)
            for line in range(60):
                draw.text((150, 150 + line * 52), PHRASES["de"][line % 4] + f" {number}", 0, font)
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            path = Path(folder) / f"page{number}.png"
            path.write_bytes(buffer.getvalue())
            paths.append(path)
        started = time.perf_counter()
        for path in paths:
            subprocess.run(  # noqa: S603 - tesseract by path, fixed arguments
                [shutil.which("tesseract"), str(path), "stdout", "-l", "deu+eng"],
                capture_output=True,
                check=True,
                env=environment,
            )
        return pages / ((time.perf_counter() - started) / 60)


# --- Running it ----------------------------------------------------------------------------


class PostgresDatabase:
    """A database of its own for the run: on ``server_url``, or on a throwaway cluster."""

    def __init__(self, server_url: str | None, keep: str | None = None, reuse: str | None = None):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self.cluster = None
        if not server_url:
            from benchmarks.common import PostgreSQL

            self.cluster = PostgreSQL(prefix="jit-search-bench-pg-")
            server_url = self.cluster.url
        self.server = make_url(server_url)
        self.kept = keep or reuse
        self.name = self.kept or f"jit_search_bench_{os.getpid()}"
        self._text = text
        self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": self.name}
            ).scalar()
            if keep and exists:
                raise SystemExit(f"--keep-database {keep}: it exists (--reuse-database it?)")
            if reuse and not exists:
                raise SystemExit(f"--reuse-database {reuse}: no such database")
            if not self.kept:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
            if not reuse:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = self.server.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        """Drop the run's database, unless it is kept (--keep-database, --reuse-database)."""
        if not self.kept:
            with self.admin.connect() as connection:
                connection.execute(
                    self._text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                )
        self.admin.dispose()
        if self.cluster is not None:
            self.cluster.stop()


def report(name: str, result: dict, fts5_p95: float | None, target: float, args) -> None:
    if result.get("reused"):
        print(f"{name:<10} the instance kept in {result['reused']} (not built in this run)")
    else:
        print(f"{name:<10} rows {result['rows']:,} written in {result['written']:.1f} s; "
              f"built through the outbox: {result['drained']:,} documents in "
              f"{result['build']:.1f} s = {result['drained'] / result['build']:.0f} docs/s"
        )  # fmt: skip
    if result.get("tidy"):
        merges, seconds, before = result["tidy"]
        print(f"{'':<10} merged while idle after the build: {merges} merges in {seconds:.1f} s "
              f"({before} segments before)")  # fmt: skip
    if result.get("segments") is not None:
        print(f"{'':<10} index segments before the queries: {result['segments']}")
    if result.get("timings"):
        p50, p95 = percentiles(result["timings"])
        print(f"{'':<10} {len(result['timings'])} queries (top 10 highlighted): p50 {p50:.1f} ms"
              f"  p95 {p95:.1f} ms  (target p95 ≤ {target:g} ms at 100k)  "
              f"p95 / fts5 p95: {p95 / fts5_p95:.1f}")  # fmt: skip
    steady = result.get("steady")
    if steady:
        line = (f"{'':<10} commit to searchable, {steady['written']} messages at "
                f"{args.steady_rate:g}/s over {steady['seconds']:.1f} s "
                f"({steady['late']} written late): ")  # fmt: skip
        if steady["latencies"]:
            s50, s95 = percentiles(steady["latencies"])
            line += (f"p50 {s50:.0f} ms  p95 {s95:.0f} ms  max {max(steady['latencies']):.0f} ms"
                     "  (target p95 ≤ 2000 ms)")  # fmt: skip
        else:
            line += "none found"
        if steady["missing"]:
            line += f"; NOT FOUND within 30 s after the last: {steady['missing']}"
        print(line)
        if result.get("segments_after") is not None:
            print(f"{'':<10} index segments after it: {result['segments_after']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--backends", nargs="+", choices=["whoosh", "postgresql"],
                        default=["whoosh", "postgresql"])  # fmt: skip
    parser.add_argument("--postgresql-url", help="a server to make the run's database on "
                        "(default: a throwaway cluster)")  # fmt: skip
    parser.add_argument("--steady-rate", type=float, default=20.0)
    parser.add_argument("--steady-seconds", type=float, default=30.0,
                        help="0 skips the commit-to-searchable phase")  # fmt: skip
    parser.add_argument("--ocr-pages", type=int, default=3)
    parser.add_argument("--queries", type=int, default=QUERIES,
                        help="how many of the mixed queries to time (0 skips them)")  # fmt: skip
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", metavar="DIR", help="make the Whoosh instance (SQLite "
                      "database and index) in DIR, an empty folder, and leave it")  # fmt: skip
    kept.add_argument("--reuse", metavar="DIR", help="run the queries (and the steady "
                      "phase, which adds its messages) against the Whoosh instance a "
                      "--keep run left in DIR, without writing rows or building")  # fmt: skip
    kept_database = parser.add_mutually_exclusive_group()
    kept_database.add_argument("--keep-database", metavar="NAME", help="make the PostgreSQL "
                               "instance in the database NAME on --postgresql-url (it must "
                               "not exist) and leave it")  # fmt: skip
    kept_database.add_argument("--reuse-database", metavar="NAME", help="run the queries "
                               "(and the steady phase) against the database NAME a "
                               "--keep-database run left, without writing rows or "
                               "building")  # fmt: skip
    args = parser.parse_args()
    if (args.keep or args.reuse) and "whoosh" not in args.backends:
        parser.error("--keep and --reuse are for the Whoosh instance")
    if args.keep_database or args.reuse_database:
        if "postgresql" not in args.backends:
            parser.error("--keep-database and --reuse-database are for PostgreSQL")
        if not args.postgresql_url:
            parser.error("--keep-database and --reuse-database need --postgresql-url")
    if args.reuse and not Path(args.reuse).is_dir():
        parser.error(f"--reuse {args.reuse}: no such folder")
    try:
        run(args)
    finally:
        for folder in FOLDERS:
            shutil.rmtree(folder, ignore_errors=True)


def run(args) -> None:
    print(f"load average at start: {load_average()}  (cores: {os.cpu_count()})")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; documents: {args.docs:,}; "
          f"backends: {' '.join(args.backends)}", flush=True)  # fmt: skip
    documents = list(corpus(args.docs))
    rng = random.Random(SEED)  # noqa: S311 - reproducible queries, not a secret
    queries = [rng.choice(QUERY_MIX) for _ in range(args.queries)]
    results = {}
    for name in args.backends:
        database = (
            PostgresDatabase(args.postgresql_url, args.keep_database, args.reuse_database)
            if name == "postgresql"
            else None
        )
        try:
            results[name] = backend_run(
                name, database.url if database else None, documents, queries, args
            )
        finally:
            if database is not None:
                database.drop()
    f95 = None
    if queries:
        print("… and SQLite FTS5 over the same documents", flush=True)
        fts5 = fts5_run(documents, queries)
        f50, f95 = percentiles(fts5["timings"])
    print(f"\ndocuments: {args.docs:,}  queries: {len(queries)} (top 10 highlighted)")
    targets = {"whoosh": 25, "postgresql": 15}
    for name, result in results.items():
        report(name, result, f95, targets[name], args)
    if queries:
        print(f"{'fts5':<10} built in {fts5['build']:.1f} s ({fts5['rate']:.0f} docs/s, direct "
              f"inserts)  p50 {f50:.1f} ms  p95 {f95:.1f} ms")  # fmt: skip
        print("\nper query: total hits, median ms (" + ", ".join(results) + ")")
    for text in dict.fromkeys(queries):
        cells = []
        for result in results.values():
            total, timings = result["per_query"][text]
            cells.append(f"{total:>7,} {statistics.median(timings):>7.1f}")
        print(f"  {text:<32}" + "   ".join(cells))
    pages_per_minute = ocr_run(args.ocr_pages) if args.ocr_pages else None
    if not args.ocr_pages:
        print("ocr        not measured (--ocr-pages 0)")
    elif pages_per_minute is None:
        print("ocr        tesseract not installed")
    else:
        print(f"ocr        {pages_per_minute:.1f} pages/min (A4, 300 dpi, one thread)")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
