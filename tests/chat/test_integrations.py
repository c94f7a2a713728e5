"""Exhibit links per reader, and the one registration point for the search outbox."""

import pytest

from jit.chat import integrations
from tests.chat.conftest import ack, events


@pytest.fixture
def restore_integrations():
    resolver, outbox = integrations._exhibit_resolver, integrations._search_outbox
    yield
    integrations.register_exhibit_resolver(resolver)
    integrations.register_search_outbox(outbox)


def test_exhibits_link_only_what_the_reader_may_see(chat_team, connect, make_item):
    """The evidence register's own visibility rule decides (no stand-in)."""
    nl = chat_team.nl_membership
    de = next(m for m in chat_team.team.memberships if m.user_id == chat_team.de.id)
    shared = make_item(nl, title="Seizure report")
    de_only = make_item(de, title="German wiretap summary", visibility="party")
    refs = [shared.exhibit_number, de_only.exhibit_number, "NL-9999"]
    alice = connect(chat_team.nl, chat_team.code)
    links = ack(alice, "exhibits", {"refs": refs})["links"]
    assert links == {shared.exhibit_number: f"/t/{chat_team.code}/evidence/{shared.exhibit_number}"}
    bob = connect(chat_team.de, chat_team.code)
    assert set(ack(bob, "exhibits", {"refs": refs})["links"]) == {
        shared.exhibit_number,
        de_only.exhibit_number,
    }


def test_a_registered_resolver_answers_and_junk_is_dropped(
    chat_team, connect, restore_integrations
):
    seen = []

    def resolver(access, refs):
        seen.append((access.user.id, refs))
        return {"NL-0001": "/t/x/evidence/NL-0001", "XX-1": "/elsewhere", "NL-0002": 5}

    integrations.register_exhibit_resolver(resolver)
    alice = connect(chat_team.nl, chat_team.code)
    answer = ack(alice, "exhibits", {"refs": ["NL-0001", "NL-0002", "NL-0001"]})
    assert answer["links"] == {"NL-0001": "/t/x/evidence/NL-0001"}
    assert seen == [(chat_team.nl.id, ["NL-0001", "NL-0002"])]
    integrations.register_exhibit_resolver(None)
    assert ack(alice, "exhibits", {"refs": ["NL-0001"]})["links"] == {}


def test_messages_reach_a_registered_search_outbox_in_their_transaction(
    chat_team, connect, restore_integrations
):
    from jit.extensions import db

    queued = []

    def outbox(message, operation):
        assert message.id is not None and db.session.is_active
        queued.append((message.id, operation, message.body))

    integrations.register_search_outbox(outbox)
    alice = connect(chat_team.nl, chat_team.code)
    sent = ack(
        alice,
        "send",
        {"channel": chat_team.general.id, "client_id": "search-0001", "body": "searchable"},
    )
    ack(
        alice,
        "send",
        {"channel": chat_team.general.id, "client_id": "search-0001", "body": "searchable"},
    )
    ack(alice, "edit", {"message": sent["id"], "body": "searchable, edited"})
    ack(alice, "retract", {"message": sent["id"]})
    ack(alice, "send", {"channel": chat_team.general.id, "client_id": "search-0002", "body": ""})
    assert queued == [
        (sent["id"], "index", "searchable"),
        (sent["id"], "index", "searchable, edited"),
        (sent["id"], "delete", "searchable, edited"),
    ]
    events(alice)
