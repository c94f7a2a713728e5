"""Signing out over real HTTP drops that browser's chat socket and refuses its cookie after."""

import pytest
import requests
import socketio

from tests.conftest import DEFAULT_PASSWORD
from tests.jit.chat.conftest import NAMESPACE, LiveClient, csrf_token_from

pytestmark = pytest.mark.slow


def _sign_in(server, user) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{server.url}/login", timeout=10)
    response = browser.post(
        f"{server.url}/login",
        data={
            "csrf_token": csrf_token_from(page.text),
            "email": user.email,
            "password": DEFAULT_PASSWORD,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    return browser


def _signed_in(server, cookie: str) -> bool:
    response = requests.get(
        f"{server.url}/account", cookies={"jit_session": cookie}, allow_redirects=False, timeout=10
    )
    return response.status_code == 200


def test_logout_drops_the_socket_and_the_copied_cookie_stays_dead(
    chat_team, chat_server, make_item
):
    item = make_item(chat_team.nl_membership, files=[("ledger.txt", b"ledger page 4")])
    server = chat_server()
    file_url = (
        f"{server.url}/t/{chat_team.code}/evidence/{item.exhibit_number}/files/{item.files[0].id}"
    )
    laptop, phone = _sign_in(server, chat_team.nl), _sign_in(server, chat_team.nl)
    copied, phone_cookie = laptop.cookies["jit_session"], phone.cookies["jit_session"]
    laptop_socket = LiveClient(server.url, copied, chat_team.code)
    phone_socket = LiveClient(server.url, phone_cookie, chat_team.code)
    try:
        laptop_socket.wait_for("ready")
        phone_socket.wait_for("ready")
        account = laptop.get(f"{server.url}/account", timeout=10)
        response = laptop.post(
            f"{server.url}/logout",
            data={"csrf_token": csrf_token_from(account.text)},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302

        assert laptop_socket.wait_for("access_revoked") == {"reason": "signed-out"}
        assert laptop_socket.disconnected.wait(10)
        assert not _signed_in(server, copied)
        download = requests.get(
            file_url, cookies={"jit_session": copied}, allow_redirects=False, timeout=10
        )
        assert download.status_code == 302
        assert b"ledger" not in download.content
        with pytest.raises(socketio.exceptions.ConnectionError):
            LiveClient(server.url, copied, chat_team.code).close()

        # The same person's other browser is untouched.
        assert _signed_in(server, phone_cookie)
        assert phone_socket.sio.connected
        assert phone_socket.call("join", {"channel": chat_team.general.id})["ok"]
        assert phone_socket.payloads("access_revoked") == []
    finally:
        laptop_socket.close()
        phone_socket.close()
        laptop.close()
        phone.close()


def test_an_open_socket_refuses_the_next_event_once_its_session_ended(app, chat_team, connect):
    """Even with no revocation delivered, the per-event check sees the ended session."""
    from sqlalchemy import update

    from jit.accounts.models import UserSession
    from jit.extensions import db
    from tests.jit.chat.conftest import ack

    sio = connect(chat_team.nl, chat_team.code)
    assert sio.is_connected(NAMESPACE)
    # Ended behind the hooks' back (another process, a database tool): no revocation sent.
    db.session.execute(update(UserSession).values(ended_at=UserSession.created_at))
    db.session.commit()
    answer = ack(sio, "join", {"channel": chat_team.general.id})
    assert answer == {"ok": False, "error": "You no longer have access to this team's chat."}
    assert not sio.is_connected(NAMESPACE)
