"""Micro benchmark: the bytes path of a package (``jit.bags.write_bag``) against ``zip -0``.

    PYTHONPATH=. .venv/bin/python benchmarks/export/bag_bytes.py      # 1 GiB, 100 files, 3 runs
    PYTHONPATH=. .venv/bin/python benchmarks/export/bag_bytes.py --mib 256 --runs 5

It measures the ``jit`` package on the path (``PYTHONPATH``), so one copy of this script
can time two checkouts.

Writes a bag of the same files into the blob store (``storage.BlobWriter``, as the
package is written: SHA-256 and SHA-512 of every payload byte, CRC-32, the whole ZIP's
SHA-256 in the blob writer's thread, the disk write and its fsync), then ``zip -0``
of the same files, alternately, several times, and prints each pair, its ratio and the
CPU time of this process. No custody report, no database: only the part of the package
that grows with the bytes of the evidence.
"""

# ruff: noqa: S603, S607 (runs zip, found on the PATH)

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="total size in MiB")
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from jit import bags
    from jit.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="jit-bench-bagbytes-"))
    try:
        sources = folder / "files"
        sources.mkdir()
        block = bytearray(os.urandom(MIB))
        paths = []
        for number in range(args.files):
            path = sources / f"file-{number:04d}.bin"
            with open(path, "wb") as handle:
                for left in range(args.mib * MIB // args.files // MIB):
                    block[:8] = number.to_bytes(4, "big") + left.to_bytes(4, "big")
                    handle.write(block)
            paths.append(path)
        app = create_app(
            {"INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "benchmark-secret-key"}
        )
        payload = [bags.Payload(f"files/{path.name}", path) for path in paths]
        print(f"jit from {Path(bags.__file__).parent.parent}; load average at start: {_load()}")
        with app.app_context():
            from evidence import storage

            for run in range(1, args.runs + 1):
                started, cpu = time.perf_counter(), time.process_time()
                writer = storage.BlobWriter()
                written = bags.write_bag(
                    writer, name="bench", info={}, payload=payload, hash_whole=False
                )
                stored = writer.finish()
                assert stored.size_bytes == written.size
                bag_s = time.perf_counter() - started
                bag_cpu = time.process_time() - cpu
                storage.blob_path(stored.sha256).unlink()
                target = folder / "plain.zip"
                started = time.perf_counter()
                subprocess.run(
                    ["zip", "-0", "-q", "-@", str(target)],
                    input="\n".join(map(str, paths)).encode(),
                    check=True,
                )
                zip_s = time.perf_counter() - started
                target.unlink()
                print(
                    f"run {run}: {args.mib} MiB in {args.files} files: write_bag {bag_s:5.2f} s "
                    f"({bag_cpu:5.2f} s of CPU), zip -0 {zip_s:5.2f} s, "
                    f"ratio {bag_s / zip_s:4.2f}; load {_load()}"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
