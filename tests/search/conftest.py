"""Search fixtures: a team with people of each party and role, indexing, searching."""

from dataclasses import dataclass

import pytest

from jit.extensions import db
from tests.conftest import Auth


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
