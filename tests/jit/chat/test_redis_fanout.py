"""Two server processes sharing rooms through a real Redis."""

import pytest
import redis
import requests

from tests.jit.chat.conftest import csrf_token_from, session_cookie

pytestmark = pytest.mark.slow


@pytest.fixture
def shared_redis(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url


def test_a_message_sent_on_one_process_reaches_a_client_on_the_other(
    app, chat_team, chat_server, live_client, shared_redis
):
    east = chat_server(redis_url=shared_redis, name="east")
    west = chat_server(redis_url=shared_redis, name="west")
    alice = live_client(east, chat_team.nl, chat_team.code)
    alice.wait_for("ready")
    bob = live_client(west, chat_team.de, chat_team.code)
    ready = bob.wait_for("ready")
    assert set(ready["online"]) == {chat_team.nl.id, chat_team.de.id}  # presence in Redis
    assert alice.wait_for("presence")["user"]["id"] == chat_team.de.id
    for client in (alice, bob):
        assert client.call("join", {"channel": chat_team.general.id})["ok"]
    sent = alice.call(
        "send",
        {"channel": chat_team.general.id, "client_id": "cross-000001", "body": "From east"},
    )
    assert sent["ok"]
    assert bob.wait_for("message")["id"] == sent["id"]
    reply = bob.call(
        "send",
        {"channel": chat_team.general.id, "client_id": "cross-000002", "body": "West here"},
    )
    assert alice.wait_for("message", lambda m: m["id"] == reply["id"])["text"] == "West here"

    # Removing Bob through the east process drops his socket on the west process.
    with requests.Session() as coordinator:
        coordinator.cookies.set(
            "jit_session", session_cookie(app, chat_team.coordinator), domain="127.0.0.1", path="/"
        )
        page = coordinator.get(f"{east.url}/t/{chat_team.code}/members", timeout=10)
        de = next(m for m in chat_team.team.memberships if m.user_id == chat_team.de.id)
        coordinator.post(
            f"{east.url}/t/{chat_team.code}/members/{de.id}/remove",
            data={"csrf_token": csrf_token_from(page.text)},
            timeout=10,
        ).raise_for_status()
    assert bob.wait_for("access_revoked")
    assert bob.disconnected.wait(10)
    alice.call(
        "send",
        {"channel": chat_team.general.id, "client_id": "cross-000003", "body": "Bob is gone"},
    )
    alice.wait_for("message", lambda m: m["client_id"] == "cross-000003")
    assert [m["client_id"] for m in bob.payloads("message")] == ["cross-000001", "cross-000002"]
