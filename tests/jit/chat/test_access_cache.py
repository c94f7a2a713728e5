"""A socket's access is kept for a moment, and forgotten as soon as anything changes."""

import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import event, inspect, update

from jit import clock as jit_clock
from jit.chat import access_cache, fanout
from jit.extensions import db
from jit.extensions import socketio as socketio_extension
from jit.teams.access import team_access_for
from jit.teams.models import Membership
from tests.jit.chat.conftest import joined, send_hello, stored_messages


@contextlib.contextmanager
def access_queries():
    """Collect the statements that load a membership (the access check's query)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "memberships" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@pytest.fixture
def clock(hand_clock):
    """access_cache's clocks, moved by hand."""
    access_cache.forget_all()
    return hand_clock


def test_events_within_the_moment_reuse_the_access(chat_team, connect, clock):
    sio = joined(connect, chat_team)
    with access_queries() as seen:
        assert send_hello(sio, chat_team, "kept-0001")["ok"]
        assert send_hello(sio, chat_team, "kept-0002")["ok"]
    assert seen == []
    clock.advance(access_cache.SECONDS + 0.01)
    with access_queries() as seen:
        assert send_hello(sio, chat_team, "kept-0003")["ok"]
    assert len(seen) == 1
    assert stored_messages() == 3


def test_a_change_through_this_process_is_seen_by_the_next_event(chat_team, connect, clock):
    """Raw SQL the chat's hooks never see still makes the next event load access again."""
    sio = joined(connect, chat_team)
    assert send_hello(sio, chat_team, "before-0001")["ok"]
    db.session.execute(
        update(Membership)
        .where(Membership.id == chat_team.nl_membership.id)
        .values(role="reviewer")
    )
    db.session.commit()
    answer = send_hello(sio, chat_team, "after-00001")
    assert answer == {"ok": False, "error": "You no longer have access to this team's chat."}
    assert stored_messages() == 1


def test_a_revocation_from_another_process_forgets_every_access(chat_team, connect, clock):
    sio = joined(connect, chat_team)
    assert send_hello(sio, chat_team, "revoked-001")["ok"]
    # As the Redis manager does when another process revokes someone's access.
    # What each process's manager does when a revocation arrives (for somebody else).
    socketio_extension.server.manager.close_room("revoke:role|member:0:0", fanout.NAMESPACE)
    with access_queries() as seen:
        assert send_hello(sio, chat_team, "revoked-002")["ok"]
    assert len(seen) == 1


def test_a_change_nobody_here_saw_is_seen_after_the_moment(chat_team, connect, clock):
    """Another process's raw SQL (no revocation): refused once the moment has passed."""
    sio = joined(connect, chat_team)
    assert send_hello(sio, chat_team, "unseen-0001")["ok"]
    raw = db.engine.raw_connection()  # the driver itself: no engine events
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "sqlite":
            change = "UPDATE users SET session_token = 'rotated' WHERE id = ?"
        else:
            change = "UPDATE users SET session_token = 'rotated' WHERE id = %s"
        cursor.execute(change, (chat_team.nl.id,))
        raw.commit()
    finally:
        raw.close()
    assert send_hello(sio, chat_team, "unseen-0002")["ok"]  # within the moment: still known
    clock.advance(access_cache.SECONDS + 0.01)
    answer = send_hello(sio, chat_team, "unseen-0003")
    assert answer == {"ok": False, "error": "You no longer have access to this team's chat."}
    assert stored_messages() == 2


def test_an_answer_loaded_before_a_change_is_not_kept(chat_team, clock):
    started = access_cache.begin()
    access_cache.forget_all()  # a commit lands while the answer is being loaded
    access = team_access_for(chat_team.nl, chat_team.code)
    assert access_cache.remember(("a", "b", chat_team.code), started, access) is access
    assert access_cache.recall(("a", "b", chat_team.code)) is None
    access_cache.remember(("a", "b", chat_team.code), access_cache.begin(), access)
    kept = access_cache.recall(("a", "b", chat_team.code))
    assert kept is not None
    assert kept.user.id == chat_team.nl.id
    # What is kept is a copy no session owns, never the event's own objects.
    (_, stored) = access_cache._kept.entries[("a", "b", chat_team.code)]
    assert stored.membership is not access.membership
    assert inspect(stored.membership).detached


def test_moving_the_workspace_clock_ends_the_moment(chat_team, connect, clock):
    """The access check compares with the workspace's "now": so does the cache."""
    sio = joined(connect, chat_team)
    assert send_hello(sio, chat_team, "shifted-001")["ok"]
    with jit_clock.shifted(timedelta(seconds=2)), access_queries() as seen:
        assert send_hello(sio, chat_team, "shifted-002")["ok"]
    assert len(seen) == 1
