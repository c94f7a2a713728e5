"""An empty second instance to restore into, on the same database backend as ``app``."""

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jit.app import create_app
from jit.extensions import db
from tests.conftest import WorkspaceClient, _test_config


@pytest.fixture
def empty_instance(db_backend, tmp_path):
    """Return a factory of apps on a new, empty database and instance folder."""
    made = []

    def factory(name="restored"):
        folder = tmp_path / name
        if db_backend == "sqlite":
            url = f"sqlite:///{folder / 'jit.sqlite3'}"
        else:
            server = make_url(os.environ["JIT_TEST_POSTGRESQL_URL"])
            database = f"jit_restore_{os.getpid()}_{len(made)}"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
                connection.execute(text(f'CREATE DATABASE "{database}"'))
            admin.dispose()
            url = server.set(database=database).render_as_string(hide_password=False)
            made.append((server, database))
        application = create_app(_test_config(folder, url))
        application.test_client_class = WorkspaceClient
        return application

    yield factory
    for server, database in made:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def run_in(application, *args):
    """Invoke a ``jit`` command in ``application``'s own context; return the result."""
    with application.app_context():
        try:
            return application.test_cli_runner().invoke(args=list(args))
        finally:
            db.session.remove()
            db.engine.dispose()
