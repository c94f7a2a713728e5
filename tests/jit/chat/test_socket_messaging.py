"""Sending, receiving, catching up and paging through the Socket.IO test client."""

from sqlalchemy import func, select

from jit.chat.models import Message
from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import at
from tests.jit.chat.conftest import ack, events


def _send(sio, channel, client_id, body="hello", **extra):
    return ack(sio, "send", {"channel": channel, "client_id": client_id, "body": body, **extra})


def _joined(connect, user, chat_team):
    sio = connect(user, chat_team.code)
    assert ack(sio, "join", {"channel": chat_team.general.id})["ok"]
    events(sio)
    return sio


def test_a_message_is_acknowledged_and_broadcast_to_the_channel(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    bob = _joined(connect, chat_team.de, chat_team)
    answer = _send(
        alice,
        chat_team.general.id,
        "client-0001",
        "Seizure at **Waalhaven**",
        **{"handling_code": "H2"},
    )
    assert answer["ok"]
    assert answer["seq"] == 1
    assert not answer["duplicate"]
    (received,) = events(bob, "message")
    assert received["id"] == answer["id"]
    assert received["author"] == {
        "id": chat_team.nl.id,
        "name": chat_team.nl.display_name,
        "party": "NL",
    }
    assert received["html"] == "<p>Seizure at <strong>Waalhaven</strong></p>"
    assert received["handling_code"] == "H2"
    assert events(alice, "message")[0]["client_id"] == "client-0001"  # the sender's other tabs


def test_a_resent_client_id_is_stored_once_and_not_broadcast_again(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    bob = _joined(connect, chat_team.de, chat_team)
    first = _send(alice, chat_team.general.id, "same-client-id", "once")
    again = _send(alice, chat_team.general.id, "same-client-id", "once")
    assert again["ok"]
    assert again["duplicate"]
    assert again["id"] == first["id"]
    assert len(events(bob, "message")) == 1
    stored = db.session.scalar(select(func.count()).select_from(Message))
    assert stored == 1


def test_a_resend_racing_past_the_lookup_is_stored_once_without_a_gap(chat_team, connect):
    """The send handler looks for a resend before the channel's lock; one that races in
    after that lookup is caught by the unique client id and uses up no number."""
    from jit.chat import services
    from jit.teams.access import team_access_for

    alice = _joined(connect, chat_team.nl, chat_team)
    first = _send(alice, chat_team.general.id, "raced-client-id", "once")
    access = team_access_for(chat_team.nl, chat_team.code)
    channel = services.channel_for(access, chat_team.general.id)
    message, is_new = services.post_message(
        access, channel, client_id="raced-client-id", draft=services.check_draft("once")
    )
    assert not is_new
    assert message.id == first["id"]
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    assert _send(alice, chat_team.general.id, "next-client-id", "twice")["seq"] == 2


def test_catch_up_delivers_exactly_the_missed_messages_in_order(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    for number in range(1, 4):
        _send(alice, chat_team.general.id, f"before-{number:04d}", f"seen {number}")
    bob = _joined(connect, chat_team.de, chat_team)
    bob.disconnect(namespace="/chat")
    for number in range(1, 6):
        _send(alice, chat_team.general.id, f"missed-{number:04d}", f"missed {number}")
    bob = connect(chat_team.de, chat_team.code)
    answer = ack(bob, "join", {"channel": chat_team.general.id, "after_seq": 3})
    assert [m["text"] for m in answer["messages"]] == [f"missed {n}" for n in range(1, 6)]
    assert [m["seq"] for m in answer["messages"]] == [4, 5, 6, 7, 8]
    assert answer["has_more"] is False
    again = ack(bob, "catch_up", {"channel": chat_team.general.id, "after_seq": 6})
    assert [m["seq"] for m in again["messages"]] == [7, 8]


def test_a_reconnect_also_brings_the_edits_and_retractions_made_while_away(chat_team, connect):
    """Bob saw messages 1-3, went away; Alice edited 1 and retracted 2 meanwhile."""
    channel = chat_team.general.id
    with frozen(at("2026-06-01", "09:00")):
        alice = _joined(connect, chat_team.nl, chat_team)
        sent = [_send(alice, channel, f"seen-{n:04d}", f"seen {n}") for n in range(1, 4)]
        bob = connect(chat_team.de, chat_team.code)
        synced_at = ack(bob, "join", {"channel": channel})["synced_at"]
        bob.disconnect(namespace="/chat")
    with frozen(at("2026-06-01", "09:30")):
        assert ack(alice, "edit", {"message": sent[0]["id"], "body": "seen 1, corrected"})["ok"]
        assert ack(alice, "retract", {"message": sent[1]["id"]})["ok"]
        _send(alice, channel, "new-0001", "new 4")
    with frozen(at("2026-06-01", "10:00")):
        bob = connect(chat_team.de, chat_team.code)
        answer = ack(bob, "join", {"channel": channel, "after_seq": 3, "changed_since": synced_at})
    assert [m["text"] for m in answer["messages"]] == ["new 4"]
    assert [(m["seq"], m["text"], m["retracted"]) for m in answer["updated"]] == [
        (1, "seen 1, corrected", False),
        (2, None, True),
    ]
    assert answer["updates_complete"] is True
    assert answer["synced_at"].startswith("2026-06-01T10:00")
    # Asked again from the new moment, nothing has changed since.
    with frozen(at("2026-06-01", "11:00")):
        later = ack(
            bob,
            "catch_up",
            {"channel": channel, "after_seq": 4, "changed_since": answer["synced_at"]},
        )
    assert (later["messages"], later["updated"]) == ([], [])


def test_a_changed_since_that_the_server_did_not_give_is_refused(chat_team, connect):
    bob = connect(chat_team.de, chat_team.code)
    for wrong in ("yesterday", "2026-06-01T10:00:00", 1234):
        answer = ack(
            bob, "join", {"channel": chat_team.general.id, "after_seq": 0, "changed_since": wrong}
        )
        assert answer["ok"] is False
        assert "changed_since must be the synced_at" in answer["error"]
    assert ack(bob, "join", {"channel": chat_team.general.id})["ok"]  # still usable


def test_history_pages_backwards(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    for number in range(1, 8):
        _send(alice, chat_team.general.id, f"page-{number:06d}", f"m{number}")
    latest = ack(alice, "history", {"channel": chat_team.general.id, "limit": 3})
    assert [m["seq"] for m in latest["messages"]] == [5, 6, 7]
    assert latest["has_more"]
    older = ack(alice, "history", {"channel": chat_team.general.id, "before_seq": 5, "limit": 3})
    assert [m["seq"] for m in older["messages"]] == [2, 3, 4]
    assert older["has_more"]
    oldest = ack(alice, "history", {"channel": chat_team.general.id, "before_seq": 2, "limit": 3})
    assert [m["seq"] for m in oldest["messages"]] == [1]
    assert not oldest["has_more"]


def test_unread_counts_follow_the_read_mark(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    for number in range(1, 4):
        _send(alice, chat_team.general.id, f"unread-{number:04d}", f"u{number}")
    bob = connect(chat_team.de, chat_team.code)
    (ready,) = events(bob, "ready")
    assert ready["channels"][0]["unread"] == 3
    assert ack(bob, "read", {"channel": chat_team.general.id, "seq": 2})["seq"] == 2
    assert ack(bob, "read", {"channel": chat_team.general.id, "seq": 1})["seq"] == 2  # no step back
    later = connect(chat_team.de, chat_team.code)
    (ready,) = events(later, "ready")
    assert ready["channels"][0]["unread"] == 1
    assert ready["channels"][0]["last_read_seq"] == 2
    # The reader's other connection clears its count too.
    assert ack(bob, "read", {"channel": chat_team.general.id, "seq": 3})["ok"]
    assert events(later, "read") == [{"channel": chat_team.general.id, "seq": 3}]
    # The author's own messages are never unread for them.
    (own,) = events(connect(chat_team.nl, chat_team.code), "ready")
    assert own["channels"][0]["unread"] == 0
    # A join answers with the reader's count and mark as they are then (a page asks to
    # join again after a refusal, later than the connection's "ready").
    _send(alice, chat_team.general.id, "unread-0004", "u4")
    joined = ack(later, "join", {"channel": chat_team.general.id})["channel"]
    assert (joined["unread"], joined["last_read_seq"], joined["last_seq"]) == (1, 3, 4)
    assert ack(alice, "join", {"channel": chat_team.general.id})["channel"]["unread"] == 0


def test_typing_reaches_the_others_in_the_channel(chat_team, connect):
    alice = _joined(connect, chat_team.nl, chat_team)
    bob = _joined(connect, chat_team.de, chat_team)
    assert ack(alice, "typing", {"channel": chat_team.general.id})["ok"]
    assert events(bob, "typing") == [
        {
            "channel": chat_team.general.id,
            "user": {"id": chat_team.nl.id, "name": chat_team.nl.display_name, "party": "NL"},
        }
    ]
    assert events(alice, "typing") == []


def test_presence_tells_who_came_and_went(chat_team, connect):
    alice = connect(chat_team.nl, chat_team.code)
    events(alice)
    bob = connect(chat_team.de, chat_team.code)
    (ready,) = events(bob, "ready")
    assert set(ready["online"]) == {chat_team.nl.id, chat_team.de.id}
    assert events(alice, "presence") == [
        {
            "user": {"id": chat_team.de.id, "name": chat_team.de.display_name, "party": "DE"},
            "online": True,
        }
    ]
    second_tab = connect(chat_team.de, chat_team.code)
    second_tab.disconnect(namespace="/chat")
    assert events(alice, "presence") == []  # still online in the first tab
    bob.disconnect(namespace="/chat")
    assert events(alice, "presence") == [{"user": {"id": chat_team.de.id}, "online": False}]


def test_a_send_leaves_the_channel_and_resend_checks_to_the_writers_batch(chat_team, connect):
    from flask import current_app
    from sqlalchemy import event

    alice = _joined(connect, chat_team.nl, chat_team)
    general = chat_team.general.id  # read before: the test's own session is not counted
    writer_engine = current_app.extensions["jit_chat_writer"].engine()
    chat_reads = {db.engine: [], writer_engine: []}

    def listener(engine):
        def note(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT") and "chat_" in statement:
                chat_reads[engine].append(statement)

        return note

    listeners = {engine: listener(engine) for engine in chat_reads}
    for engine, note in listeners.items():
        event.listen(engine, "before_cursor_execute", note)
    try:
        assert _send(alice, general, "one-query-01")["ok"]
        assert _send(alice, general, "one-query-01")["duplicate"]
    finally:
        for engine, note in listeners.items():
            event.remove(engine, "before_cursor_execute", note)
    # The sends asked the chat's tables nothing; the writer asked, for each batch, which
    # team each channel is of, and which client ids were stored already; for the resend,
    # also the stored message it is answered with.
    assert chat_reads[db.engine] == []
    writer_reads = chat_reads[writer_engine]
    assert len(writer_reads) == 5
    assert ["FROM chat_channels" in r for r in writer_reads] == [True, False, True, False, False]
    assert ["FROM chat_messages" in r for r in writer_reads] == [False, True, False, True, True]


def test_a_client_id_used_in_another_channel_is_refused(chat_team, connect):
    from jit.chat import services
    from jit.teams.access import team_access_for

    leader = team_access_for(chat_team.leader, chat_team.code)
    other = services.create_channel(leader, name="ops")
    db.session.commit()
    alice = _joined(connect, chat_team.nl, chat_team)
    assert _send(alice, chat_team.general.id, "used-in-general")["ok"]
    answer = _send(alice, other.id, "used-in-general")
    assert answer["ok"] is False
    assert answer["error"] == "That client id was already used for a message in another channel."
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
