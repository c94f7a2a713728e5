"""Exhibit links per reader, through the core's ``exhibit_links`` hook."""

from jit import signals
from tests.jit.chat.conftest import ack


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


def test_a_connected_receiver_answers_and_junk_is_dropped(chat_team, connect):
    seen = []

    def resolver(access, references):
        seen.append((access.user.id, references))
        return {"NL-0001": "/t/x/evidence/NL-0001", "XX-1": "/elsewhere", "NL-0002": 5}

    alice = connect(chat_team.nl, chat_team.code)
    with signals.exhibit_links.connected_to(resolver):
        answer = ack(alice, "exhibits", {"refs": ["NL-0001", "NL-0002", "NL-0001"]})
    assert answer["links"] == {"NL-0001": "/t/x/evidence/NL-0001"}
    assert seen == [(chat_team.nl.id, ["NL-0001", "NL-0002"])]
    # Disconnected again: only the evidence register answers, and it has no NL-0001.
    assert ack(alice, "exhibits", {"refs": ["NL-0001"]})["links"] == {}
