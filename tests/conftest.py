"""Fixtures shared by every test: apps on SQLite and PostgreSQL, clients, factories.

Every test that takes ``app`` runs once per database backend: SQLite always, and
PostgreSQL when ``JIT_TEST_POSTGRESQL_URL`` points at a server (``scripts/test``
starts one). ``JIT_TEST_REQUIRE_POSTGRESQL=1`` turns a missing server into an error.
"""

import itertools
import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jit.app import create_app
from jit.extensions import db

DEFAULT_PASSWORD = "correct horse battery staple"
_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("JIT_TEST_POSTGRESQL_URL"):
        backends.append("postgresql")
    elif os.environ.get("JIT_TEST_REQUIRE_POSTGRESQL") == "1":
        raise RuntimeError("JIT_TEST_REQUIRE_POSTGRESQL=1 but JIT_TEST_POSTGRESQL_URL is not set")
    return backends


class WorkspaceClient(FlaskClient):
    """A test client that behaves like separate HTTP requests against a real server.

    Each request runs in its own app context (own ``g``, own database session), as in
    production; the test's own session is committed before and expired after, so the
    test sees what the request wrote. It sends the CSRF token with every form post
    unless told not to.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        page = self.get("/login", follow_redirects=True).get_data(as_text=True)
        match = _CSRF_INPUT.search(page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf and "json" not in kwargs:
            data = dict(kwargs.pop("data", None) or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


def _migrated_sqlite_template(root: Path) -> Path:
    folder = root / "template-instance"
    app = create_app(_test_config(folder, f"sqlite:///{folder / 'jit.sqlite3'}"))
    with app.app_context():
        from jit.commands import apply_migrations

        apply_migrations()
        db.engine.dispose()
    path = folder / "jit.sqlite3"
    # The background checkpointer (jit/wal.py) may hold a connection of its own as the
    # pool closes, so the last commits can still sit in the WAL: fold them in now.
    with closing(sqlite3.connect(path, timeout=30)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _test_config(instance: Path, database_url: str) -> dict:
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "TESTING": True,
        "PASSWORD_HASH_FAST": True,
        # Tests drain the search outbox themselves (search.outbox.drain).
        "SEARCH_WORKER": False,
        # A test that starts the writer gets it as a thread it can watch; the writer
        # process has its own tests (tests/search/test_writer_process.py).
        "SEARCH_WRITER": "thread",
        # Custody reports of a package are rendered in the test process, where tests can
        # watch and break them; tests/bundles/test_report_pool.py runs the child processes.
        "REPORT_WORKERS": 0,
        # Custody reports made ahead for drafts: tests/bundles/test_prerender.py turns it on.
        "REPORT_PRERENDER": False,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    return _migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgresql_url(tmp_path_factory) -> str:
    """Create a fresh database on the test server and migrate it once per session."""
    server_url = make_url(os.environ["JIT_TEST_POSTGRESQL_URL"])
    name = f"jit_test_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    folder = tmp_path_factory.mktemp("pg-template")
    app = create_app(_test_config(folder, url))
    with app.app_context():
        from jit.commands import apply_migrations

        apply_migrations()
        db.engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            quoted = ", ".join(f'"{table}"' for table in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=_backends())
def db_backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(request, db_backend, tmp_path) -> str:
    if db_backend == "sqlite":
        target = tmp_path / "instance" / "jit.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        # SQLite's backup copies what is committed, WAL included, never a torn file.
        template = request.getfixturevalue("sqlite_template")
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgresql_url")
    _empty_postgresql(url)
    return url


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    """The configuration the ``app`` fixture is built with; override it to change settings."""
    return _test_config(tmp_path / "instance", database_url)


@pytest.fixture
def app(app_config):
    application = create_app(app_config)
    application.test_client_class = WorkspaceClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
        # The chat's group-commit writer has a connection of its own (jit/chat/writer.py).
        if "jit_chat_writer" in application.extensions:
            application.extensions["jit_chat_writer"].close()


@pytest.fixture
def client(app) -> WorkspaceClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    """Return a factory that creates (and commits) an account."""
    from jit.accounts import services

    def factory(
        email=None,
        name=None,
        password=DEFAULT_PASSWORD,
        *,
        is_platform_admin=False,
        time_zone="Europe/Amsterdam",
    ):
        number = next(_counter)
        user = services.create_user(
            email or f"person{number}@example.org",
            name or f"Person {number}",
            password,
            is_platform_admin=is_platform_admin,
            time_zone=time_zone,
        )
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_team(app, make_user):
    """Return a factory for a team with NL, DE and Eurojust parties and a coordinator."""
    from jit.teams import services

    def factory(code=None, name=None, *, coordinator=None, parties=None):
        number = next(_counter)
        coordinator = coordinator or make_user(name=f"Coordinator {number}")
        specs = parties or [
            services.PartySpec(country_code="NL", authority="Openbaar Ministerie"),
            services.PartySpec(country_code="DE", authority="Staatsanwaltschaft Köln"),
            services.PartySpec(body="EUROJUST", authority="Eurojust"),
        ]
        team = services.create_team(
            name=name or f"Operation Test {number}",
            code=code or f"OP-{number}",
            description="A team made by a test.",
            parties=specs,
            coordinator=coordinator,
            coordinator_party_index=len(specs) - 1,
            actor=None,
        )
        db.session.commit()
        return team

    return factory


@pytest.fixture
def make_membership(app, make_user):
    """Return a factory that puts a (new or given) user in a team with a role and party."""
    from jit.permissions import Role
    from jit.teams import services

    def factory(team, role="member", party="NL", user=None):
        user = user or make_user()
        party_row = next(p for p in team.parties if party in (p.country_code, p.body))
        membership = services.add_membership(team, user, party_row, Role(role), actor=None)
        db.session.commit()
        return membership

    return factory


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user, password=DEFAULT_PASSWORD, code=None):
        response = self.client.post("/login", data={"email": user.email, "password": password})
        if code is not None:
            response = self.client.post("/login/code", data={"code": code})
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


# --- A live server and a real browser ------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("JIT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _closing(app):
    """Wrap a WSGI app so that its response is closed even when the server forgets to.

    Werkzeug's development server skips ``close()`` when draining a connection the client
    reset fails, and a static file's handle is then left to the garbage collector. The
    generator's ``finally`` runs as soon as the server drops it.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


