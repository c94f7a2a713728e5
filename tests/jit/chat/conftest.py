"""Chat fixtures: Socket.IO test clients, real servers (gunicorn) and real Redis.

``chat_server`` starts ``jit run`` (gunicorn, the production server) in a subprocess
on the test's database, so python-socketio and Chromium talk to the real thing.
``redis_url`` starts a throwaway ``redis-server`` once per session.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import socketio
from sqlalchemy import func, select

from jit import clock as jit_clock
from jit.chat import kept
from jit.chat.models import Message
from jit.extensions import db
from jit.extensions import socketio as socketio_extension
from tests.conftest import Auth

NAMESPACE = "/chat"
ROOT = Path(__file__).resolve().parents[3]
_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class HandClock:
    """The two clocks a kept answer's moment is measured on (:mod:`jit.chat.kept`):
    the monotonic one and the workspace's, both standing still until moved by hand.

    Neither may run on: a kept answer is fresh while *both* say under a second has
    passed, so a slow machine taking a second between two events would end the moment
    a test means to be still running."""

    def __init__(self, monkeypatch, stack: contextlib.ExitStack):
        self._seconds = 1000.0
        self._stack = stack
        monkeypatch.setattr(kept, "monotonic", lambda: self._seconds)
        stack.enter_context(jit_clock.frozen(jit_clock.utcnow()))

    def advance(self, seconds: float) -> None:
        self._seconds += seconds
        self._stack.enter_context(jit_clock.shifted(timedelta(seconds=seconds)))


@pytest.fixture
def hand_clock(monkeypatch):
    with contextlib.ExitStack() as stack:
        yield HandClock(monkeypatch, stack)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_cookie(app, user) -> str:
    """Return a signed session cookie value for ``user``, as signing in would set it."""
    from jit.accounts import sessions

    key = sessions.start(user, user_agent="test client", ip_address="127.0.0.1")
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": user.get_id(), "_fresh": True, sessions.KEY: key})


# --- Flask-SocketIO's test client -------------------------------------------------------


@pytest.fixture
def connect(app):
    """Return a factory: a signed-in Socket.IO test client of ``user`` for a team's chat."""
    opened = []

    def factory(user=None, team_code=None, *, headers=None, auth=None):
        client = app.test_client()
        if user is not None:
            Auth(client).login(user)
        sio = socketio_extension.test_client(
            app,
            namespace=NAMESPACE,
            flask_test_client=client,
            auth=auth if auth is not None else {"team": team_code},
            headers=headers,
        )
        opened.append(sio)
        return sio

    yield factory
    for sio in opened:
        if sio.is_connected(NAMESPACE):
            sio.disconnect(namespace=NAMESPACE)


def events(sio, name=None) -> list[dict]:
    """Return (and consume) what a test client received, optionally one event's payloads.

    A ``messages`` event (several committed together) counts as a ``message`` each, as
    the page reads it.
    """
    received = []
    for event in sio.get_received(NAMESPACE):
        if event["name"] == "messages":
            received += [{"name": "message", "args": m} for m in first_argument(event["args"])]
        else:
            received.append(event)
    return [first_argument(e["args"]) for e in received if name in (None, e["name"])]


def first_argument(args):
    """An event's one argument (the test client gives a ``message`` event's bare)."""
    if isinstance(args, (list, tuple)):
        return args[0] if args else None
    return args


def ack(sio, event, data):
    """Emit ``event`` and return the server's acknowledgement."""
    return sio.emit(event, data, namespace=NAMESPACE, callback=True)


def joined(connect, chat_team):
    """The NL member's test client, connected and in the general channel, inbox emptied."""
    sio = connect(chat_team.nl, chat_team.code)
    assert ack(sio, "join", {"channel": chat_team.general.id})["ok"]
    events(sio)
    return sio


def send_hello(sio, chat_team, client_id):
    """Send "hello" to the general channel under ``client_id``; return the answer."""
    return ack(
        sio, "send", {"channel": chat_team.general.id, "client_id": client_id, "body": "hello"}
    )


def stored_messages() -> int:
    return db.session.scalar(select(func.count()).select_from(Message))


@pytest.fixture
def chat_team(make_team, make_membership):
    """A team with a coordinator, an NL member, a DE member and a reviewer."""
    from jit.chat.services import channels_of
    from jit.teams.access import team_access_for

    team = make_team(code="IRON-TEST")
    nl = make_membership(team, "member", "NL")
    de = make_membership(team, "member", "DE")
    leader = make_membership(team, "leader", "DE")
    reviewer = make_membership(team, "reviewer", "NL")
    coordinator = team.memberships[0].user
    general = channels_of(team_access_for(coordinator, team.code))[0]

    class ChatTeam:
        pass

    chat = ChatTeam()
    chat.team, chat.code, chat.general = team, team.code, general
    chat.coordinator, chat.nl, chat.de = coordinator, nl.user, de.user
    chat.leader, chat.reviewer = leader.user, reviewer.user
    chat.nl_membership = nl
    return chat


