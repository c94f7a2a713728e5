"""What the Socket.IO server shows besides the chat: no other namespace, the pages' headers."""

import pytest
import requests
import socketio

from jit.extensions import socketio as socketio_extension
from jit.web import CONTENT_SECURITY_POLICY
from tests.conftest import Auth
from tests.jit.chat.conftest import NAMESPACE, release, session_cookie

POLLING = "/socket.io/?EIO=4&transport=polling"
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _assert_page_headers(headers):
    for name, value in PAGE_HEADERS.items():
        assert headers.get(name) == value, name
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_default_namespace_refuses_everyone(app, chat_team, signed_in):
    client = app.test_client()
    if signed_in:
        Auth(client).login(chat_team.nl)
    for namespace in ("/", "/admin"):
        sio = socketio_extension.test_client(app, namespace=namespace, flask_test_client=client)
        assert not sio.is_connected(namespace)
    chat = socketio_extension.test_client(
        app, namespace=NAMESPACE, flask_test_client=client, auth={"team": chat_team.code}
    )
    assert chat.is_connected(NAMESPACE) is signed_in


def test_polling_responses_carry_the_page_headers(client):
    opened = client.get(POLLING)
    assert opened.status_code == 200
    assert opened.data.startswith(b"0{")
    _assert_page_headers(opened.headers)
    refused = client.get("/socket.io/?EIO=4&transport=polling&sid=no-such-session")
    assert refused.status_code == 400
    _assert_page_headers(refused.headers)
    page = client.get("/login")
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.slow
def test_a_real_server_refuses_the_default_namespace_and_sends_the_headers(
    app, chat_team, chat_server
):
    server = chat_server()
    cookie = session_cookie(app, chat_team.nl)
    for headers in ({}, {"Cookie": f"jit_session={cookie}"}):
        client = socketio.Client(reconnection=False)
        try:
            with pytest.raises(socketio.exceptions.ConnectionError):
                client.connect(server.url, namespaces=["/"], headers=headers, wait_timeout=10)
        finally:
            release(client)
    chat = socketio.Client(reconnection=False)
    try:
        chat.connect(
            server.url,
            namespaces=[NAMESPACE],
            headers={"Cookie": f"jit_session={cookie}"},
            auth={"team": chat_team.code},
            wait_timeout=10,
        )
        assert chat.connected
    finally:
        release(chat)
    polling = requests.get(f"{server.url}{POLLING}", timeout=10)
    assert polling.status_code == 200
    _assert_page_headers(polling.headers)
