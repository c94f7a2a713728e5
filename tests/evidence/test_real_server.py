"""Uploads through a real `jit run` (gunicorn): the body is read from the socket directly."""

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
from evidence.models import EvidenceFile
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.evidence.conftest import item_fields, multipart_body

pytestmark = pytest.mark.slow
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def server(app, app_config, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ)
    env.update(
        JIT_INSTANCE_PATH=app_config["INSTANCE_PATH"],
        JIT_DATABASE_URL=app_config["DATABASE_URL"],
        JIT_SECRET_KEY=app_config["SECRET_KEY"],
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
    yield port
    process.terminate()
    process.wait(timeout=20)
    log.close()


def _cookie(response, jar: dict) -> None:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key] = rest.split(";", 1)[0]


def test_upload_through_gunicorn_and_reuse_the_connection(server, nl_member):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
    jar: dict = {}

    def call(method, path, body=None, headers=None):
        headers = dict(headers or {})
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        _cookie(response, jar)
        return response, data

    _response, page = call("GET", "/login")
    token = CSRF.search(page.decode()).group(1)
    form = urllib.parse.urlencode(
        {"csrf_token": token, "email": nl_member.user.email, "password": DEFAULT_PASSWORD}
    )
    response, _ = call(
        "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 302
    code = nl_member.team.code
    _response, page = call("GET", f"/t/{code}/evidence/new")
    token = CSRF.search(page.decode()).group(1)
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
