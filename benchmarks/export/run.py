"""Export benchmark: a request's package of 200 items and 2 GiB, against ``zip -0``.

    .venv/bin/python benchmarks/export/run.py            # 200 items: 1 GiB, then 2 GiB
    .venv/bin/python benchmarks/export/run.py --small    # 20 items: 64 MiB, then 128 MiB

For each size a child process makes a fresh instance (SQLite, blob store on disk), a
team and its items (each with one file, together the size asked), drafts an MLA request
with every item and finalises it as the workspace does: verify every item (chains and
re-hashed files), render and sign the request PDF, write the package into the blob
store, record the exported custody events ("cold": no custody report made ahead).
Then it drafts a second request of the same items with ``REPORT_PRERENDER`` on, waits
for the background worker to make their custody reports (timed, with its CPU and the
renderer processes'), and finalises it ("warm": the reports come from the cache).
For each finalising it reports:

* the time of the finalising, of writing the package alone, and the server's time on
  the custody reports inside it (one WeasyPrint PDF per item, the part that does not
  depend on the bytes of the evidence: made by renderer processes, so here the HTML
  and the waiting; ``--workers 0`` renders them in the server process);
* the renderer processes' CPU time and the largest one's peak resident memory;
* the peak resident memory of the process during the finalising (``VmHWM``, reset just
  before it, Linux ≥ 4.0);
* the time ``zip -0`` takes to store the same evidence files, run right after in the
  same benchmark, and the ratio of writing the package to it.

Then one child renders a signed request PDF whose evidence schedule has 1,000 rows.

Targets (issue 13): peak RSS ≤ 200 MB and flat when the evidence doubles; package time
within 2x of ``zip -0``; the 1,000-row PDF in under 8 s. The load average is printed:
the machine these run on is shared.
"""

# ruff: noqa: S603, S607 (runs this script's own children and zip, found on the PATH)

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


def _peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _app(instance: Path, workers: int | None = None):
    from jit.app import create_app
    from jit.commands import apply_migrations

    config = {"INSTANCE_PATH": str(instance), "SECRET_KEY": "benchmark-secret-key"}
    if workers is not None:
        config["REPORT_WORKERS"] = workers
    app = create_app(config)
    with app.app_context():
        apply_migrations()
    return app


def _crew():
    from jit.accounts.services import create_user
    from jit.extensions import db
    from jit.permissions import Role
    from jit.teams import services
    from jit.teams.access import TeamAccess
    from jit.teams.models import Membership

    coordinator = create_user("coordinator@bench.example", "Coordinator", "bench password 2026")
    leader = create_user("leader@bench.example", "Leader", "bench password 2026")
    team = services.create_team(
        name="Export benchmark",
        code="BENCH",
        description="",
        parties=[
            services.PartySpec(country_code="NL", authority="Openbaar Ministerie"),
            services.PartySpec(body="EUROJUST", authority="Eurojust"),
        ],
        coordinator=coordinator,
        coordinator_party_index=1,
        actor=None,
    )
    services.add_membership(team, leader, team.parties[0], Role.LEADER, actor=None)
    db.session.commit()
    membership = db.session.scalar(
        db.select(Membership).where(Membership.user_id == leader.id, Membership.team_id == team.id)
    )
    return TeamAccess(team=team, membership=membership)


def _items(access, count: int, total_mib: int) -> list:
    """Make ``count`` items whose files hold ``total_mib`` MiB together (distinct bytes)."""
    from datetime import UTC, datetime

    from evidence import services, storage
    from evidence.sniff import sniff
    from jit.extensions import db

    block = bytearray(os.urandom(MIB))
    size = total_mib * MIB // count
    items = []
    for number in range(count):
        writer = storage.BlobWriter()
        left = size
        while left:
            block[:8] = number.to_bytes(4, "big") + left.to_bytes(4, "big")
            chunk = bytes(block[: min(MIB, left)])
            writer.write(chunk)
            left -= len(chunk)
        blob = writer.finish()
        item = services.create_item(
            access,
            services.ItemInput(
                title=f"Device image {number + 1}",
                item_type="device-image",
                collected_by="Insp. A. Example",
                collected_at=datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
                collected_time_zone="Europe/Amsterdam",
                collected_location="Rotterdam, Waalhaven 12",
                legal_basis="Art. 94 Sv (seizure)",
            ),
            [services.Upload(blob, f"image-{number + 1}.dd", sniff(blob.head))],
        )
        db.session.commit()
        items.append(item)
    return items