def pending_send(chat_team, client_id: str, body: str, channel_id=None):
    """A send of the NL member's for the group-commit writer (to ``general`` unless told),
    read before the session lets go of the rows."""
    from jit.chat.services import check_draft
    from jit.chat.writer import PendingSend

    return PendingSend(
        channel_id=channel_id or chat_team.general.id,
        team_id=chat_team.team.id,
        author={"id": chat_team.nl.id, "name": "NL", "party": "NL"},
        author_party_id=chat_team.nl_membership.party_id,
        client_id=client_id,
        draft=check_draft(body),
        html=f"<p>{body}</p>",
    )


# --- Real servers -------------------------------------------------------------------------


class ChatServer:
    """``jit run`` (gunicorn) in a subprocess, on the test's database and secret key."""

    def __init__(self, app, tmp_path: Path, redis_url: str | None = None, name: str = "server"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"{name}-{self.port}.log"
        self._app, self._redis_url = app, redis_url
        self.start()

    def start(self) -> None:
        """Start (or start again, on the same port) the server process."""
        app, redis_url = self._app, self._redis_url
        env = {
            **os.environ,
            "JIT_INSTANCE_PATH": app.instance_path,
            "JIT_DATABASE_URL": app.config["DATABASE_URL"],
            "JIT_SECRET_KEY": app.config["SECRET_KEY"],
            # The server runs this checkout's code, as the tests do, whichever checkout
            # the environment's editable install points at (another clone's, once).
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        env.pop("JIT_REDIS_URL", None)
        if redis_url:
            env["JIT_REDIS_URL"] = redis_url
        jit = Path(sys.executable).with_name("jit")
        self._log = open(self.log_path, "a")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(jit), "run", "--port", str(self.port), "--threads", "64"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """End the server at once (SIGKILL to gunicorn's master and worker), as a crash would.

        The worker is killed too: an orphaned gunicorn worker notices its parent is gone
        only about a second later, and then finishes its requests before it exits.
        """
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()]
        self.process.kill()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is not None:
            self._log.close()
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def chat_server(app, tmp_path):
    """Return a factory starting real servers on the test's database; stops them after."""
    servers = []

    def factory(redis_url=None, name="server"):
        db.session.commit()
        server = ChatServer(app, tmp_path, redis_url=redis_url, name=name)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


def release(client: socketio.Client) -> None:
    """Disconnect ``client`` and close every socket it opened.

    When the server ends a connection with a close frame, python-engineio (4.15) stops
    reading there and does not close its WebSocket; ``disconnect`` and ``shutdown`` then
    do nothing, as the client already counts as disconnected, and the polling session is
    dropped unclosed. Such a socket is closed by the garbage collector, whose
    ResourceWarning (an error in this suite) fails whichever test is running at that
    moment: once in CI, the setup of ``test_redis_fanout``. Read in the library's code;
    not reproduced here, as it depends on timing.
    """
    http = client.eio.http  # dropped unclosed by the disconnect below
    if client.connected:
        client.disconnect()
    client.shutdown()
    if client.eio.ws is not None:
        client.eio.ws.shutdown()  # websocket-client: close the socket, whatever its state
    for session in {http, client.eio.http} - {None}:
        session.close()


class LiveClient:
    """A real python-socketio client that records every event it receives."""

    def __init__(self, server_url: str, cookie: str | None, team_code: str | None, **options):
        self.received: list[tuple[str, object]] = []
        self._condition = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record, namespace=NAMESPACE)
        self.sio.on("disconnect", self._disconnected, namespace=NAMESPACE)
        self.disconnected = threading.Event()
        headers = dict(options.pop("headers", {}))
        if cookie:
            headers["Cookie"] = f"jit_session={cookie}"
        try:
            self.sio.connect(
                server_url,
                namespaces=[NAMESPACE],
                headers=headers,
                auth={"team": team_code},
                transports=["websocket"],
                wait_timeout=10,
                **options,
            )
        except BaseException:
            release(self.sio)  # a refused connection leaves its socket open
            raise

    def _record(self, event, *args):
        with self._condition:
            if event == "messages":  # several committed together: one ``message`` each
                self.received += [("message", message) for message in args[0]]
            else:
                self.received.append((event, args[0] if args else None))
            self._condition.notify_all()

    def _disconnected(self, *args):
        self.disconnected.set()

    def call(self, event, data, timeout=10):
        return self.sio.call(event, data, namespace=NAMESPACE, timeout=timeout)

    def payloads(self, event) -> list:
        with self._condition:
            return [data for name, data in self.received if name == event]

    def wait_for(self, event, predicate=lambda data: True, timeout=10):
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                for name, data in self.received:
                    if name == event and predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {event!r} within {timeout} s; got {self.received}")
                self._condition.wait(remaining)

    def close(self):
        release(self.sio)


@pytest.fixture
def live_client(app):
    """Return a factory of real Socket.IO clients signed in as a user; closes them after."""
    clients = []

    def factory(server, user=None, team_code=None, **options):
        cookie = session_cookie(app, user) if user is not None else None
        client = LiveClient(server.url, cookie, team_code, **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


def csrf_token_from(page: str) -> str:
    match = _CSRF_INPUT.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


# --- Redis --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throwaway redis-server on 127.0.0.1 (scripts/test installs it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: scripts/test installs it")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)
