"""Who may open the chat socket: signed-in members with chat, from the workspace's origin."""

import pytest

from tests.jit.chat.conftest import NAMESPACE, ack, events


def test_a_member_connects_and_gets_the_channels(chat_team, connect):
    sio = connect(chat_team.nl, chat_team.code)
    assert sio.is_connected(NAMESPACE)
    (ready,) = events(sio, "ready")
    assert ready["me"]["id"] == chat_team.nl.id
    assert [c["name"] for c in ready["channels"]] == ["general"]
    assert ready["channels"][0]["unread"] == 0
    assert set(ready["handling_codes"]) == {"H0", "H1", "H2", "H3"}
    assert ready["may_read_history"] is False


def test_anonymous_connection_is_refused_and_hears_nothing(chat_team, connect):
    anonymous = connect(None, chat_team.code)
    assert not anonymous.is_connected(NAMESPACE)
    member = connect(chat_team.nl, chat_team.code)
    ack(member, "join", {"channel": chat_team.general.id})
    ack(member, "send", {"channel": chat_team.general.id, "client_id": "c" * 12, "body": "hi"})
    assert anonymous.queue == []  # not even a connect error payload beyond the refusal


@pytest.mark.parametrize("who", ["outsider", "reviewer"])
def test_non_members_and_reviewers_are_refused_the_same_way(
    who, chat_team, connect, make_user, make_team
):
    user = make_user() if who == "outsider" else chat_team.reviewer
    refused = connect(user, chat_team.code)
    assert not refused.is_connected(NAMESPACE)
    member = connect(chat_team.nl, chat_team.code)
    ack(member, "join", {"channel": chat_team.general.id})
    ack(member, "send", {"channel": chat_team.general.id, "client_id": "d" * 12, "body": "x"})
    assert refused.queue == []


def test_an_unknown_team_is_refused_like_a_foreign_one(chat_team, connect):
    assert not connect(chat_team.nl, "NO-SUCH-TEAM").is_connected(NAMESPACE)
    assert not connect(chat_team.nl, None).is_connected(NAMESPACE)
    assert not connect(chat_team.nl, auth={"team": ["IRON-TEST"]}).is_connected(NAMESPACE)


def test_a_foreign_origin_is_refused(chat_team, connect):
    foreign = connect(chat_team.nl, chat_team.code, headers={"Origin": "https://evil.example"})
    assert not foreign.is_connected(NAMESPACE)
    own = connect(chat_team.nl, chat_team.code, headers={"Origin": "http://localhost"})
    assert own.is_connected(NAMESPACE)


def test_configured_origins_are_accepted(app, chat_team, connect):
    app.config["CHAT_ALLOWED_ORIGINS"] = "https://jit.example.eu, https://other.example"
    sio = connect(chat_team.nl, chat_team.code, headers={"Origin": "https://jit.example.eu"})
    assert sio.is_connected(NAMESPACE)


def test_a_required_second_factor_must_be_enrolled_first(app, chat_team, connect):
    app.config["REQUIRE_MFA"] = True
    assert not connect(chat_team.nl, chat_team.code).is_connected(NAMESPACE)
