"""Search fixtures: a team with people of each party and role, indexing, searching."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from jit.extensions import db
from search.registry import Document
from tests.conftest import Auth


def message_document(object_id: int, body: str, team_id: int = 1) -> Document:
    """A chat message's index document (English, readable by the team), for a backend's
    ``apply`` called directly."""
    return Document(
        kind="message",
        object_id=object_id,
        team_id=team_id,
        title="General",
        body=body,
        occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
        readers=("team",),
        language="en",
    )


@pytest.fixture
def index(app):
    """Return a function that applies the outbox, as the writer thread would."""
    from search import outbox

    def drain():
        db.session.commit()
        return outbox.drain(app)

    return drain


@dataclass
class Case:
    team: object
    nl_member: object
    de_member: object
    nl_leader: object


@pytest.fixture
def case(make_team, make_membership):
    """A team with an NL member, a DE member and an NL leader."""
    team = make_team()
    return Case(
        team=team,
        nl_member=make_membership(team, "member", "NL"),
        de_member=make_membership(team, "member", "DE"),
        nl_leader=make_membership(team, "leader", "NL"),
    )


@pytest.fixture
def search_as(app):
    """Return ``search(user, q, team=code or None, **params) -> (status, json)``."""
    clients = {}

    def search(user, q=None, *, team=None, **params):
        client = clients.get(user.id)
        if client is None:
            client = clients[user.id] = app.test_client()
            Auth(client).login(user)
        if q is not None:
            params["q"] = q
        url = f"/t/{team}/search.json" if team else "/search.json"
        response = client.get(url, query_string=params)
        return response.status_code, response.get_json()

    return search


def uids(body) -> list[str]:
    return sorted(f"{hit['kind']}:{hit['title']}" for hit in body["hits"])


@pytest.fixture
def chat(app):
    """Return helpers that post, edit and retract chat messages as a member would."""
    import uuid

    from sqlalchemy import select

    from jit.chat import services
    from jit.chat.models import Channel
    from jit.teams.access import TeamAccess

    class Chat:
        def channel(self, team):
            return db.session.scalar(select(Channel).where(Channel.team_id == team.id))

        def draft(self, body):
            return services.Draft(body=body, handling_code="H0", handling_conditions="")

        def post(self, membership, body):
            access = TeamAccess(team=membership.team, membership=membership)
            message, _new = services.post_message(
                access,
                self.channel(membership.team),
                client_id=uuid.uuid4().hex,
                draft=self.draft(body),
            )
            db.session.commit()
            return message

        def edit(self, membership, message, body):
            access = TeamAccess(team=membership.team, membership=membership)
            services.edit_message(access, message.id, self.draft(body))
            db.session.commit()

        def retract(self, membership, message):
            access = TeamAccess(team=membership.team, membership=membership)
            services.retract_message(access, message.id)
            db.session.commit()

    return Chat()
