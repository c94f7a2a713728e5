"""The chat while the agreement is drafted, in force, and after it has ended (DESIGN §4).

The parties talk while they draft and sign; once the agreement has expired (or the team
is closed) the chat is read-only like the rest of the record, until an extension.
"""

from sqlalchemy import func, select

from jit.chat.models import Channel, Message
from jit.chat.services import channels_of
from jit.clock import frozen
from jit.extensions import db
from jit.extensions import socketio as socketio_extension
from tests.agreements.conftest import TODAY, access_of, at
from tests.conftest import Auth

NAMESPACE = "/chat"
AFTER_EXPIRY = at("2027-06-01")  # the test agreement expires on 2027-05-31


def _chat(app, membership):
    client = app.test_client()
    Auth(client).login(membership.user)
    sio = socketio_extension.test_client(
        app, namespace=NAMESPACE, flask_test_client=client, auth={"team": membership.team.code}
    )
    assert sio.is_connected(NAMESPACE)
    return client, sio


def _send(sio, channel_id, text, client_id):
    return sio.emit(
        "send",
        {"channel": channel_id, "client_id": client_id, "body": text},
        namespace=NAMESPACE,
        callback=True,
    )


def _general(membership) -> int:
    return channels_of(access_of(membership))[0].id


def _messages() -> int:
    return db.session.scalar(select(func.count()).select_from(Message))


def test_the_parties_can_talk_while_they_draft_the_agreement(app, jit):
    with frozen(TODAY):
        jit.draft()
        _client, sio = _chat(app, jit.nl_member)
        answer = _send(sio, _general(jit.nl_member), "Draft article 7 is ready.", "draft-0001")
    assert answer["ok"], answer
    assert _messages() == 1


def test_after_expiry_sending_editing_and_retracting_are_refused_with_the_reason(app, in_force):
    channel = _general(in_force.nl_member)
    with frozen(at("2026-07-01")):
        _client, sio = _chat(app, in_force.nl_member)
        sent = _send(sio, channel, "Controlled delivery confirmed.", "live-0001")
        assert sent["ok"], sent
    with frozen(AFTER_EXPIRY):
        _client, sio = _chat(app, in_force.nl_member)
        refused = _send(sio, channel, "One more thing.", "late-0001")
        edit = sio.emit(
            "edit",
            {"message": sent["id"], "body": "Changed afterwards."},
            namespace=NAMESPACE,
            callback=True,
        )
        retract = sio.emit("retract", {"message": sent["id"]}, namespace=NAMESPACE, callback=True)
        history = sio.emit("history", {"channel": channel}, namespace=NAMESPACE, callback=True)
        resend = _send(sio, channel, "Controlled delivery confirmed.", "live-0001")
    for answer in (refused, edit, retract):
        assert answer["ok"] is False
        assert "The agreement expired on 2027-05-31" in answer["error"]
        assert "sign an extension" in answer["error"]
    assert _messages() == 1
    db.session.expire_all()
    message = db.session.get(Message, sent["id"])
    assert (message.body, message.is_retracted) == ("Controlled delivery confirmed.", False)
    # Reading stays possible, and a resend of a message stored in time is still answered.
    assert history["ok"]
    assert [m["id"] for m in history["messages"]] == [sent["id"]]
    assert resend["ok"]
    assert resend["duplicate"] is True


def test_after_expiry_the_page_says_why_and_offers_no_composer_or_new_channel(app, in_force):
    with frozen(AFTER_EXPIRY):
        client, _sio = _chat(app, in_force.coordinator)
        page = client.get(f"/t/{in_force.team.code}/chat").get_data(as_text=True)
        refused = client.post(
            f"/t/{in_force.team.code}/chat/channels",
            data={"csrf_token": client.csrf_token(), "name": "late-channel", "topic": ""},
        )
    assert 'data-read-only="1"' in page
    assert 'id="chat-read-only"' in page
    assert "The agreement expired on 2027-05-31" in page
    assert "chat.add_channel" not in page
    assert "/chat/channels" not in page
    assert refused.status_code == 400
    assert "The agreement expired on 2027-05-31" in refused.get_data(as_text=True)
    names = set(db.session.scalars(select(Channel.name).where(Channel.team_id == in_force.team.id)))
    assert "late-channel" not in names
