"""Kept threads for the chat's Socket.IO events, instead of a new thread for each.

In the threading mode, python-socketio starts a thread for every event that arrives
(``async_handlers``). ``threading.Thread.start`` makes the receiving thread wait until
the new thread has been scheduled and has taken the GIL; under a burst that was 5 % of
the samples holding the GIL at 6,000 deliveries/s, and 13 % once a process was past
its capacity, each start delaying the next frame read from that connection
(py-spy, benchmarks/chat/README.md). Here an event goes to an idle kept thread; a new
one starts only when none is idle, up to ``limit`` (``JIT_CHAT_EVENT_THREADS``); beyond
that, events wait in arrival order for the next free thread. A thread idle for
:data:`IDLE_SECONDS` ends.

Why not :class:`concurrent.futures.ThreadPoolExecutor`: its threads are not daemons, so
a process leaving would wait for every event still blocked (a send waits up to half a
minute for its commit); and a process forked after it started keeps its count of threads
that exist only in the parent, so no new one would start. This pool's threads are
daemons, and a forked child starts with none.

Each event still runs exactly as python-socketio runs it (the same function, its own
request context); only the thread is reused. Events of one connection were never
ordered by the server (a thread each); nor are they here.
"""

import logging
import os
import queue
import threading
import weakref

import socketio

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0


class EventThreads:
    """Up to ``limit`` kept daemon threads running submitted calls, first come first run."""

    def __init__(self, limit: int, name: str = "chat-event"):
        if limit < 1:
            raise ValueError("at least one thread is needed")
        self.limit = limit
        self._name = name
        self._reset()
        this = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (pool := this()) and pool._reset())

    def _reset(self) -> None:
        # The work waits in a C-level queue, and a thread waits for it there, not on a
        # lock of this pool (see :meth:`submit`). The lock guards two counts only.
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._count = threading.Lock()
        self._threads = 0
        self._idle = 0

    @property
    def threads(self) -> int:
        return self._threads

    def idle(self) -> int:
        """Threads waiting for work."""
        return self._idle

    def waiting(self) -> int:
        """Events submitted and not yet taken by a thread."""
        return self._work.qsize()

    def submit(self, target, *args, **kwargs) -> None:
        """Run ``target`` on an idle thread, a new one, or the next one free past ``limit``.

        Called on the connection's reading thread for each event. The pool's threads
        used to wait for work on a condition whose lock this took too; past the
        process's capacity, with hundreds of threads waking and waiting on it (Python
        code run holding the lock, so a thread could lose the GIL there), the reading
        threads spent most of their time queued for that lock, and the frames they had
        not read piled up (benchmarks/chat/README.md, session 22). Now the threads wait
        in the queue itself, and the lock is held for a few counts, by C calls only.
        """
        self._work.put((target, args, kwargs))
        with self._count:
            if self._idle >= self._work.qsize() or self._threads >= self.limit:
                return  # an idle thread takes it, or the next one free past the limit
            self._threads += 1
        threading.Thread(target=self._serve, name=self._name, daemon=True).start()

    def _serve(self) -> None:
        while True:
            with self._count:
                self._idle += 1
            try:
                target, args, kwargs = self._work.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._count:
                    self._idle -= 1
                    if not self._work.qsize():  # else it came as the wait ended: serve it
                        self._threads -= 1
                        return
                continue
            with self._count:
                self._idle -= 1
            try:
                target(*args, **kwargs)
            except Exception:
                # python-socketio's own thread would end with the same exception.
                log.exception("a chat event failed")
            del target, args, kwargs  # not kept alive while the thread waits


class RunHere:
    """A screen's answer: run the event on the connection's reading thread, within
    ``context``, not on a kept thread (an event that waits for nothing)."""

    def __init__(self, context):
        self.context = context


def run_events_in(server: socketio.Server, threads: EventThreads, screen=None) -> None:
    """Have ``server`` run each incoming event on ``threads``; other tasks as before.

    ``screen``, when given, is asked on the connection's reading thread as each event
    arrives, before it is queued, with python-socketio's arguments for the event
    (``server, sid, eio_sid, data, namespace, ack_id``). It answers ``None`` (queue the
    event as it is), ``False`` (it answered the event itself: nothing to run), a
    context manager to run the event within, on a kept thread, or :class:`RunHere` to
    run it within its context there and then, on the reading thread.
    """
    plain = server.start_background_task
    handle_event = socketio.Server._handle_event_internal

    def start_background_task(target, *args, **kwargs):
        if getattr(target, "__func__", None) is not handle_event:
            return plain(target, *args, **kwargs)
        screened = screen(*args) if screen is not None else None
        if screened is None:
            threads.submit(target, *args, **kwargs)
        elif isinstance(screened, RunHere):
            try:
                _within(screened.context, target, *args, **kwargs)
            except Exception:
                # As on a kept thread: logged, and the connection reads on.
                log.exception("a chat event failed")
        elif screened is not False:
            threads.submit(_within, screened, target, *args, **kwargs)
        return None  # python-socketio does not keep an event's task

    server.start_background_task = start_background_task


def _within(context, target, *args, **kwargs) -> None:
    with context:
        target(*args, **kwargs)
