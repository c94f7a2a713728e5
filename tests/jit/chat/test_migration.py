"""The chat migration opens a general channel for every team that existed before it."""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jit.app import create_app
from jit.extensions import db

CORE, CHAT = "1c8eafcedfd9", "c3e5a7b9d103"


def _databases():
    yield "sqlite"
    if os.environ.get("JIT_TEST_POSTGRESQL_URL"):
        yield "postgresql"


@pytest.fixture(params=list(_databases()))
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    server = make_url(os.environ["JIT_TEST_POSTGRESQL_URL"])
    name = f"jit_chat_migration_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_existing_teams_get_their_general_channel(empty_database, tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": empty_database,
            "SECRET_KEY": "test",
            "TESTING": True,
        }
    )
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=CORE)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO teams (code, name, description, created_at) "
                    "VALUES ('OLD-TEAM', 'Before chat', '', CURRENT_TIMESTAMP)"
                )
            )
        upgrade(directory=directory, revision=CHAT)
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT t.code, c.name, c.is_general, c.last_seq, c.created_at "
                    "FROM chat_channels c JOIN teams t ON t.id = c.team_id"
                )
            ).all()
        db.engine.dispose()
    assert [(r.code, r.name, bool(r.is_general), r.last_seq) for r in rows] == [
        ("OLD-TEAM", "general", True, 0)
    ]
    assert rows[0].created_at is not None


SIGNED_HEADS = "d4f6a8c0e204"  # the revision before chat_messages.changed_at


def test_messages_changed_before_changed_at_existed_get_it_filled_in(app, chat_team):
    from flask_migrate import downgrade
    from sqlalchemy import func, inspect, select

    from jit.chat import services
    from jit.chat.models import Message, MessageRevision
    from jit.clock import frozen
    from jit.teams.access import team_access_for
    from tests.agreements.conftest import at

    access = team_access_for(chat_team.nl, chat_team.code)

    def post(body):
        draft = services.check_draft(body)
        return services.post_message(access, chat_team.general, client_id=body, draft=draft)[0].id

    with frozen(at("2026-06-01", "09:00")):
        plain, edited, retracted, both = (post(f"message-{n}") for n in range(1, 5))
        db.session.commit()
    with frozen(at("2026-06-01", "09:10")):
        for message in (edited, both):
            services.edit_message(access, message, services.check_draft("corrected"))
        db.session.commit()
    with frozen(at("2026-06-01", "09:20")):
        for message in (retracted, both):
            services.retract_message(access, message)
        db.session.commit()
    revisions = db.session.scalar(select(func.count(MessageRevision.id)))
    directory = app.extensions["migrate"].directory
    db.session.remove()
    db.engine.dispose()
    try:
        downgrade(directory=directory, revision=SIGNED_HEADS)
        columns = {c["name"] for c in inspect(db.engine).get_columns("chat_messages")}
        assert "changed_at" not in columns
    finally:
        upgrade(directory=directory)
        db.engine.dispose()
    assert db.session.scalar(select(func.count(MessageRevision.id))) == revisions == 2
    stamps = dict(db.session.execute(select(Message.id, Message.changed_at)).all())
    assert stamps == {
        plain: None,
        edited: at("2026-06-01", "09:10"),
        retracted: at("2026-06-01", "09:20"),
        both: at("2026-06-01", "09:20"),
    }
