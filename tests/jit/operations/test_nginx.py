"""The documented deployment, for real: nginx with TLS in front of two ``jit run``.

The nginx site is ``docs/deploy/nginx-jit.conf`` as ``jit deploy nginx`` renders it
(only addresses, ports and certificate paths filled in), so the guide cannot drift
from what works. A
sign-in, an upload and a chat exchange go through it over HTTPS, the processes
sharing rooms through a real Redis.
"""

import hashlib
import re
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import redis
import requests
import socketio

from benchmarks.common import Nginx
from jit.operations.deploy import render_nginx_site, self_signed_certificate
from tests.conftest import DEFAULT_PASSWORD
from tests.jit.chat.conftest import (  # noqa: F401 (redis_url: a fixture)
    NAMESPACE,
    ChatServer,
    free_port,
    redis_url,
    release,
)

pytestmark = pytest.mark.slow

HIDDEN_INPUT = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME = re.compile(r'name="([^"]+)"')
VALUE = re.compile(r'value="([^"]*)"')


@pytest.fixture
def deployment(app, tmp_path, redis_url, monkeypatch):  # noqa: F811 (imported fixture)
    """Two ``jit run`` processes sharing Redis, behind the documented nginx site."""
    # The settings docs/operations.md gives for a deployment behind one TLS proxy.
    monkeypatch.setenv("JIT_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("JIT_SECURE_COOKIES", "1")
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    servers = []
    proxy = None
    try:
        for name in ("east", "west"):
            servers.append(ChatServer(app, tmp_path, redis_url=redis_url, name=name))
        cert, key = self_signed_certificate(tmp_path)
        http_port, https_port = free_port(), free_port()
        site = render_nginx_site(
            [server.port for server in servers],
            server_name="127.0.0.1",
            certificate=str(cert),
            certificate_key=str(key),
            http_listen=f"127.0.0.1:{http_port}",
            https_listen=f"127.0.0.1:{https_port}",
        )
        proxy = Nginx(tmp_path / "nginx", site)
        proxy.wait_until_up(https_port)
        url = f"https://127.0.0.1:{https_port}"
        yield url, cert, f"http://127.0.0.1:{http_port}"
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()


def _hidden_fields(page: str) -> dict:
    fields = {}
    for tag in HIDDEN_INPUT.findall(page):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def _sign_in(url: str, cert: Path, user) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would win over verify
    session.verify = str(cert)
    # Over HTTPS, Flask-WTF also checks the Referer is this site, as a browser sends it.
    session.headers["Referer"] = f"{url}/"
    page = session.get(f"{url}/login", timeout=10).text
    response = session.post(
        f"{url}/login",
        data=_hidden_fields(page) | {"email": user.email, "password": DEFAULT_PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    assert response.headers["Location"].startswith(("/", url)), response.headers["Location"]
    return session


def _socket(url: str, session: requests.Session, team_code: str) -> tuple:
    received = []
    client = socketio.Client(reconnection=False, ssl_verify=False)
    client.on("message", received.append, namespace=NAMESPACE)
    client.on("messages", received.extend, namespace=NAMESPACE)  # committed together
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    client.connect(
        url,
        namespaces=[NAMESPACE],
        headers={"Cookie": cookie},  # the WebSocket client sends this site as Origin
        auth={"team": team_code},
        transports=["websocket"],
        wait_timeout=10,
    )
    return client, received


def _wait(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_sign_in_upload_and_chat_through_nginx(deployment, make_team, make_membership, request):
    from jit.chat.services import channels_of
    from jit.teams.access import team_access_for

    team = make_team(code="OP-NGINX")
    nl = make_membership(team, "member", "NL").user
    de = make_membership(team, "member", "DE").user
    general = channels_of(team_access_for(nl, team.code))[0]
    url, cert, plain_url = deployment

    # Plain HTTP is sent to HTTPS.
    with requests.Session() as plain:
        plain.trust_env = False
        redirect = plain.get(f"{plain_url}/login", allow_redirects=False, timeout=10)
    assert redirect.status_code == 301
    assert redirect.headers["Location"].startswith("https://")

    # Sign in (the GET and the POST may land on different processes).
    alice = _sign_in(url, cert, nl)
    request.addfinalizer(alice.close)
    bob = _sign_in(url, cert, de)
    request.addfinalizer(bob.close)
    assert all(cookie.secure for cookie in alice.cookies), "session cookies must be Secure"
    overview = alice.get(f"{url}/t/{team.code}", timeout=10)
    assert overview.status_code == 200
    assert "OP-NGINX" in overview.text

    # Upload an evidence item with a file, streamed through the proxy.
    form_page = alice.get(f"{url}/t/{team.code}/evidence/new", timeout=10).text
    payload = b"ledger line\n" * 50_000
    response = alice.post(
        f"{url}/t/{team.code}/evidence/new",
        data=_hidden_fields(form_page)
        | {
            "title": "Ledger through the proxy",
            "item_type": "document",
            "collected_by": "Insp. A. Example",
            "collected_at": "2026-03-14T09:30",
            "collected_time_zone": "Europe/Amsterdam",
            "collected_location": "Rotterdam",
            "legal_basis": "Art. 94 Sv",
            "visibility": "team",
            "handling_code": "H0",
            "source_reliability": "B",
            "information_accuracy": "2",
        },
        files={"files": ("ledger.txt", payload, "text/plain")},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.text[:2000]
    item_page = alice.get(urljoin(url, response.headers["Location"]), timeout=10)
    assert hashlib.sha256(payload).hexdigest() in item_page.text

    # A chat exchange over WebSocket through nginx, the processes sharing Redis.
    alice_socket, alice_got = _socket(url, alice, team.code)
    bob_socket, bob_got = _socket(url, bob, team.code)
    try:
        for client in (alice_socket, bob_socket):
            joined = client.call("join", {"channel": general.id}, namespace=NAMESPACE, timeout=10)
            assert joined["ok"], joined
        sent = alice_socket.call(
            "send",
            {"channel": general.id, "client_id": "nginx-000001", "body": "Through the proxy"},
            namespace=NAMESPACE,
            timeout=10,
        )
        assert sent["ok"], sent
        assert _wait(lambda: any(m["id"] == sent["id"] for m in bob_got))
        reply = bob_socket.call(
            "send",
            {"channel": general.id, "client_id": "nginx-000002", "body": "Received"},
            namespace=NAMESPACE,
            timeout=10,
        )
        assert _wait(lambda: any(m["id"] == reply["id"] for m in alice_got))
    finally:
        for client in (alice_socket, bob_socket):
            release(client)
