"""Sample a chat server's queues four times a second (run.py --queues).

Imported by this folder's ``sitecustomize`` when ``JIT_BENCH_QUEUES_DIR`` is set. In the
process that serves (gunicorn's worker: the thread starts after the fork), a thread
appends a line to ``<dir>/queues-<pid>.txt`` every :data:`EVERY` seconds:

    monotonic frames frames_one events sends_in writer packets pace limit

* ``frames``: frames read from the WebSockets and not yet handled, in simple-websocket's
  input buffers (its reading thread takes them off the socket as they come; Engine.IO's
  handling thread of the connection takes them one by one); ``frames_one`` the most
  on one connection;
* ``events``: chat events waiting for a free chat thread (``jit.chat.event_threads``);
* ``sends_in``: sends the process has taken in (``jit.chat.admission``);
* ``writer``: sends waiting for the group-commit writer;
* ``packets``: packets waiting to be written to the connections (Engine.IO's queues);
* ``pace``: the admission's pace, sends a second, and ``limit``: the sends it takes in
  before it refuses a new one (:mod:`jit.chat.admission`).

A wait that none of these shows is outside the server process: in the kernel's socket
buffers or in the clients. The WebSockets are found by wrapping simple-websocket's
constructor (a weak set); the rest through the app (``app.extensions``).
"""

import os
import sys
import threading
import time
import weakref

EVERY = 0.25
FOLDER = os.environ.get("JIT_BENCH_QUEUES_DIR")
_sockets: "weakref.WeakSet" = weakref.WeakSet()


def _track_websockets() -> None:
    import simple_websocket.ws

    base = simple_websocket.ws.Base
    plain_init = base.__init__

    def init(self, *args, **kwargs):
        _sockets.add(self)
        plain_init(self, *args, **kwargs)

    base.__init__ = init


def _sample(out) -> None:
    from jit.extensions import socketio

    app = None
    while True:
        time.sleep(EVERY)
        server = socketio.server
        if server is None:
            continue
        if app is None:
            app = getattr(getattr(socketio, "sockio_mw", None), "flask_app", None)
            if app is None:
                continue
        writer = app.extensions.get("jit_chat_writer")
        threads = app.extensions.get("jit_chat_event_threads")
        frames = [len(ws.input_buffer) for ws in list(_sockets)]
        packets = sum(s.queue.qsize() for s in list(server.eio.sockets.values()))
        gate = writer._admission if writer else None  # a probe looks inside
        out.write(
            f"{time.monotonic():.3f} {sum(frames)} {max(frames, default=0)} "
            f"{threads.waiting() if threads else -1} "
            f"{writer.in_progress() if writer else -1} {writer.waiting() if writer else -1} "
            f"{packets} {int(gate.rate) if gate else -1} "
            f"{gate.new_send_limit() if gate else -1}\n"
        )
        out.flush()


def _start() -> None:
    out = open(os.path.join(FOLDER, f"queues-{os.getpid()}.txt"), "a")  # noqa: SIM115
    threading.Thread(target=_sample, args=(out,), name="bench-queue-probe", daemon=True).start()


if FOLDER and sys.argv and os.path.basename(sys.argv[0]) == "jit" and "run" in sys.argv:
    os.makedirs(FOLDER, exist_ok=True)
    _track_websockets()
    os.register_at_fork(after_in_child=_start)
