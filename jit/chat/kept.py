"""Answers kept for a moment, and forgotten at once when this process writes their source.

The chat asks two questions often enough for their queries to matter at a busy
channel's rate: a socket's access (:mod:`jit.chat.access_cache`) and whether a team may
write (:mod:`jit.chat.gate_cache`). Each keeps its answers in a :class:`Kept`: used for
at most :data:`SECONDS`, and all dropped by :meth:`Kept.forget_all`, which
:func:`forget_when_written` calls when this process commits (or rolls back) a statement
that writes what the answers come from.
"""

import re
import threading
from collections.abc import Callable, Hashable
from datetime import timedelta
from time import monotonic

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from jit.clock import utcnow

# How long an answer may be used without asking the database again.
SECONDS = 1.0

MISSING = object()

_READ = re.compile(r"\s*(?:SELECT|PRAGMA)\b", re.IGNORECASE)


class Kept:
    """Answers by key, each with the moment it was asked; at most ``max_entries``."""

    def __init__(self, max_entries: int = 10_000):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self.entries: dict[Hashable, tuple[tuple, object]] = {}
        self._generation = 0

    def forget_all(self) -> None:
        """Drop every kept answer (and any a thread is about to keep)."""
        with self._lock:
            self._generation += 1
            self.entries.clear()

    def begin(self) -> tuple:
        """Call before asking: pass the result to :meth:`keep` with the answer."""
        return self._generation, monotonic(), utcnow()

    def keep(self, key: Hashable, started: tuple, answer) -> None:
        """Keep ``answer`` for ``key``, unless anything was forgotten since ``started``."""
        with self._lock:
            if started[0] == self._generation:
                if len(self.entries) >= self.max_entries:
                    self.entries.clear()
                self.entries[key] = (started, answer)

    def recall(self, key: Hashable, default=None):
        """The answer kept for ``key`` if still fresh, else ``default``."""
        entry = self.entries.get(key)
        if entry is None:
            return default
        (generation, at, at_wall), answer = entry
        if generation != self._generation or not _within_the_moment(at, at_wall):
            return default
        return answer


def _within_the_moment(at: float, at_wall) -> bool:
    # The workspace's clock (jit.clock) may be frozen or moved (tests, demos): an
    # answer is only as fresh as both clocks say.
    age = utcnow() - at_wall
    return monotonic() - at <= SECONDS and timedelta(0) <= age <= timedelta(seconds=SECONDS)


def forget_when_written(key: str, writes: Callable[[str], bool], forget: Callable[[], None]):
    """Call ``forget`` when this process commits (or rolls back) a statement that is not
    a read and that ``writes`` says matters: once just before the commit, once more when
    its connection is back in the pool (only then do other connections see the change,
    so only then is forgetting final; an answer loaded in between is dropped too).
    ``key`` marks the connection."""

    @event.listens_for(Engine, "after_cursor_execute")
    def _note_write(conn, cursor, statement, parameters, context, executemany):
        if not _READ.match(statement) and writes(statement):
            conn.info[key] = True

    @event.listens_for(Engine, "commit")
    def _forget_at_commit(conn):
        if conn.info.get(key):
            forget()

    @event.listens_for(Pool, "checkin")
    def _forget_after_commit(dbapi_connection, connection_record):
        if connection_record is not None and connection_record.info.pop(key, False):
            forget()
