"""`jit demo` seeds a conversation in Operation Iron Meridian, once."""

import pytest
from sqlalchemy import func, select

from jit.chat.models import Channel, Message, MessageRevision
from jit.extensions import db


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEMO_PASSWORD": "demo password for tests"}


def _counts():
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Channel, Message, MessageRevision)
    ]


def test_the_demo_conversation_is_seeded_once(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    channels = db.session.scalars(
        select(Channel.name).join(Channel.team).where(Channel.team.has(code="IRON-MERIDIAN"))
    ).all()
    assert set(channels) == {"general", "controlled-delivery", "analysis"}
    codes = set(db.session.scalars(select(Message.handling_code)))
    assert codes == {"H0", "H1", "H2", "H3"}
    assert db.session.scalar(
        select(func.count()).select_from(Message).where(Message.source_reliability.is_not(None))
    )
    before = _counts()
    assert before[1] >= 10
    assert before[2] == 1
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert _counts() == before