def child_package(instance: Path, count: int, total_mib: int, workers: int | None) -> dict:
    """Finalise a draft of every item twice: "cold" (no report made ahead), then "warm".

    Warm: a second draft of the same items is made with ``REPORT_PRERENDER`` on; the
    background worker renders its custody reports (timed, with its CPU and the renderer
    processes'), then it is finalised, taking them from the cache.
    """
    from evidence import storage
    from evidence.bundles import forms, package, prerender, services
    from jit.extensions import db
    from tests.bundles.conftest import COMPLETE

    app = _app(instance, workers)
    app.config["REPORT_PRERENDER"] = False
    with app.app_context():
        access = _crew()
        items = _items(access, count, total_mib)
        files = [str(storage.blob_path(item.files[0].sha256)) for item in items]
        _measure_packages()

        def draft():
            bundle = services.create_bundle(access, "mla")
            services.save_values(access, bundle, forms.from_mapping(COMPLETE["mla"]), "en")
            services.select_evidence(access, bundle, [item.id for item in items])
            db.session.commit()  # with REPORT_PRERENDER on, this hands the items to the worker
            return bundle

        cold = _finalise_measured(access, draft())
        app.config["REPORT_PRERENDER"] = True
        del _renderer_cpu[:]
        started, cpu = time.perf_counter(), time.process_time()
        bundle = draft()
        prerender.worker(app).wait_idle()
        ahead_s, ahead_cpu = time.perf_counter() - started, time.process_time() - cpu
        ahead_children_cpu = sum(_renderer_cpu)
        rendered = [0]
        real_html, real_pdf = package.CustodyReports._html, package.reports.custody_report_pdf

        def counted(method):
            def wrapper(*args, **kwargs):
                rendered[0] += 1
                return method(*args, **kwargs)

            return wrapper

        # A report rendered at finalising: its HTML for a renderer, or its PDF made here.
        package.CustodyReports._html = counted(real_html)
        package.reports.custody_report_pdf = counted(real_pdf)
        warm = _finalise_measured(access, bundle)
        warm["rendered_at_finalising"] = rendered[0]
        return {
            "workers": _workers(workers),
            "cold": cold,
            "warm": warm,
            "ahead_s": ahead_s,
            "ahead_cpu_s": ahead_cpu,
            "ahead_children_cpu_s": ahead_children_cpu,
            "files": files,
        }


_timings: dict = {}
_renderer_peaks: list = []
_renderer_cpu: list = []


def _watch_renderers() -> None:
    """Record each renderer process's peak RSS and CPU, read from /proc as its pool ends.

    The renderers are forked by multiprocessing's fork server (jit.pdf.process_context),
    so they are not this process's children and ``RUSAGE_CHILDREN`` never counts them;
    each has done its work when its pool is closed.
    """
    from benchmarks.common import process_cpu_seconds
    from jit import pdf

    real_close = pdf.PdfPool.close

    def measured_close(self, **kwargs):
        for pid in list((self._executor._processes or {}) if self._executor else ()):
            status = Path(f"/proc/{pid}/status").read_text()
            _renderer_peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
            _renderer_cpu.append(process_cpu_seconds(pid))
        real_close(self, **kwargs)

    pdf.PdfPool.close = measured_close


def _workers(workers):
    from jit import pdf

    return pdf.default_workers() if workers is None else workers


