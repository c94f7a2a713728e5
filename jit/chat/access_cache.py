"""A chat socket's access, remembered for a moment instead of loaded on every event.

Every chat event re-checks the sender's access (:func:`jit.chat.events._access`): the
sign-in session, the account and the membership, in one query. At a busy channel's
rate that query was a quarter of the server's work per message. The answer is kept
here, per (session cookie values, team), for at most :data:`jit.chat.kept.SECONDS`,
and forgotten at once, for everybody, when this process

- commits (or rolls back) any statement that writes to the tables the answer comes
  from (``users``, ``user_sessions``, ``memberships``, ``parties``, ``teams``): ORM
  changes, bulk ``UPDATE``/``DELETE`` and raw SQL alike, seen on the connection;
- hears a revocation (:func:`jit.chat.fanout.revoke`: a member removed or demoted, an
  account signed out or disabled), including one sent by another server process.

So a change made through this process is seen by the very next event, as before; a
change made by another process is seen once its revocation arrives (it also drops the
connection) and, for a change that sends none (a role that keeps the chat, raw SQL
elsewhere, a sign-in session reaching its expiry), within that moment.

Entries are detached ORM objects no session owns; each event gets its own copies
(``Session.merge(load=False)``, no query), so no two threads share an object.
"""

import re

from sqlalchemy.orm import Session

from jit.chat.kept import SECONDS, Kept, forget_when_written
from jit.extensions import db
from jit.teams.access import TeamAccess

__all__ = ["SECONDS", "begin", "forget_all", "recall", "remember"]

# More keys than this (one per open sign-in and team) and the cache starts afresh.
MAX_ENTRIES = 10_000

_SOURCES = re.compile(r"\b(?:users|user_sessions|memberships|parties|teams)\b", re.IGNORECASE)

_kept = Kept(MAX_ENTRIES)
forget_all = _kept.forget_all
begin = _kept.begin  # call before loading an answer; pass the result to remember()


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
    _kept.keep(key, started, kept)
    return access


def recall(key: tuple) -> TeamAccess | None:
    """This event's copy of the answer kept for ``key``, or None if there is none fresh."""
    access = _kept.recall(key)
    return None if access is None else _attached(access)


def _attached(access: TeamAccess) -> TeamAccess:
    merge = db.session.merge
    return TeamAccess(
        team=merge(access.team, load=False), membership=merge(access.membership, load=False)
    )


forget_when_written(
    "jit_chat_access_changed",
    lambda statement: bool(_SOURCES.search(statement)),
    forget_all,
)
