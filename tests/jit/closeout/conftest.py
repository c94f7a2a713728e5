"""A closed team with two parties' evidence and a chat, for close-out and retention tests."""

import uuid

import pytest
from sqlalchemy import select

from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import TODAY, at, in_force, jit  # noqa: F401  (fixtures)


@pytest.fixture
def closed(in_force, make_item):  # noqa: F811  (the fixture imported above)
    """Return the agreements' ``Jit`` with items of NL and DE and a chat, closed on 1 Sept."""
    from agreements import services
    from jit.chat import services as chat
    from jit.chat.models import Channel
    from jit.teams.access import TeamAccess

    team = in_force
    with frozen(at("2026-06-10")):
        team.nl_team_item = make_item(
            team.nl_leader, title="NL shared", visibility="team", files=[("nl.txt", b"nl shared")]
        )
        team.nl_party_item = make_item(
            team.nl_leader, title="NL only", visibility="party", files=[("secret.txt", b"nl own")]
        )
        team.de_party_item = make_item(
            team.de_leader, title="DE only", visibility="party", files=[("de.txt", b"de own")]
        )
        channel = db.session.scalar(select(Channel).where(Channel.team_id == team.team.id))
        if channel is None:
            channel = chat.new_general_channel(team.team)
            db.session.flush()
        chat.post_message(
            TeamAccess(team=team.team, membership=team.nl_leader),
            channel,
            client_id=uuid.uuid4().hex,
            draft=chat.Draft(body="Meeting at 10", handling_code="H0", handling_conditions=""),
        )
        db.session.commit()
    with frozen(at("2026-09-01")):
        services.close(
            TeamAccess(team=team.team, membership=team.coordinator), "Operational phase completed."
        )
        db.session.commit()
    return team


def access_of(membership):
    from jit.teams.access import TeamAccess

    return TeamAccess(team=membership.team, membership=membership)
