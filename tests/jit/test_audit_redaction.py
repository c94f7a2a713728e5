"""Nobody reads through the record what they could not read at its source."""

import json

from jit.audit.models import AuditEntry, team_chain
from jit.extensions import db
from tests.jit.audit_fixtures import (
    EDITED_TEXT,
    LEADERS_TITLE,
    ORIGINAL_TEXT,
    PARTY_TITLE,
    TEAM_TITLE,
    leaks,
)


def test_a_member_without_the_audit_permission_sees_no_activity_about_hidden_items(
    client, auth, secret_team
):
    auth.login(secret_team.de_member)
    page = client.get("/t/VEIL-1/").get_data(as_text=True)
    activity = page[page.index("Recent activity") :]
    assert leaks(activity) == []
    assert f"Evidence item {secret_team.party_item.id}" not in activity
    assert f"Evidence item {secret_team.leaders_item.id}" not in activity
    assert "Content withheld" not in activity  # filtered out, not shown redacted
    assert f"Evidence item {secret_team.team_item.id}" in activity  # what they may open stays


def test_the_activity_panel_is_a_short_list(client, auth, secret_team):
    auth.login(secret_team.coordinator)
    page = client.get("/t/VEIL-1/").get_data(as_text=True)
    activity = page[page.index("Recent activity") :]
    assert activity.count("<tr") == 1 + 5  # the header and five entries


def test_the_coordinator_overview_withholds_hidden_items(client, auth, secret_team):
    # A leader opens the leaders-only item: the newest entry is about it.
    from evidence import services

    services.record_view(secret_team.access(secret_team.nl_leader), secret_team.leaders_item)
    db.session.commit()
    auth.login(secret_team.coordinator)
    page = client.get("/t/VEIL-1/").get_data(as_text=True)
    activity = page[page.index("Recent activity") :]
    assert "Content withheld" in activity
    assert leaks(activity, (LEADERS_TITLE, PARTY_TITLE)) == []


def test_the_chat_record_page_refuses_who_may_not_read_earlier_texts(client, auth, secret_team):
    auth.login(secret_team.de_member)
    response = client.get(f"/t/VEIL-1/chat/messages/{secret_team.message_id}")
    assert response.status_code == 403
    assert leaks(response.get_data(as_text=True)) == []


def test_the_coordinator_reads_the_chat_record_where_it_is_kept(client, auth, secret_team):
    auth.login(secret_team.coordinator)
    record = client.get(f"/t/VEIL-1/chat/messages/{secret_team.message_id}").get_data(as_text=True)
    assert ORIGINAL_TEXT in record
    assert EDITED_TEXT in record
    log = client.get("/t/VEIL-1/audit?object_type=chat_messages").get_data(as_text=True)
    assert ORIGINAL_TEXT in log  # the log follows the record page: open to them, shown
    assert f'href="/t/VEIL-1/chat/messages/{secret_team.message_id}"' in log


def test_the_coordinator_audit_page_redacts_items_they_get_404_on(client, auth, secret_team):
    auth.login(secret_team.coordinator)
    assert (
        client.get(f"/t/VEIL-1/evidence/{secret_team.leaders_item.exhibit_number}").status_code
        == 404
    )
    assert (
        client.get(f"/t/VEIL-1/evidence/{secret_team.party_item.exhibit_number}").status_code == 404
    )
    page = client.get("/t/VEIL-1/audit").get_data(as_text=True)
    assert leaks(page, (LEADERS_TITLE, PARTY_TITLE)) == []
    assert f"Evidence item {secret_team.leaders_item.id}" in page  # the entry stays
    assert f"Evidence item {secret_team.party_item.id}" in page
    assert "Content withheld" in page
    assert TEAM_TITLE in page
    hidden_link = f'/evidence/{secret_team.party_item.exhibit_number}"'
    assert hidden_link not in page  # no link to what they may not open
    assert f'/evidence/{secret_team.team_item.exhibit_number}"' in page


def test_a_leader_reads_their_items_in_the_record(client, auth, secret_team):
    from jit.audit import reading

    leader = secret_team.access(secret_team.nl_leader)

    with client.application.test_request_context():
        entries = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.chain == team_chain(secret_team.team.id))
        ).all()
        shown = {
            s.entry.object_id: s
            for s in reading.present(leader, entries)
            if s.entry.object_type == "evidence_items"
        }
    assert not shown[str(secret_team.leaders_item.id)].is_redacted
    assert not shown[str(secret_team.party_item.id)].is_redacted  # their own party's
    assert shown[str(secret_team.team_item.id)].link.endswith(secret_team.team_item.exhibit_number)


