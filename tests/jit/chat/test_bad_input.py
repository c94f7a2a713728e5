"""Bad input gets a clear reason on that connection only, stores nothing, and the
connection stays usable."""

import pytest
from sqlalchemy import func, select

from jit.chat.models import Message
from jit.extensions import db
from tests.jit.chat.conftest import NAMESPACE, ack, events


def _count():
    return db.session.scalar(select(func.count()).select_from(Message))


@pytest.fixture
def pair(chat_team, connect):
    alice = connect(chat_team.nl, chat_team.code)
    bob = connect(chat_team.de, chat_team.code)
    for sio in (alice, bob):
        ack(sio, "join", {"channel": chat_team.general.id})
        events(sio)
    return alice, bob


def _bad_sends(chat_team, other_channel_id):
    general = chat_team.general.id
    ok = {"channel": general, "client_id": "valid-client-id", "body": "fine"}
    return [
        ({**ok, "body": ""}, "The message is empty."),
        ({**ok, "body": "   \n  "}, "The message is empty."),
        ({**ok, "body": "x" * 4001}, "the limit is 4,000"),
        ({**ok, "body": None}, "The message text is missing."),
        ({**ok, "body": ["a"]}, "The message text is missing."),
        ({**ok, "channel": 999999}, "There is no such channel in this team."),
        ({**ok, "channel": other_channel_id}, "There is no such channel in this team."),
        ({**ok, "channel": "general"}, "Name the channel by its number."),
        ({**ok, "channel": True}, "Name the channel by its number."),
        ({**ok, "client_id": "short"}, "client id"),
        ({**ok, "client_id": "has spaces in it"}, "client id"),
        ({**ok, "client_id": 12345678}, "client id"),
        ({**ok, "handling_code": "H9"}, "H0, H1, H2 or H3"),
        ({**ok, "handling_code": "H3"}, "State the conditions"),
        ({**ok, "handling_code": "H3", "handling_conditions": "x" * 501}, "under 500"),
        ({**ok, "source_reliability": "D"}, "source reliability must be one of A, B, C, X"),
        ({**ok, "information_accuracy": 5}, "information accuracy must be one of 1, 2, 3, 4"),
    ]


def test_bad_messages_are_refused_with_a_reason_and_nothing_is_stored(chat_team, pair, make_team):
    from jit.chat.services import channels_of
    from jit.teams.access import team_access_for

    alice, bob = pair
    other = make_team(code="OTHER-TEAM")
    other_channel = channels_of(team_access_for(other.memberships[0].user, other.code))[0]
    for data, reason in _bad_sends(chat_team, other_channel.id):
        answer = ack(alice, "send", data)
        assert answer["ok"] is False, (data, answer)
        assert reason in answer["error"], (data, answer)
        (error,) = events(alice, "chat_error")
        assert error == {"event": "send", "reason": answer["error"]}
    assert _count() == 0
    assert events(bob) == []  # errors go to the sender only; nothing was broadcast
    assert ack(
        alice,
        "send",
        {"channel": chat_team.general.id, "client_id": "after-errors", "body": "still works"},
    )["ok"]
    assert [m["text"] for m in events(bob, "message")] == ["still works"]


@pytest.mark.parametrize("payload", [None, "text", 42, ["list"], {"channel": None}])
@pytest.mark.parametrize(
    "event",
    ["join", "send", "history", "catch_up", "read", "typing", "edit", "retract", "exhibits"],
)
def test_malformed_payloads_are_refused(event, payload, chat_team, pair):
    alice, _ = pair
    args = () if payload is None else (payload,)
    answer = alice.emit(event, *args, namespace=NAMESPACE, callback=True)
    assert answer["ok"] is False
    assert answer["error"]
    assert events(alice, "chat_error")[0]["event"] == event
    assert alice.is_connected(NAMESPACE)


def test_the_length_limit_is_configurable(app, chat_team, pair):
    alice, _ = pair
    app.config["CHAT_MAX_MESSAGE_CHARS"] = 10
    answer = ack(
        alice,
        "send",
        {"channel": chat_team.general.id, "client_id": "too-long-01", "body": "eleven char"},
    )
    assert answer == {
        "ok": False,
        "error": "The message is 11 characters long; the limit is 10. "
        "Split it, or add the text to the evidence register and reference it.",
    }


def test_bad_paging_arguments_are_refused(chat_team, pair):
    alice, _ = pair
    general = chat_team.general.id
    for data in [
        {"channel": general, "limit": 0},
        {"channel": general, "limit": 51},
        {"channel": general, "before_seq": "5"},
    ]:
        assert not ack(alice, "history", data)["ok"]
    for after in [-1, "3", None, 1.5]:
        assert not ack(alice, "catch_up", {"channel": general, "after_seq": after})["ok"]
    assert not ack(alice, "read", {"channel": general, "seq": -2})["ok"]
    assert not ack(alice, "exhibits", {"refs": "NL-0001"})["ok"]
    assert not ack(alice, "exhibits", {"refs": ["NL-1"] * 51})["ok"]
    assert not ack(alice, "edit", {"message": 987654, "body": "x"})["ok"]
    assert alice.is_connected(NAMESPACE)
