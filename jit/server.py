"""Serve the app: gunicorn's threaded worker (production), or Werkzeug for development.

Chat runs Flask-SocketIO in threading mode with simple-websocket, which takes over the
socket gunicorn hands it (``gunicorn.socket``): real WebSockets, no eventlet or gevent.
Each open WebSocket holds one worker thread for as long as it is open, so ``threads``
bounds the number of people connected at once. One process per ``jit run``; to serve
more, run several behind a proxy with sticky sessions and ``JIT_REDIS_URL`` set
(docs/operations.md).
"""

import gc
import sys

from flask import Flask
from gunicorn.app.base import BaseApplication

from jit.operations.logs import gunicorn_logging


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self):
        return self.application


def gunicorn_options(app: Flask, *, host: str, port: int, threads: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        # Socket.IO needs every request of a client in one process: one worker here,
        # more processes only behind a sticky proxy.
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        # A WebSocket is one long request; the worker's liveness is checked apart from it.
        "timeout": 300,
        "graceful_timeout": 10,
        # Longer than a person's pause between clicks: a client reusing a connection the
        # server is closing that instant gets a reset (6 of 11,459 requests in the 50-user
        # load run at 5 s). 75 s is nginx's own default; idle connections hold no thread.
        "keepalive": 75,
        "loglevel": "info",
        "forwarded_allow_ips": "127.0.0.1" if app.config["TRUSTED_PROXIES"] else "",
        # gunicorn 24+ opens a control socket at one fixed path per user; several
        # `jit run` processes on one machine would fight over it, and nothing uses it.
        "control_socket_disable": True,
    } | gunicorn_logging(app.config.get("LOG_FORMAT", "text"))


def set_gil_switch(app: Flask) -> None:
    """Let a thread hold the GIL ``JIT_GIL_SWITCH_MS`` while others wait (see serve)."""
    sys.setswitchinterval(app.config["GIL_SWITCH_MS"] / 1000)


def serve(app: Flask, *, host: str, port: int, threads: int) -> None:
    """Serve with gunicorn (gthread) in the foreground until stopped."""
    # The app, its modules and SQLAlchemy's metadata are ~150,000 objects that live as
    # long as the process. Left to the cyclic garbage collector, every full collection
    # walks them all: a ~100 ms pause of every thread (measured in a chat send loop).
    # Frozen before gunicorn forks the worker, they are never walked again.
    gc.collect()
    gc.freeze()
    # Every WebSocket has its own writer thread, so a broadcast to a channel wakes
    # dozens of threads that want the GIL. A thread coming back from the database
    # (holding the channel's write lock) waited up to the default 5 ms switch interval
    # for each statement; its queue of senders made the chat's p99 over 200 ms. 1 ms
    # hands the GIL over sooner: p99 18 ms at 75 messages/s (benchmarks/chat). A
    # setting (JIT_GIL_SWITCH_MS), so that other values can be measured.
    set_gil_switch(app)
    _Gunicorn(app, gunicorn_options(app, host=host, port=port, threads=threads)).run()


def serve_development(app: Flask, *, host: str, port: int) -> None:
    """Serve with Werkzeug's development server through Flask-SocketIO, reloading on changes."""
    from jit.extensions import socketio

    socketio.run(
        app,
        host=host,
        port=port,
        use_reloader=True,
        log_output=True,
        allow_unsafe_werkzeug=True,
    )
