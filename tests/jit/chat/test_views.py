"""The chat page, channels, and the general channel every team starts with."""

import pytest
from sqlalchemy import select

from jit.audit.models import AuditEntry
from jit.chat.models import Channel
from jit.extensions import db


def test_every_new_team_has_a_general_channel(make_team):
    team = make_team()
    channels = db.session.scalars(select(Channel).where(Channel.team_id == team.id)).all()
    assert [(c.name, c.is_general, c.last_seq) for c in channels] == [("general", True, 0)]


def test_the_chat_page_is_for_members_with_chat(chat_team, client, auth, make_user):
    auth.login(chat_team.nl)
    page = client.get(f"/t/{chat_team.code}/chat")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="chat"' in html
    assert "#general" in html
    assert "vendor/socket.io.min.js" in html
    assert "js/chat.js" in html
    assert f'href="/t/{chat_team.code}/chat" aria-current="page">Chat</a>' in html
    assert chat_team.de.display_name in html  # the people list
    assert chat_team.reviewer.display_name not in html  # reviewers are not in the chat
    assert "Add a channel" not in html
    auth.logout()
    auth.login(chat_team.reviewer)
    assert client.get(f"/t/{chat_team.code}/chat").status_code == 403
    assert ">Chat</a>" not in client.get(f"/t/{chat_team.code}/").get_data(as_text=True)
    auth.logout()
    auth.login(make_user())
    assert client.get(f"/t/{chat_team.code}/chat").status_code == 404
    auth.logout()
    assert client.get(f"/t/{chat_team.code}/chat").status_code == 302


def test_the_page_has_no_inline_script(chat_team, client, auth):
    auth.login(chat_team.nl)
    response = client.get(f"/t/{chat_team.code}/chat")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "<script>" not in html
    assert "onclick" not in html


@pytest.mark.parametrize("who", ["coordinator", "leader"])
def test_coordinator_and_leaders_add_channels(who, chat_team, client, auth):
    auth.login(getattr(chat_team, who))
    response = client.post(
        f"/t/{chat_team.code}/chat/channels",
        data={"name": "Controlled-Delivery", "topic": "Zagreb → Rotterdam"},
    )
    assert response.status_code == 302
    channel = db.session.scalar(select(Channel).where(Channel.name == "controlled-delivery"))
    assert channel.team_id == chat_team.team.id
    assert channel.topic == "Zagreb → Rotterdam"
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "chat.channel.created")
    )
    assert entry.new_values == {"name": "controlled-delivery", "topic": "Zagreb → Rotterdam"}
    again = client.post(f"/t/{chat_team.code}/chat/channels", data={"name": "controlled-delivery"})
    assert again.status_code == 400
    assert "already exists" in again.get_data(as_text=True)


def test_bad_channel_names_are_explained(chat_team, client, auth):
    auth.login(chat_team.coordinator)
    for name in ["two words", "slash/name", "", "x" * 65]:
        response = client.post(f"/t/{chat_team.code}/chat/channels", data={"name": name})
        assert response.status_code == 400, name
    assert db.session.scalar(select(Channel).where(Channel.is_general.is_(False))) is None


def test_members_do_not_add_channels(chat_team, client, auth):
    auth.login(chat_team.nl)
    response = client.post(f"/t/{chat_team.code}/chat/channels", data={"name": "mine"})
    assert response.status_code == 403