def test_the_coordinator_export_redacts_hidden_items_and_keeps_every_entry(
    client, auth, secret_team
):
    auth.login(secret_team.coordinator)
    for fmt in ("jsonl", "csv"):
        body = client.get(f"/t/VEIL-1/audit/export.{fmt}").get_data(as_text=True)
        assert leaks(body, (LEADERS_TITLE, PARTY_TITLE)) == [], fmt
    body = client.get("/t/VEIL-1/audit/export.jsonl").get_data(as_text=True)
    *rows, _head = [json.loads(line) for line in body.splitlines()]
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    hidden = [
        r
        for r in rows
        if r["object_id"] == str(secret_team.party_item.id) and r["object_type"] == "evidence_items"
    ]
    assert hidden
    assert all(r["is_redacted"] and r["new_values"] is None for r in hidden)
    assert all(r["content_hash"] and r["content_nonce"] is None for r in hidden)
    assert ORIGINAL_TEXT in body  # the coordinator keeps the chat record


def test_members_reach_neither_the_log_nor_its_export(client, auth, secret_team):
    auth.login(secret_team.de_member)
    assert client.get("/t/VEIL-1/audit").status_code == 403
    assert client.get("/t/VEIL-1/audit/export.jsonl").status_code == 403


def test_an_edited_then_retracted_text_reaches_no_member_of_another_party(
    client, auth, secret_team
):
    auth.login(secret_team.de_member)
    reachable = [
        client.get("/t/VEIL-1/").get_data(as_text=True),
        client.get("/t/VEIL-1/audit").get_data(as_text=True),
        client.get("/t/VEIL-1/audit/export.jsonl").get_data(as_text=True),
        client.get("/t/VEIL-1/audit/export.csv").get_data(as_text=True),
        client.get(f"/t/VEIL-1/chat/messages/{secret_team.message_id}").get_data(as_text=True),
        client.get("/t/VEIL-1/chat").get_data(as_text=True),
    ]
    for page in reachable:
        assert leaks(page, (ORIGINAL_TEXT, EDITED_TEXT)) == []


def test_an_auditor_without_the_chat_record_gets_message_entries_redacted(app, secret_team):
    """A reader with the log but not the record page (as a future role might be) sees no text."""
    from jit.audit import reading

    leader = secret_team.access(secret_team.nl_leader)
    with app.test_request_context():
        entries = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.object_type == "chat_messages")
        ).all()
        shown = reading.present(leader, entries)
    assert len(shown) == 2
    assert all(s.is_redacted and not s.changes for s in shown)


def test_an_object_type_no_package_answers_for_is_withheld_from_everyone(app, secret_team):
    from jit.audit import reading, services

    services.record(
        "future.thing_made",
        team=secret_team.team,
        object_type="future_things",
        object_id=1,
        new={"name": "FUTURE-SECRET"},
        actor=None,
    )
    db.session.commit()
    coordinator = secret_team.access(secret_team.coordinator)
    with app.test_request_context():
        entry = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.operation == "future.thing_made")
        ).one()
        (shown,) = reading.present(coordinator, [entry])
    assert shown.is_redacted
    assert shown.label == "Future thing made"


def test_a_member_sees_no_activity_about_the_log_itself(client, auth, secret_team):
    auth.login(secret_team.coordinator)
    client.get("/t/VEIL-1/audit/export.jsonl")
    auth.logout()
    auth.login(secret_team.de_member)
    page = client.get("/t/VEIL-1/").get_data(as_text=True)
    activity = page[page.index("Recent activity") :]
    assert "Audit log exported" not in activity
    assert "audit.exported" not in activity


def test_a_page_asks_each_package_once_per_kind_of_object(app, make_item, secret_team):
    """No query per entry: more items on the page cost no more queries."""
    from sqlalchemy import event

    from jit.audit import reading

    nl_member = next(m for m in secret_team.team.memberships if m.user == secret_team.nl_member)
    for number in range(6):
        make_item(nl_member, title=f"Extra {number}")
    coordinator = secret_team.access(secret_team.coordinator)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.test_request_context():
        entries = db.session.scalars(db.select(AuditEntry)).all()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            reading.present(coordinator, entries)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    kinds = {entry.object_type for entry in entries if entry.object_type}
    assert len(statements) <= len(kinds)
