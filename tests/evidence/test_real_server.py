"""Uploads through a real `jit run` (gunicorn): the body is read from the socket directly."""

import contextlib
import hashlib
import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import select

from evidence import storage
from evidence.models import EvidenceFile, EvidenceItem
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.evidence.conftest import item_fields, multipart_body

pytestmark = pytest.mark.slow
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextlib.contextmanager
def _jit_run(app_config, tmp_path, **settings):
    """Serve the test's instance with a real `jit run`; yield its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ)
    env.update(
        JIT_INSTANCE_PATH=app_config["INSTANCE_PATH"],
        JIT_DATABASE_URL=app_config["DATABASE_URL"],
        JIT_SECRET_KEY=app_config["SECRET_KEY"],
        **settings,
    )
    jit = Path(sys.executable).with_name("jit")
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(jit), "run", "--port", str(port), "--threads", "4"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError((tmp_path / "server.log").read_text()) from None
            time.sleep(0.2)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture
def server(app, app_config, tmp_path):
    with _jit_run(app_config, tmp_path) as port:
        yield port


class _Session:
    """One keep-alive HTTP connection with a cookie jar, signed in as ``user``."""

    def __init__(self, port: int, user):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.jar: dict = {}
        _response, page = self.call("GET", "/login")
        form = urllib.parse.urlencode(
            {"csrf_token": _token(page), "email": user.email, "password": DEFAULT_PASSWORD}
        )
        response, _ = self.call(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert response.status == 302

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())

    def call(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.jar:
            headers["Cookie"] = self.cookie
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.jar[key] = rest.split(";", 1)[0]
        return response, data


def _token(page: bytes) -> str:
    return CSRF.search(page.decode()).group(1)


def test_upload_through_gunicorn_and_reuse_the_connection(server, nl_member):
    session = _Session(server, nl_member.user)
    connection, call = session.connection, session.call
    code = nl_member.team.code
    _response, page = call("GET", f"/t/{code}/evidence/new")
    token = _token(page)
    # Two files: the first spans several receive buffers and starts at an odd offset.
    files = [secrets.token_bytes(9 * 1024 * 1024 + 123), secrets.token_bytes(3 * 1024 * 1024 + 17)]
    body, content_type = multipart_body(
        {"csrf_token": token} | item_fields(),
        [("files", "image.bin", files[0]), ("files", "second.bin", files[1])],
    )
    response, _ = call("POST", f"/t/{code}/evidence/new", body, {"Content-Type": content_type})
    assert response.status == 303, response.status
    # The same keep-alive connection still works after the body was read past gunicorn.
    response, page = call("GET", f"/t/{code}/evidence/NL-0001")
    assert response.status == 200
    digests = [hashlib.sha256(data).hexdigest() for data in files]
    assert all(digest in page.decode() for digest in digests)
    connection.close()
    db.session.expire_all()
    stored = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
    assert [(row.sha256, row.size_bytes) for row in stored] == [
        (digest, len(data)) for digest, data in zip(digests, files, strict=True)
    ]
    for digest, data in zip(digests, files, strict=True):
        assert storage.blob_path(digest).read_bytes() == data


def test_a_stalled_upload_is_cut_off_and_leaves_nothing(app, app_config, tmp_path, nl_member):
    """A client that stops sending mid-body does not hold a server thread forever."""
    code = nl_member.team.code
    with _jit_run(app_config, tmp_path, JIT_UPLOAD_IDLE_SECONDS="1") as port:
        session = _Session(port, nl_member.user)
        _response, page = session.call("GET", f"/t/{code}/evidence/new")
        body, content_type = multipart_body(
            {"csrf_token": _token(page)} | item_fields(),
            [("files", "stalled.bin", secrets.token_bytes(6 * 1024 * 1024))],
        )
        head = (
            f"POST /t/{code}/evidence/new HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Cookie: {session.cookie}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as stalled:
            stalled.sendall(head + body[: 5 * 1024 * 1024])  # then nothing more
            started = time.monotonic()
            answer = b""
            while chunk := stalled.recv(65536):
                answer += chunk
                if b"</html>" in answer:
                    break
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
        assert b"cut off before it was complete" in answer
        assert waited < 15
        # The server is free for the next request.
        response, _ = session.call("GET", f"/t/{code}/evidence/new")
        assert response.status == 200
        session.connection.close()
    db.session.expire_all()
    assert db.session.scalars(select(EvidenceFile)).all() == []
    assert db.session.scalars(select(EvidenceItem)).all() == []
    assert list(storage.iter_blobs()) == []
    assert list((storage.blob_dir() / "tmp").iterdir()) == []
