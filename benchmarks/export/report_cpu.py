"""Micro benchmark: the CPU one custody report PDF costs, this checkout against another.

    PYTHONPATH=. .venv/bin/python benchmarks/export/report_cpu.py
    PYTHONPATH=. .venv/bin/python benchmarks/export/report_cpu.py --before /tmp/main-export
    PYTHONPATH=. .venv/bin/python benchmarks/export/report_cpu.py --profile /tmp/report.prof

Each checkout (this one, and ``--before``'s: an export of another commit, ``git archive``)
gets a child process run with that checkout on its ``PYTHONPATH``. It makes a fresh
instance (SQLite, in a temporary folder) with one item as ``run.py`` makes them (one
file of 1 MiB and its custody events), drafts a request with it and renders the HTML of
the item's custody report as the request's package holds it (with its own template and
stylesheet). Then, as at finalising, a renderer process (``jit.pdf.PdfPool``, one) makes
the PDF: three times to warm up (stylesheet parsed, fonts loaded), then ``--renders``
times per round, the rounds alternating between the checkouts so that both are measured
in the same window. The figure is the renderer's CPU time (``time.process_time``, read in
the renderer before and after the round) divided by the reports of the round; the ratio
of the two checkouts' medians is the one to compare between runs.

In a cold package (``run.py``) two renderers make these reports while the server hashes;
on two vCPUs that share their cores the same work then costs more CPU than here, alone.
``--profile FILE`` profiles this checkout's renders with cProfile, in its child process.
"""

# ruff: noqa: S603 (runs this script's own children)

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TAG = "@@ "  # a child's answers, apart from whatever else it prints


def child(instance: Path, pdf_out: str | None) -> None:
    """Build the report's HTML, then have a renderer process make its PDF, as asked.

    Reads commands on stdin: ``N`` renders the report N times in the renderer process and
    answers the renderer's CPU time per report; ``profile N FILE`` renders it N times in
    this process under cProfile.
    """
    sys.path.insert(0, str(HERE))
    import run  # this directory's run.py: the benchmark's app, crew and items

    from evidence import custody, queries
    from evidence.bundles import forms, prerender, services
    from jit import pdf
    from jit.extensions import db
    from tests.bundles.conftest import COMPLETE

    app = run._app(instance, 0)
    app.config["REPORT_PRERENDER"] = False
    with app.app_context(), app.test_request_context():
        from evidence import reports

        access = run._crew()
        (item,) = run._items(access, 1, 1)
        bundle = services.create_bundle(access, "mla")
        services.save_values(access, bundle, forms.from_mapping(COMPLETE["mla"]), "en")
        services.select_evidence(access, bundle, [item.id])
        db.session.commit()
        moment = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
        html = prerender.report_html(
            item,
            bundle,
            events=queries.custody_chain(item),
            head=queries.chain_head(item),
            result=custody.verify_items([item]),
            checked_at=moment,
            generated_at=moment,
        )
        css, folder = reports.custody_report_css(), app.static_folder

    # One renderer process, as a package's (jit.pdf.PdfPool): the same start, the same
    # work per report (the HTML and stylesheet sent, the PDF sent back).
    with pdf.PdfPool(1) as pool:
        for _ in range(3):  # a renderer's first documents: the stylesheet parsed, fonts loaded
            data = pool.submit(html, css, folder).result()
        if pdf_out:
            Path(pdf_out).write_bytes(data)
        pages = len(PdfReader(io.BytesIO(data)).pages)
        print(TAG + json.dumps({"pages": pages, "bytes": len(data)}), flush=True)
        for line in sys.stdin:
            if line.startswith("profile "):
                import cProfile

                _, count, path = line.split()
                for _ in range(3):  # warm here too: this process has not rendered yet
                    pdf.html_pdf(html, css=css, static_folder=folder)
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(int(count)):
                    pdf.html_pdf(html, css=css, static_folder=folder)
                profile.disable()
                profile.dump_stats(path)
                print(TAG + "null", flush=True)
                continue
            count = int(line)
            # The renderer's own CPU clock, read by the renderer before and after.
            before = pool.call(time.process_time).result()
            for future in [pool.submit(html, css, folder) for _ in range(count)]:
                future.result()
            after = pool.call(time.process_time).result()
            print(TAG + json.dumps((after - before) / count), flush=True)


class Child:
    def __init__(self, label: str, checkout: Path, pdf_out: Path | None):
        self.label, self.checkout, self.times = label, checkout, []
        env = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=str(checkout))
        env = {k: v for k, v in env.items() if not k.startswith("JIT_")}
        self.folder = tempfile.TemporaryDirectory(prefix="jit-bench-reportcpu-")
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(Path(self.folder.name) / "instance"),
        ]
        if pdf_out:
            command.append(str(pdf_out))
        self.process = subprocess.Popen(
            command,
            cwd=checkout,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.info = self._answer()

    def _answer(self):
        for line in self.process.stdout:
            if line.startswith(TAG):
                return json.loads(line[len(TAG) :])
        raise SystemExit(f"the {self.label} child ended (exit {self.process.wait()})")

    def ask(self, command: str):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()
        self.folder.cleanup()


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout to compare with")
    parser.add_argument("--renders", type=int, default=20, help="PDFs per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per checkout")
    parser.add_argument("--pdf", type=Path, help="write each checkout's PDF to PDF-LABEL.pdf")
    parser.add_argument("--profile", type=Path, help="cProfile this checkout's renders to FILE")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1] if len(args.child) > 1 else None)
        return
    print(f"load average at start: {_load()} ({os.cpu_count()} CPUs)")
    sides = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    children = []
    try:
        for label, checkout in sides:
            pdf = args.pdf and args.pdf.with_name(f"{args.pdf.stem}-{label}.pdf")
            children.append(Child(label, checkout, pdf))
        if args.profile:
            children[0].ask(f"profile {args.renders * args.rounds} {args.profile.resolve()}")
            print(f"profile of {args.renders * args.rounds} renders in {args.profile}")
            return
        for round_ in range(args.rounds):
            # before first in even rounds, so neither side always runs after the other
            for side in children[::-1] if round_ % 2 == 0 else children:
                side.times.append(side.ask(str(args.renders)))
        medians = {}
        for side in children:
            ms = [t * 1000 for t in side.times]
            medians[side.label] = statistics.median(ms)
            print(
                f"{side.label:6} ({side.checkout}): {side.info['pages']} pages, "
                f"{side.info['bytes']:,} bytes; renderer CPU per report in each round of "
                f"{args.renders}: {', '.join(f'{t:.1f}' for t in ms)} ms; "
                f"median {statistics.median(ms):.1f} ms"
            )
        if len(children) > 1:
            print(f"after / before (medians): {medians['after'] / medians['before']:.3f}")
        print(f"load average at the end: {_load()}")
    finally:
        for side in children:
            side.close()


if __name__ == "__main__":
    main()