def _measure_packages() -> None:
    """Wrap the finalising's parts to time them (into ``_timings``)."""
    from evidence.bundles import package

    real_write = package.write_package

    def timed_write(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_write(*args, **kwargs)
        finally:
            _timings["package"] = time.perf_counter() - started

    # The reports' time in this process: looking each up in the cache (add), rendering
    # their HTML and handing it to the renderer processes (reach), waiting for each PDF,
    # reading a cached one or rendering it here (pdf_of). reach is also called inside
    # pdf_of: only the outermost call counts.
    depth = [0]

    def timed(method):
        def wrapper(*args, **kwargs):
            depth[0] += 1
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    _timings["reports"] = _timings.get("reports", 0) + (
                        time.perf_counter() - started
                    )
                    _timings["reports_cpu"] = _timings.get("reports_cpu", 0) + (
                        time.process_time() - cpu
                    )

        return wrapper

    package.write_package = timed_write
    for name in ("add", "reach", "pdf_of"):
        setattr(package.CustodyReports, name, timed(getattr(package.CustodyReports, name)))
    _watch_renderers()
    real_pool = package.report_pool

    def timed_pool(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_pool(*args, **kwargs)
        finally:
            _timings["pool_start"] = time.perf_counter() - started

    package.report_pool = timed_pool


def _finalise_measured(access, bundle) -> dict:
    from evidence.bundles import services
    from evidence.bundles.pdf import request_pdf
    from jit.extensions import db

    _timings.clear()
    del _renderer_peaks[:]
    del _renderer_cpu[:]
    _reset_peak()
    rss_before = _peak_mb()
    started = time.perf_counter()

    def signed_request_pdf(document):
        try:
            return request_pdf(document, sign=True)
        finally:
            _timings["peak_after_request_pdf"] = _peak_mb()

    services.finalise(access, bundle, signed_request_pdf)
    db.session.commit()
    finalise_seconds = time.perf_counter() - started
    peak = _peak_mb()
    return {
        "children_cpu_s": sum(_renderer_cpu),
        "children_peak_rss_mb": max(_renderer_peaks, default=0.0),
        "pool_start_s": _timings.get("pool_start", 0.0),
        "peak_after_request_pdf_mb": _timings["peak_after_request_pdf"],
        "children": len(_renderer_peaks),
        "finalise_s": finalise_seconds,
        "package_s": _timings["package"],
        "reports_s": _timings.get("reports", 0.0),
        "reports_cpu_s": _timings.get("reports_cpu", 0.0),
        "peak_rss_mb": peak,
        "rss_before_mb": rss_before,
        "package_bytes": bundle.package_size,
    }


def child_pdf(instance: Path, rows: int, in_pool: bool = False) -> dict:
    """Render and sign the request PDF of ``rows`` schedule rows twice; time and CPU of each.

    Twice: first as the first long PDF of a server process (which starts the fork
    server its renderers are forked from), then as any later one. The CPU is this
    process's and its renderer processes' (read as their pools end). With ``in_pool``
    it is rendered as at finalising, in renderer processes started before (their start
    is timed apart); otherwise as a draft's download, which starts them itself when the
    schedule is split.
    """
    from pypdf import PdfReader

    from evidence.bundles import forms, services
    from evidence.bundles.document import request_document
    from jit.extensions import db
    from tests.bundles.conftest import COMPLETE

    app = _app(instance)
    with app.app_context(), app.test_request_context():
        access = _crew()
        bundle = services.create_bundle(access, "mla")
        services.save_values(access, bundle, forms.from_mapping(COMPLETE["mla"]), "en")
        db.session.commit()
        document = request_document(bundle)
        document["evidence"] = [
            {
                "exhibit_number": f"NL-{n:04d}",
                "title": f"Device image {n}",
                "description": "Forensic image of a seized telephone.",
                "item_type": "device-image",
                "party": "NL",
                "handling_code": "H0",
                "handling_conditions": "",
                "collected_at": "2026-03-14T09:30:00+00:00",
                "collected_location": "Rotterdam, Waalhaven 12",
                "legal_basis": "Art. 94 Sv (seizure)",
                "files": [{"name": f"image-{n}.dd", "size_bytes": 10 * MIB, "sha256": f"{n:064x}"}],
                "custody_events": 3,
                "last_event": {
                    "seq": 3,
                    "type": "analysed",
                    "occurred_at": "2026-03-20T10:00:00+00:00",
                    "hash": f"{n:064x}"[::-1],
                },
                "consent": None,
                "needs_consent": False,
            }
            for n in range(1, rows + 1)
        ]
        _watch_renderers()
        renders = []
        for number in range(2):
            renders.append(_render_once(document, in_pool, first=number == 0))
        pdf = renders[-1]["pdf"]
        for render in renders:
            del render["pdf"]
        return {
            "renders": renders,
            "pdf_bytes": len(pdf),
            "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        }


def _render_once(document: dict, in_pool: bool, *, first: bool) -> dict:
    """One signed request PDF: its time, and the CPU of this process and its renderers.

    The first of a process also starts multiprocessing's fork server (jit.pdf), as the
    first long PDF after a server process starts does: its CPU is counted with that
    render's. With ``in_pool``, the renderers are started before (timed apart).
    """
    import multiprocessing.forkserver

    from benchmarks.common import process_cpu_seconds
    from evidence.bundles.pdf import request_pdf
    from jit import pdf as jit_pdf

    del _renderer_cpu[:]
    pool, pool_s, cpu = None, 0.0, time.process_time()
    if in_pool:
        started = time.perf_counter()
        pool = jit_pdf.PdfPool(jit_pdf.default_workers())
        pool_s = time.perf_counter() - started
    try:
        _reset_peak()
        rss_before = _peak_mb()
        started = time.perf_counter()
        with jit_pdf.rendering_in(pool):
            pdf = request_pdf(document, sign=True)
        seconds = time.perf_counter() - started
        peak = _peak_mb()
    finally:
        if pool is not None:
            pool.close()
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    server_cpu = process_cpu_seconds(server) if first and server else 0.0
    return {
        "pdf_s": seconds,
        "pdf_cpu_s": time.process_time() - cpu + sum(_renderer_cpu) + server_cpu,
        "fork_server_cpu_s": server_cpu,
        "pool_s": pool_s,
        "pdf": pdf,
        "peak_rss_mb": peak,
        "rss_before_mb": rss_before,
    }


def _child(args: list[str], instance: Path) -> dict:
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=str(ROOT))
    env = {k: v for k, v in env.items() if not k.startswith("JIT_")}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(instance), *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _zip_seconds(files: list[str], folder: Path) -> float:
    target = folder / "plain.zip"
    listing = "\n".join(files).encode()
    started = time.perf_counter()
    subprocess.run(["zip", "-0", "-q", "-@", str(target)], input=listing, check=True)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def _print_finalising(label: str, result: dict, items: int, zip_s: float) -> None:
    bytes_s = result["package_s"] - result["reports_s"]
    rendered = result.get("rendered_at_finalising")
    rendered = "" if rendered is None else f", {rendered} rendered at finalising"
    print(
        f"  {label}: finalise {result['finalise_s']:6.1f} s, of which package "
        f"{result['package_s']:6.1f} s ({result['package_bytes'] / MIB:,.0f} MiB; "
        f"{result['reports_s']:.1f} s on {items} custody reports here, "
        f"{result['reports_cpu_s']:.1f} s of CPU{rendered})\n"
        f"    {result['children']} renderer processes: started in "
        f"{result['pool_start_s']:.1f} s, {result['children_cpu_s']:.1f} s of CPU, peak RSS "
        f"{result['children_peak_rss_mb']:.1f} MB (the largest)\n"
        f"    ratio to zip -0: package {result['package_s'] / zip_s:4.2f}, package "
        f"without the reports {bytes_s / zip_s:4.2f}, whole finalising "
        f"{result['finalise_s'] / zip_s:4.2f}\n"
        f"    peak RSS {result['peak_rss_mb']:6.1f} MB (RSS {result['rss_before_mb']:.1f} MB "
        f"before finalising, peak {result['peak_after_request_pdf_mb']:.1f} MB once the "
        f"request PDF is made); load {_load()}"
    )


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="20 items, 64 and 128 MiB")
    parser.add_argument("--items", type=int, help="items per package")
    parser.add_argument("--sizes", type=int, nargs="+", help="total sizes in MiB")
    parser.add_argument("--rows", type=int, default=1000, help="schedule rows of the PDF")
    parser.add_argument(
        "--workers",
        type=int,
        help="custody report renderer processes (JIT_REPORT_WORKERS; 0: in the server process)",
    )
    parser.add_argument(
        "--only-pdf", action="store_true", help="only the request PDF of --rows schedule rows"
    )
    parser.add_argument(
        "--pdf-pool",
        action="store_true",
        help="render the PDF as at finalising, in renderer processes started before",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        instance, kind, *rest = args.child
        if kind == "package":
            workers = int(rest[2]) if len(rest) > 2 else None
            result = child_package(Path(instance), int(rest[0]), int(rest[1]), workers)
        else:
            result = child_pdf(Path(instance), int(rest[0]), in_pool=rest[1:] == ["pool"])
        print(json.dumps(result))
        return
    if shutil.which("zip") is None:
        sys.exit("zip is not installed (apt install zip)")
    items = args.items or (20 if args.small else 200)
    sizes = [] if args.only_pdf else args.sizes or ([64, 128] if args.small else [1024, 2048])
    print(f"load average at start: {_load()} ({os.cpu_count()} CPUs)")
    peaks = []
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix="jit-bench-export-"))
        try:
            extra = [] if args.workers is None else [str(args.workers)]
            result = _child(["package", str(items), str(size), *extra], folder / "instance")
            zip_s = _zip_seconds(result["files"], folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        peaks.append((result["cold"]["peak_rss_mb"], result["warm"]["peak_rss_mb"]))
        print(
            f"{items} items, {size:5d} MiB: zip -0 {zip_s:6.1f} s; "
            f"{result['workers']} renderer processes"
        )
        _print_finalising("cold", result["cold"], items, zip_s)
        print(
            f"  reports made ahead for a second draft of the same items: "
            f"{result['ahead_s']:.1f} s ({result['ahead_cpu_s']:.1f} s of CPU here, "
            f"{result['ahead_children_cpu_s']:.1f} s in renderer processes)"
        )
        _print_finalising("warm", result["warm"], items, zip_s)
    if len(peaks) > 1:
        print(
            f"peak RSS from {sizes[0]} to {sizes[-1]} MiB: cold x{peaks[-1][0] / peaks[0][0]:.2f}, "
            f"warm x{peaks[-1][1] / peaks[0][1]:.2f}"
        )
    folder = Path(tempfile.mkdtemp(prefix="jit-bench-export-"))
    try:
        pool = ["pool"] if args.pdf_pool else []
        result = _child(["pdf", str(args.rows), *pool], folder / "instance")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    started = " and their start" if args.pdf_pool else ""
    for render, when in zip(
        result["renders"],
        ("the first of the process (the fork server starting)", "again (the fork server running)"),
        strict=True,
    ):
        where = (
            f", in renderer processes started before in {render['pool_s']:.2f} s"
            if args.pdf_pool
            else ""
        )
        server = (
            f"; the fork server's start {render['fork_server_cpu_s']:.1f} s of CPU of it"
            if render["fork_server_cpu_s"]
            else ""
        )
        print(
            f"request PDF with {args.rows} schedule rows (signed{where}), {when}: "
            f"{render['pdf_s']:.1f} s ({render['pdf_cpu_s']:.1f} s of CPU with its renderers"
            f"{started}{server}), {result['pages']} pages, {result['pdf_bytes'] / MIB:.1f} MiB; "
            f"this process's peak RSS {render['peak_rss_mb']:.1f} MB (RSS "
            f"{render['rss_before_mb']:.1f} MB before); load {_load()}"
        )


if __name__ == "__main__":
    main()