class LiveServer:
    """The test's ``app`` served over real HTTP on 127.0.0.1 from a background thread."""

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server

        self.app = app
        self._server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """A real headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ and return its path."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


# --- Evidence ------------------------------------------------------------------------


@pytest.fixture
def make_item(app):
    """Return a factory for an evidence item recorded by ``membership``, with its files.

    ``files`` is a list of ``(filename, bytes)``; other keywords override the item's
    fields (see ``evidence.services.ItemInput``).
    """
    from datetime import UTC, datetime

    from evidence import services, storage
    from evidence.sniff import claimed_type, sniff
    from jit.teams.access import TeamAccess

    def factory(membership, *, files=(), **fields):
        values = {
            "title": "Seizure record",
            "item_type": "document",
            "collected_by": "Insp. A. Example",
            "collected_at": datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
            "collected_time_zone": "Europe/Amsterdam",
            "collected_location": "Rotterdam, Waalhaven 12",
            "legal_basis": "Art. 94 Sv (seizure)",
        } | fields
        uploads = []
        for filename, data in files:
            blob = storage.store_bytes(data)
            media_type = sniff(blob.head, storage.blob_path(blob.sha256))
            claim = claimed_type(filename, None)  # as an upload naming no Content-Type
            uploads.append(services.Upload(blob, filename, media_type, claim))
        access = TeamAccess(team=membership.team, membership=membership)
        item = services.create_item(access, services.ItemInput(**values), uploads)
        db.session.commit()
        return item

    return factory
