"""Small packages, cold: custody reports rendered in the server process or by renderers.

    .venv/bin/python benchmarks/export/small_packages.py [--items 1 2 4 8] [--rounds 3]

In one process, on a fresh instance (SQLite, blob store on disk, 1 MiB files), it
finalises MLA requests of K items with no custody report made ahead, alternately with
the reports rendered in this process (``POOL_FROM_ITEMS`` set above K) and by renderer
processes (set to 1). It first finalises one package with renderers, which starts the
fork server they are forked from, and prints that first one apart: a server process
pays it once (``jit.pdf.process_context``). Then, for each K, the time of writing the
package (where the reports are made) and of the whole finalising, every round.

What it is for: the smallest package that starts renderers (``POOL_FROM_ITEMS`` in
evidence/bundles/package.py).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as export  # noqa: E402 (this folder's run.py: the instance, team and items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from evidence.bundles import forms, package, services
    from jit.extensions import db
    from tests.bundles.conftest import COMPLETE

    print(f"load average at start: {export._load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="jit-small-packages-") as folder:
        app = export._app(Path(folder), None)
        app.config["REPORT_PRERENDER"] = False
        with app.app_context():
            access = export._crew()
            items = export._items(access, max(args.items), max(args.items))
            export._measure_packages()

            def finalise(count: int, renderers: bool) -> dict:
                package.POOL_FROM_ITEMS = 1 if renderers else count + 1
                bundle = services.create_bundle(access, "mla")
                services.save_values(access, bundle, forms.from_mapping(COMPLETE["mla"]), "en")
                services.select_evidence(access, bundle, [item.id for item in items[:count]])
                db.session.commit()
                return export._finalise_measured(access, bundle)

            first = finalise(min(args.items), True)
            print(f"first package with renderers ({min(args.items)} items): starting them "
                  f"(and the fork server) {first['pool_start_s']:.2f} s, then the package "
                  f"{first['package_s']:.2f} s; finalising {first['finalise_s']:.2f} s",
                  flush=True)  # fmt: skip
            for count in args.items:
                runs: dict[bool, list] = {False: [], True: []}
                for round_ in range(args.rounds):
                    for renderers in (False, True) if round_ % 2 == 0 else (True, False):
                        runs[renderers].append(finalise(count, renderers))
                for renderers in (False, True):
                    where = "renderers " if renderers else "in process"
                    package_s = ", ".join(f"{r['package_s']:.2f}" for r in runs[renderers])
                    finalise_s = ", ".join(f"{r['finalise_s']:.2f}" for r in runs[renderers])
                    print(f"{count} items, {where}: package {package_s} s; "
                          f"finalising {finalise_s} s", flush=True)  # fmt: skip
    print(f"load average at end: {export._load()}")


if __name__ == "__main__":  # the renderers' fork server imports this module as __main__
    started = time.perf_counter()
    main()
    print(f"{time.perf_counter() - started:.0f} s in all")
