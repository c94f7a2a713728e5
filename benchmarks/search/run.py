"""Search benchmark: a reproducible case-like corpus through Whoosh and SQLite FTS5, and OCR.

    .venv/bin/python benchmarks/search/run.py                 # 100,000 documents
    .venv/bin/python benchmarks/search/run.py --docs 5000     # a short run

The corpus (seeded, so every run has the same documents) mixes English, German, French,
Dutch, Croatian and Spanish case text — seizures, payments, calls, custody notes, chat —
with realistic field values; 10 % of documents carry identifiers (phones, IBANs, e-mail
addresses). It is indexed in batches of 500 as the outbox writer does, straight into the
backend (no HTTP, no database rows), then 200 mixed queries (words, phrases, prefixes,
fuzzy terms, field filters, identifiers) are timed with the top 10 highlighted. The same
documents and queries go through SQLite FTS5 (``snippet()`` for the fragments) in the
same run as the embedded-speed reference, and the ratio is printed. Finally Tesseract
reads rendered A4 pages to give the OCR throughput. The load average is printed first
and last: on a shared machine the figures move with it.

Targets (issue 11): Whoosh p95 ≤ 25 ms at 100k; OCR pages/min printed. PostgreSQL and
commit-to-searchable under a steady 20 items/s are not measured by this script yet
(see README.md).
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
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search import identifiers  # noqa: E402
from search import query as q  # noqa: E402
from search.backends import Scope  # noqa: E402
from search.backends.whoosh import WhooshBackend  # noqa: E402
from search.registry import Document  # noqa: E402

SEED = 11
BATCH = 500
QUERIES = 200
TEAM = 1
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
            identifiers=identifiers.extract(body, party),
        )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def whoosh_run(documents: list[Document], folder: Path, queries: list[str]) -> dict:
    backend = WhooshBackend(folder)
    backend.clear_team(TEAM)
    started = time.perf_counter()
    for first in range(0, len(documents), BATCH):
        backend.apply(TEAM, documents[first : first + BATCH], [])
    build = time.perf_counter() - started
    print(f"  whoosh built in {build:.1f} s; querying…", flush=True)
    scope = [Scope(TEAM, "BENCH", frozenset({"evidence:team"}))]
    fields = identifiers.FIELDS
    timings = []
    for text in queries:
        tree = q.parse(text, identifiers=fields)
        began = time.perf_counter()
        backend.query(scope, tree, sort="relevance", page=1, per_page=10)
        timings.append((time.perf_counter() - began) * 1000)
    return {"build": build, "rate": len(documents) / build, "timings": timings}


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
        connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (_fts_query(text),))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--ocr-pages", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {load_average()}  (cores: {os.cpu_count()})")
    documents = list(corpus(args.docs))
    rng = random.Random(SEED)  # noqa: S311 - reproducible queries, not a secret
    queries = [rng.choice(QUERY_MIX) for _ in range(QUERIES)]
    print("corpus ready; indexing with Whoosh…", flush=True)
    with tempfile.TemporaryDirectory(prefix="jit-search-bench-") as folder:
        whoosh = whoosh_run(documents, Path(folder), queries)
    print("… and with SQLite FTS5", flush=True)
    fts5 = fts5_run(documents, queries)
    w50, w95 = percentiles(whoosh["timings"])
    f50, f95 = percentiles(fts5["timings"])
    print(f"documents: {args.docs:,}  queries: {QUERIES} (top 10 highlighted)")
    print(f"whoosh  build {whoosh['build']:.1f} s  {whoosh['rate']:.0f} docs/s  "
          f"p50 {w50:.1f} ms  p95 {w95:.1f} ms  (target p95 ≤ 25 ms at 100k)")  # fmt: skip
    print(f"fts5    build {fts5['build']:.1f} s  {fts5['rate']:.0f} docs/s  "
          f"p50 {f50:.1f} ms  p95 {f95:.1f} ms")  # fmt: skip
    print(f"whoosh / fts5 p95 ratio: {w95 / f95:.1f}")
    pages_per_minute = ocr_run(args.ocr_pages) if args.ocr_pages else None
    if not args.ocr_pages:
        print("ocr     not measured (--ocr-pages 0)")
    elif pages_per_minute is None:
        print("ocr     tesseract not installed")
    else:
        print(f"ocr     {pages_per_minute:.1f} pages/min (A4, 300 dpi, one thread)")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
