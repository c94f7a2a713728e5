"""A connection's events use its session as kept since connect, not the cookie decoded again."""

from flask.sessions import SecureCookieSessionInterface

from jit.chat.events import ConnectionSessions
from tests.conftest import Auth
from tests.jit.chat.conftest import ack, events


def test_events_do_not_decode_the_cookie_again(app, chat_team, connect, monkeypatch):
    assert isinstance(app.session_interface, ConnectionSessions)
    decoded = []
    plain = SecureCookieSessionInterface.open_session

    def counted(self, app, request):
        decoded.append(request.path)
        return plain(self, app, request)

    monkeypatch.setattr(SecureCookieSessionInterface, "open_session", counted)
    sio = connect(chat_team.nl, chat_team.code)  # signs in, then connects
    assert decoded[-1].startswith("/socket.io")  # the connect: its session comes from the cookie
    decoded.clear()
    assert ack(sio, "join", {"channel": chat_team.general.id})["ok"]
    events(sio)
    for number in range(3):
        answer = ack(
            sio,
            "send",
            {"channel": chat_team.general.id, "client_id": f"kept-{number:04d}", "body": "hi"},
        )
        assert answer["ok"]  # the team chosen at connect is still in the session
    assert decoded == []


def test_pages_still_read_the_cookie(app, chat_team, client):
    """Outside Socket.IO, every request reads its session from its cookie as before."""
    page = f"/t/{chat_team.code}/chat"
    auth = Auth(client)
    auth.login(chat_team.nl)
    assert client.get(page).status_code == 200
    auth.logout()
    assert client.get(page).status_code == 302
