"""The writer's agreement-gate answer is kept for a moment, and forgotten at any change."""

from datetime import timedelta

import pytest
from sqlalchemy import func, insert

from jit import clock as jit_clock
from jit import gates
from jit.chat import gate_cache, kept
from jit.closeout.models import DeletionCertificate
from jit.extensions import db
from tests.jit.chat.conftest import joined, send_hello, stored_messages


@pytest.fixture
def app_config(app_config):
    return app_config | {"CHAT_RATE_MESSAGES": 0}


@pytest.fixture
def asked(monkeypatch):
    """The gate's "write_chat" questions, counted."""
    questions = []
    plain = gates.may

    def may(team, action):
        if action == "write_chat":
            questions.append(team.id)
        return plain(team, action)

    monkeypatch.setattr(gates, "may", may)
    gate_cache.forget_all()
    return questions


@pytest.fixture
def sender(chat_team, connect):
    return joined(connect, chat_team)


@pytest.fixture
def clock(hand_clock):
    """The kept answers' clocks, moved by hand."""
    return hand_clock


def test_batches_within_the_moment_ask_the_gate_once(chat_team, sender, asked, clock):
    """What a batch writes (messages, the channel's counter, the search outbox) is no
    change a gate reads: the next batches use the answer until the moment has passed."""
    for number in range(3):
        assert send_hello(sender, chat_team, f"moment-{number:04d}")["ok"]
    assert asked == [chat_team.team.id]
    clock.advance(kept.SECONDS + 0.01)
    assert send_hello(sender, chat_team, "moment-0003")["ok"]
    assert asked == [chat_team.team.id] * 2
    assert stored_messages() == 4


def test_a_change_through_this_process_decides_the_next_batch(chat_team, sender, asked, clock):
    """Raw SQL no hook of the gate's packages sees still makes the next batch ask again."""
    assert send_hello(sender, chat_team, "before-0001")["ok"]
    db.session.execute(
        insert(DeletionCertificate).values(
            team_id=chat_team.team.id,
            issued_at=func.current_timestamp(),
            body="{}",
            sha256="0" * 64,
            key_id="test",
            signature="",
        )
    )
    db.session.commit()
    refused = send_hello(sender, chat_team, "after-0001")
    assert not refused["ok"]
    assert "deleted" in refused["error"]
    assert asked == [chat_team.team.id] * 2
    assert stored_messages() == 1


def test_the_moment_follows_the_workspace_clock(chat_team, sender, asked, clock):
    """A date moved past the moment (jit.clock) asks again, as the real clock would."""
    assert send_hello(sender, chat_team, "clock-0001")["ok"]
    with jit_clock.shifted(timedelta(seconds=5)):
        assert send_hello(sender, chat_team, "clock-0002")["ok"]
    assert asked == [chat_team.team.id] * 2
