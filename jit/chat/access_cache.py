"""A chat socket's access, remembered for a moment instead of loaded on every event.

Every chat event re-checks the sender's access (:func:`jit.chat.events._access`): the
sign-in session, the account and the membership, in one query. At a busy channel's
rate that query was a quarter of the server's work per message. The answer is kept
here, per (session cookie values, team), for at most :data:`SECONDS`, and forgotten
at once, for everybody, when this process

- commits (or rolls back) any statement that writes to the tables the answer comes
  from (``users``, ``user_sessions``, ``memberships``, ``parties``, ``teams``): ORM
  changes, bulk ``UPDATE``/``DELETE`` and raw SQL alike, seen on the connection;
- hears a revocation (:func:`jit.chat.fanout.revoke`: a member removed or demoted, an
  account signed out or disabled), including one sent by another server process.

So a change made through this process is seen by the very next event, as before; a
change made by another process is seen once its revocation arrives (it also drops the
connection) and, for a change that sends none (a role that keeps the chat, raw SQL
elsewhere, a sign-in session reaching its expiry), within :data:`SECONDS`.

Entries are detached ORM objects no session owns; each event gets its own copies
(``Session.merge(load=False)``, no query), so no two threads share an object.
"""

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from jit.clock import utcnow
from jit.extensions import db
from jit.teams.access import TeamAccess

# How long an answer may be used without asking the database again.
SECONDS = 1.0
# More keys than this (one per open sign-in and team) and the cache starts afresh.
MAX_ENTRIES = 10_000

_SOURCES = re.compile(r"\b(?:users|user_sessions|memberships|parties|teams)\b", re.IGNORECASE)
_READ = re.compile(r"\s*(?:SELECT|PRAGMA)\b", re.IGNORECASE)
_CHANGED = "jit_chat_access_changed"

_lock = threading.Lock()
_entries: dict[tuple, tuple[tuple, TeamAccess]] = {}
_generation = 0


def forget_all() -> None:
    """Drop every remembered answer (and any a thread is about to store)."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def begin() -> tuple:
    """Call before loading an answer to remember: pass the result to :func:`remember`."""
    return _generation, time.monotonic(), utcnow()


def _fresh(generation: int, at: float, at_wall) -> bool:
    return generation == _generation and within_the_moment(at, at_wall)


def within_the_moment(at: float, at_wall) -> bool:
    """Whether an answer taken at ``at`` (``time.monotonic()``) and ``at_wall``
    (:func:`jit.clock.utcnow`) is at most :data:`SECONDS` old.

    The workspace's clock may be frozen or moved (tests, demos): an answer is only as
    fresh as both clocks say.
    """
    age = utcnow() - at_wall
    return time.monotonic() - at <= SECONDS and timedelta(0) <= age <= timedelta(seconds=SECONDS)


def remember(key: tuple, started: tuple, access: TeamAccess) -> TeamAccess:
    """Keep a copy of ``access`` (just loaded in this event's session) for ``key``; return
    ``access``. Not kept if anything was forgotten since :func:`begin`."""
    # Copies outside this event's session (a session with no database: no query).
    scratch = Session()
    try:
        kept = TeamAccess(
            team=scratch.merge(access.team, load=False),
            membership=scratch.merge(access.membership, load=False),
        )
    finally:
        scratch.close()
    with _lock:
        if started[0] == _generation:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (started, kept)
    return access


def recall(key: tuple) -> TeamAccess | None:
    """This event's copy of the answer kept for ``key``, or None if there is none fresh."""
    entry = _entries.get(key)
    if entry is None:
        return None
    started, access = entry
    if not _fresh(*started):
        return None
    return _attached(access)


def _attached(access: TeamAccess) -> TeamAccess:
    merge = db.session.merge
    return TeamAccess(
        team=merge(access.team, load=False), membership=merge(access.membership, load=False)
    )


def forget_when_written(key: str, writes: Callable[[str], bool], forget: Callable[[], None]):
    """Call ``forget`` when this process commits (or rolls back) a statement ``writes``
    says matters: once just before the commit, once more when its connection is back in
    the pool (only then do other connections see the change, so only then is forgetting
    final; an answer loaded in between is dropped too). ``key`` marks the connection."""

    @event.listens_for(Engine, "after_cursor_execute")
    def _note_write(conn, cursor, statement, parameters, context, executemany):
        if writes(statement):
            conn.info[key] = True

    @event.listens_for(Engine, "commit")
    def _forget_at_commit(conn):
        if conn.info.get(key):
            forget()

    @event.listens_for(Pool, "checkin")
    def _forget_after_commit(dbapi_connection, connection_record):
        if connection_record is not None and connection_record.info.pop(key, False):
            forget()


forget_when_written(
    _CHANGED,
    lambda statement: not _READ.match(statement) and bool(_SOURCES.search(statement)),
    forget_all,
)
