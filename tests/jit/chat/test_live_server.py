"""A real python-socketio client against ``jit run`` (gunicorn) over real WebSockets."""

import base64
import os
import socket

import pytest
import requests
import socketio
from sqlalchemy import func, select

from jit.chat.models import Message
from jit.extensions import db
from tests.jit.chat.conftest import csrf_token_from, session_cookie

pytestmark = pytest.mark.slow


def _send(client, chat_team, client_id, body):
    return client.call(
        "send", {"channel": chat_team.general.id, "client_id": client_id, "body": body}
    )


def test_refused_connections_hear_nothing(chat_team, chat_server, live_client, make_user):
    server = chat_server()
    with pytest.raises(socketio.exceptions.ConnectionError):
        live_client(server, None, chat_team.code)
    with pytest.raises(socketio.exceptions.ConnectionError):
        live_client(server, make_user(), chat_team.code)
    with pytest.raises(socketio.exceptions.ConnectionError):
        live_client(server, chat_team.reviewer, chat_team.code)
    with pytest.raises(socketio.exceptions.ConnectionError):
        live_client(
            server, chat_team.nl, chat_team.code, headers={"Origin": "https://evil.example"}
        )
    alice = live_client(server, chat_team.nl, chat_team.code)
    alice.wait_for("ready")
    assert alice.sio.transport() == "websocket"


def test_two_members_talk_and_a_resend_is_stored_once(chat_team, chat_server, live_client):
    server = chat_server()
    alice = live_client(server, chat_team.nl, chat_team.code)
    bob = live_client(server, chat_team.de, chat_team.code)
    for client in (alice, bob):
        client.wait_for("ready")
        assert client.call("join", {"channel": chat_team.general.id})["ok"]
    first = _send(alice, chat_team, "live-0000001", "Truck left Zagreb at 04:10")
    again = _send(alice, chat_team, "live-0000001", "Truck left Zagreb at 04:10")
    assert first["ok"]
    assert again["duplicate"]
    assert again["id"] == first["id"]
    received = bob.wait_for("message")
    assert received["text"] == "Truck left Zagreb at 04:10"
    assert received["author"]["id"] == chat_team.nl.id
    reply = _send(bob, chat_team, "live-0000002", "Spielfeld team in position")
    assert alice.wait_for("message", lambda m: m["id"] == reply["id"])["seq"] == 2
    # Bob's own copy of his reply comes after anything broadcast to him before it (one
    # connection's packets keep their order); counting before it has come would race.
    bob.wait_for("message", lambda m: m["id"] == reply["id"])
    assert len(bob.payloads("message")) == 2  # the resend was not broadcast again
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 2


def test_reconnect_catches_up_exactly_the_missed_messages(chat_team, chat_server, live_client):
    server = chat_server()
    alice = live_client(server, chat_team.nl, chat_team.code)
    bob = live_client(server, chat_team.de, chat_team.code)
    for client in (alice, bob):
        client.wait_for("ready")
        client.call("join", {"channel": chat_team.general.id})
    for number in range(1, 3):
        _send(alice, chat_team, f"seen-{number:07d}", f"seen {number}")
    bob.wait_for("message", lambda m: m["seq"] == 2)
    last_seen = max(m["seq"] for m in bob.payloads("message"))
    bob.close()
    for number in range(1, 5):
        _send(alice, chat_team, f"missed-{number:05d}", f"missed {number}")
    bob = live_client(server, chat_team.de, chat_team.code)
    bob.wait_for("ready")
    answer = bob.call("join", {"channel": chat_team.general.id, "after_seq": last_seen})
    assert [m["text"] for m in answer["messages"]] == [f"missed {n}" for n in range(1, 5)]
    assert [m["seq"] for m in answer["messages"]] == [3, 4, 5, 6]


def test_removal_through_the_members_page_stops_delivery(app, chat_team, chat_server, live_client):
    server = chat_server()
    alice = live_client(server, chat_team.nl, chat_team.code)
    bob = live_client(server, chat_team.de, chat_team.code)
    for client in (alice, bob):
        client.wait_for("ready")
        client.call("join", {"channel": chat_team.general.id})
    with requests.Session() as coordinator:
        coordinator.cookies.set(
            "jit_session", session_cookie(app, chat_team.coordinator), domain="127.0.0.1", path="/"
        )
        page = coordinator.get(f"{server.url}/t/{chat_team.code}/members", timeout=10)
        response = coordinator.post(
            f"{server.url}/t/{chat_team.code}/members/{chat_team.nl_membership.id}/remove",
            data={"csrf_token": csrf_token_from(page.text)},
            timeout=10,
        )
        assert response.status_code == 200  # redirected to the members page
    assert alice.wait_for("access_revoked") == {"reason": "membership"}
    assert alice.disconnected.wait(10)
    _send(bob, chat_team, "after-removal", "Alice must not read this")
    bob.wait_for("message", lambda m: m["client_id"] == "after-removal")
    assert alice.payloads("message") == []


def test_edits_and_retractions_over_the_wire_keep_the_record(chat_team, chat_server, live_client):
    from jit.audit.models import AuditEntry

    server = chat_server()
    alice = live_client(server, chat_team.nl, chat_team.code)
    bob = live_client(server, chat_team.de, chat_team.code)
    for client in (alice, bob):
        client.wait_for("ready")
        client.call("join", {"channel": chat_team.general.id})
    sent = _send(alice, chat_team, "wire-edit-001", "Plate ZG-4411-KP")
    alice.call("edit", {"message": sent["id"], "body": "Plate ZG-4417-KP"})
    edited = bob.wait_for("message_updated", lambda m: m["text"] == "Plate ZG-4417-KP")
    assert edited["edited_at"]
    alice.call("retract", {"message": sent["id"]})
    retracted = bob.wait_for("message_updated", lambda m: m["retracted"])
    assert retracted["text"] is None
    assert retracted["html"] is None
    db.session.rollback()
    message = db.session.get(Message, sent["id"])
    assert [r.body for r in message.revisions] == ["Plate ZG-4411-KP"]
    operations = db.session.scalars(
        select(AuditEntry.operation).where(AuditEntry.object_type == "chat_messages")
    ).all()
    assert operations == ["chat.message.edited", "chat.message.retracted"]


def _handshake(server, extensions: str | None) -> tuple[int, dict[str, str]]:
    """Open a WebSocket to the Socket.IO endpoint by hand; return the status and headers."""
    port = int(server.url.rsplit(":", 1)[1])
    request = [
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
    ]
    if extensions:
        request.append(f"Sec-WebSocket-Extensions: {extensions}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(("\r\n".join(request) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(4096)
            assert chunk, f"the server closed the connection: {answer!r}"
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(head[0].split()[1]), headers


def test_the_chat_declines_websocket_compression(chat_server):
    """permessage-deflate, which browsers offer, is not agreed to (see jit/web.py:
    compression would leak restricted text through sizes, and cost CPU per reader)."""
    server = chat_server()
    status, headers = _handshake(server, "permessage-deflate; client_max_window_bits")
    assert status == 101
    assert headers.get("upgrade", "").lower() == "websocket"
    assert "sec-websocket-extensions" not in headers
