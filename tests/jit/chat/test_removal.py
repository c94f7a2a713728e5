"""A membership that ends mid-session ends the chat at once, and every event re-checks."""

import pytest
from sqlalchemy import delete, func, select, text

from jit.accounts import services as accounts
from jit.chat.models import Message
from jit.extensions import db
from jit.teams import services as teams
from jit.teams.access import team_access_for
from jit.teams.models import Membership
from tests.jit.chat.conftest import NAMESPACE, ack, events


def _joined(connect, user, chat_team):
    sio = connect(user, chat_team.code)
    ack(sio, "join", {"channel": chat_team.general.id})
    events(sio)
    return sio


def _names(sio):
    return [packet["name"] for packet in sio.queue if packet["name"] != "presence"]


def test_a_removed_member_is_dropped_and_receives_nothing_more(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    bob = _joined(connect, chat_team.de, chat_team)
    coordinator = team_access_for(chat_team.coordinator, chat_team.code)
    teams.remove_member(coordinator, chat_team.nl_membership.id)
    db.session.commit()
    assert not alice.is_connected(NAMESPACE)
    assert _names(alice) == ["access_revoked"]
    alice.queue.clear()
    ack(
        bob,
        "send",
        {"channel": chat_team.general.id, "client_id": "after-removal", "body": "not for Alice"},
    )
    assert alice.queue == []
    assert not connect(chat_team.nl, chat_team.code).is_connected(NAMESPACE)


def test_a_member_made_reviewer_loses_the_chat(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    coordinator = team_access_for(chat_team.coordinator, chat_team.code)
    nl_party = next(p for p in chat_team.team.parties if p.country_code == "NL")
    teams.change_member(
        coordinator, chat_team.nl_membership.id, party_id=nl_party.id, role="reviewer"
    )
    db.session.commit()
    assert not alice.is_connected(NAMESPACE)


def test_a_change_that_keeps_the_chat_keeps_the_connection(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    coordinator = team_access_for(chat_team.coordinator, chat_team.code)
    de_party = next(p for p in chat_team.team.parties if p.country_code == "DE")
    teams.change_member(
        coordinator, chat_team.nl_membership.id, party_id=de_party.id, role="member"
    )
    db.session.commit()
    assert alice.is_connected(NAMESPACE)


def test_a_removal_that_is_rolled_back_drops_nobody(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    coordinator = team_access_for(chat_team.coordinator, chat_team.code)
    teams.remove_member(coordinator, chat_team.nl_membership.id)
    db.session.flush()
    db.session.rollback()
    assert alice.is_connected(NAMESPACE)


def test_disabling_an_account_drops_its_connections(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    accounts.set_disabled(chat_team.nl, True, actor=chat_team.coordinator)
    db.session.commit()
    assert not alice.is_connected(NAMESPACE)


def test_every_event_rechecks_membership(chat_team, connect):
    """Even a removal the hooks never saw (a bulk delete) stops the next event."""
    alice = _joined(connect, chat_team.nl, chat_team)
    db.session.execute(delete(Membership).where(Membership.id == chat_team.nl_membership.id))
    db.session.commit()
    assert alice.is_connected(NAMESPACE)
    answer = ack(
        alice,
        "send",
        {
            "channel": chat_team.general.id,
            "client_id": "after-bulk",
            "body": "should not be stored",
        },
    )
    assert answer == {"ok": False, "error": "You no longer have access to this team's chat."}
    assert not alice.is_connected(NAMESPACE)
    assert "access_revoked" in _names(alice)


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE users SET session_token = 'rotated-elsewhere' WHERE id = :id",
        "UPDATE users SET is_disabled = TRUE WHERE id = :id",
    ],
    ids=["session-token-rotated", "account-disabled"],
)
def test_every_event_rechecks_the_account_behind_the_session(chat_team, connect, change):
    """A signed-out or disabled account the hooks never saw stops at its next event."""
    alice = _joined(connect, chat_team.nl, chat_team)
    db.session.execute(text(change), {"id": chat_team.nl.id})
    db.session.commit()
    answer = ack(
        alice,
        "send",
        {"channel": chat_team.general.id, "client_id": "after-signout", "body": "not stored"},
    )
    assert answer == {"ok": False, "error": "You no longer have access to this team's chat."}
    assert not alice.is_connected(NAMESPACE)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
