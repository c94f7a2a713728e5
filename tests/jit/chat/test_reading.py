"""What a client back after a gap reads is found by index, not by walking the channel."""

from datetime import timedelta

from sqlalchemy import insert, text, update

from jit.chat import reading, services
from jit.chat.models import Channel, Message
from jit.clock import frozen, utcnow
from jit.extensions import db
from jit.teams.access import team_access_for
from tests.agreements.conftest import at


def _plan(statement) -> str:
    dialect = db.engine.dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
    return "\n".join(str(row) for row in db.session.execute(text(explain + sql)))


def test_the_changes_since_a_sync_are_read_by_the_changed_at_index(app, chat_team):
    channel, author = chat_team.general, chat_team.nl
    access = team_access_for(author, chat_team.code)
    party_id = access.party.id
    with frozen(at("2026-06-01", "09:00")):
        old = utcnow() - timedelta(days=30)
        db.session.execute(
            insert(Message),
            [
                {
                    "channel_id": channel.id,
                    "seq": seq,
                    "author_id": author.id,
                    "author_party_id": party_id,
                    "client_id": f"bulk-{seq:05d}",
                    "body": f"message {seq}",
                    "created_at": old,
                }
                for seq in range(1, 5001)
            ],
        )
        db.session.execute(update(Channel).where(Channel.id == channel.id).values(last_seq=5000))
        db.session.commit()
        edited = db.session.scalar(db.select(Message).where(Message.seq == 1200))
        services.edit_message(access, edited.id, services.check_draft("message 1200, corrected"))
        retracted = db.session.scalar(db.select(Message).where(Message.seq == 4100))
        services.retract_message(access, retracted.id)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()

        since = utcnow() - timedelta(minutes=5)
        rows, complete = reading.changed(channel, since=since, up_to_seq=5000)
        plan = _plan(reading.changed_statement(channel, since=since, up_to_seq=5000))
    assert [(m.seq, m.body, m.is_retracted) for m in rows] == [
        (1200, "message 1200, corrected", False),
        (4100, "message 4100", True),
    ]
    assert complete is True
    assert "ix_chat_messages_channel_id_changed_at" in plan, plan
