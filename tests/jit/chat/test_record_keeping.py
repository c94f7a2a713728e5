"""Edits keep every earlier text; retractions hide the text but the audit record keeps it."""

from sqlalchemy import select

from jit.audit import services as audit_services
from jit.audit.models import AuditEntry, team_chain
from jit.chat.models import Message
from jit.extensions import db
from tests.jit.chat.conftest import ack, events


def _joined(connect, user, chat_team):
    sio = connect(user, chat_team.code)
    ack(sio, "join", {"channel": chat_team.general.id})
    events(sio)
    return sio


def _audit(team, operation):
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.chain == team_chain(team.id), AuditEntry.operation == operation)
        .order_by(AuditEntry.seq)
    ).all()


def test_an_edit_keeps_the_earlier_text_and_is_audited(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    bob = _joined(connect, chat_team.de, chat_team)
    sent = ack(
        alice,
        "send",
        {
            "channel": chat_team.general.id,
            "client_id": "edit-me-0001",
            "body": "Truck plate ZG-4411-KP",
        },
    )
    events(bob)
    edited = ack(
        alice,
        "edit",
        {"message": sent["id"], "body": "Truck plate ZG-4417-KP", "handling_code": "H1"},
    )
    assert edited["ok"]
    assert edited["message"]["edited_at"]
    (update,) = events(bob, "message_updated")
    assert update["text"] == "Truck plate ZG-4417-KP"
    assert update["handling_code"] == "H1"
    ack(
        alice,
        "edit",
        {"message": sent["id"], "body": "Truck plate ZG-4417-KR", "handling_code": "H1"},
    )
    db.session.expire_all()
    message = db.session.get(Message, sent["id"])
    assert [r.body for r in message.revisions] == [
        "Truck plate ZG-4411-KP",
        "Truck plate ZG-4417-KP",
    ]
    assert message.revisions[0].handling_code == "H0"
    first, second = _audit(chat_team.team, "chat.message.edited")
    assert first.old_values["body"] == "Truck plate ZG-4411-KP"
    assert first.new_values == {
        "channel": "general",
        "seq": 1,
        "body": "Truck plate ZG-4417-KP",
        "handling_code": "H1",
    }
    assert first.user_id == chat_team.nl.id
    assert second.old_values["body"] == "Truck plate ZG-4417-KP"
    assert audit_services.verify_chain(team_chain(chat_team.team.id)).is_intact


def test_only_the_author_edits_or_retracts(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    bob = _joined(connect, chat_team.de, chat_team)
    sent = ack(
        alice, "send", {"channel": chat_team.general.id, "client_id": "mine-000001", "body": "mine"}
    )
    assert ack(bob, "edit", {"message": sent["id"], "body": "yours"}) == {
        "ok": False,
        "error": "Only the author may edit a message.",
    }
    assert not ack(bob, "retract", {"message": sent["id"]})["ok"]
    db.session.expire_all()
    assert db.session.get(Message, sent["id"]).body == "mine"


def test_a_retraction_hides_the_text_from_the_channel_but_not_from_the_audit(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    bob = _joined(connect, chat_team.de, chat_team)
    sent = ack(
        alice,
        "send",
        {
            "channel": chat_team.general.id,
            "client_id": "retract-0001",
            "body": "Informant's name is **K.**",
            "handling_code": "H2",
        },
    )
    events(bob)
    answer = ack(alice, "retract", {"message": sent["id"]})
    assert answer["ok"]
    (update,) = events(bob, "message_updated")
    assert update["retracted"]
    assert update["text"] is None
    assert update["html"] is None
    page = ack(bob, "history", {"channel": chat_team.general.id})
    assert "Informant" not in str(page)
    late = connect(chat_team.leader, chat_team.code)
    assert "Informant" not in str(
        ack(late, "join", {"channel": chat_team.general.id, "after_seq": 0})
    )
    (entry,) = _audit(chat_team.team, "chat.message.retracted")
    assert entry.old_values["body"] == "Informant's name is **K.**"
    assert entry.old_values["handling_code"] == "H2"
    assert entry.user_id == chat_team.nl.id
    assert not ack(alice, "edit", {"message": sent["id"], "body": "again"})["ok"]
    assert not ack(alice, "retract", {"message": sent["id"]})["ok"]


def test_the_coordinator_reads_a_messages_earlier_texts(chat_team, connect, client, auth):
    alice = _joined(connect, chat_team.nl, chat_team)
    sent = ack(
        alice,
        "send",
        {"channel": chat_team.general.id, "client_id": "record-0001", "body": "first <text>"},
    )
    ack(alice, "edit", {"message": sent["id"], "body": "second text"})
    ack(alice, "retract", {"message": sent["id"]})
    url = f"/t/{chat_team.code}/chat/messages/{sent['id']}"
    auth.login(chat_team.coordinator)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "first &lt;text&gt;" in html
    assert "second text" in html
    assert "chat.message.edited" in html
    assert "chat.message.retracted" in html
    auth.logout()
    auth.login(chat_team.nl)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(chat_team.reviewer)
    assert client.get(url).status_code == 403
    coordinator_sio = connect(chat_team.coordinator, chat_team.code)
    (ready,) = events(coordinator_sio, "ready")
    assert ready["may_read_history"] is True


def test_the_4x4_evaluation_travels_with_the_message_and_its_edits(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    bob = _joined(connect, chat_team.de, chat_team)
    sent = ack(
        alice,
        "send",
        {
            "channel": chat_team.general.id,
            "client_id": "graded-0001",
            "body": "Courier uses a second phone",
            "source_reliability": "B",
            "information_accuracy": "2",
        },
    )
    (received,) = events(bob, "message")
    assert (received["source_reliability"], received["information_accuracy"]) == ("B", "2")
    ack(
        alice,
        "edit",
        {
            "message": sent["id"],
            "body": "Courier uses a second phone",
            "source_reliability": "A",
            "information_accuracy": "1",
        },
    )
    db.session.expire_all()
    message = db.session.get(Message, sent["id"])
    assert (message.source_reliability, message.information_accuracy) == ("A", "1")
    (revision,) = message.revisions
    assert (revision.source_reliability, revision.information_accuracy) == ("B", "2")
    (entry,) = _audit(chat_team.team, "chat.message.edited")
    assert entry.old_values == {
        "channel": "general",
        "seq": 1,
        "source_reliability": "B",
        "information_accuracy": "2",
    }
    ungraded = ack(
        alice,
        "send",
        {
            "channel": chat_team.general.id,
            "client_id": "graded-0002",
            "body": "No grade",
            "source_reliability": "",
        },
    )
    assert ungraded["message"]["source_reliability"] is None
