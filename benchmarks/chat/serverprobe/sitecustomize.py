"""The benchmark's probes inside a chat server (run.py puts this folder first on its path).

Python imports ``sitecustomize`` at start when it is on the path; each probe runs only
when its folder is named: ``JIT_BENCH_GC_DIR`` (``--gc-stats``, :mod:`gc_probe`) and
``JIT_BENCH_QUEUES_DIR`` (``--queues``, :mod:`queue_probe`).
"""

import os

if os.environ.get("JIT_BENCH_GC_DIR"):
    import gc_probe  # noqa: F401  (starts itself)
if os.environ.get("JIT_BENCH_QUEUES_DIR"):
    import queue_probe  # noqa: F401  (starts itself)
