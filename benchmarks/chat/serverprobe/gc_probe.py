"""Time every garbage collection of a server process (run.py --gc-stats).

Imported by this folder's ``sitecustomize`` when ``JIT_BENCH_GC_DIR`` is set: every
collection is timed through ``gc.callbacks`` (the collection holds the GIL: every
thread of the process waits that long), and a thread writes ``<dir>/gc-<pid>.json``
every second (collections and seconds per generation) and appends to
``<dir>/gc-<pid>.pauses`` each new pause of 1 ms or more with its ``time.monotonic()``,
so run.py can tell which pauses fell in which step. A forked process (gunicorn's
worker) starts afresh.
"""

import gc
import json
import os
import sys
import threading
import time

FOLDER = os.environ.get("JIT_BENCH_GC_DIR")
_state = {"pid": None}


def _reset():
    _state.update(
        pid=os.getpid(),
        began=None,
        counts=[0, 0, 0],
        seconds=[0.0, 0.0, 0.0],
        pauses=[],
        role="writer" if "--multiprocessing-fork" in sys.argv else "server",
    )
    threading.Thread(target=_dump, name="bench-gc-stats", daemon=True).start()


def _dump():
    path = os.path.join(FOLDER, f"gc-{os.getpid()}.json")
    pauses_path = os.path.join(FOLDER, f"gc-{os.getpid()}.pauses")
    written = 0
    while True:
        time.sleep(1)
        pauses = _state["pauses"]
        new, written = pauses[written:], len(pauses)
        if new:  # only what is new: the dump must not itself become a pause
            with open(pauses_path, "a") as handle:
                handle.writelines(f"{at} {generation} {took}\n" for at, generation, took in new)
        data = {key: _state[key] for key in ("counts", "seconds", "role")}
        # Not gc.get_freeze_count(): it walks the ~200,000 frozen objects holding the GIL
        # (py-spy found it holding the server's GIL for a fifth of a second at a time).
        data["threshold"] = gc.get_threshold()
        temporary = f"{path}.tmp"
        with open(temporary, "w") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)


def _callback(phase, info):
    if _state["pid"] != os.getpid():
        _reset()
    if phase == "start":
        _state["began"] = time.perf_counter()
        return
    if _state["began"] is None:
        return
    took = time.perf_counter() - _state["began"]
    generation = info["generation"]
    _state["counts"][generation] += 1
    _state["seconds"][generation] += took
    if took >= 0.001:
        _state["pauses"].append((time.monotonic(), generation, took))


if FOLDER:
    os.makedirs(FOLDER, exist_ok=True)
    gc.callbacks.append(_callback)
