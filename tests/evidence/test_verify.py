"""Verification catches every kind of tampering and names where it is."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from evidence import storage
from evidence.models import (
    CustodyChainHead,
    CustodyEvent,
    CustodyRowImmutable,
    EvidenceVerification,
)
from jit.audit.models import AuditEntry
from jit.extensions import db


def _events(item) -> list[CustodyEvent]:
    return list(
        db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
        )
    )


def _tamper(statement: str, **params) -> None:
    """Change custody rows behind the application's back, as an intruder with DB access."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE custody_events DISABLE TRIGGER USER"))
        connection.execute(text(statement), params)
        connection.execute(text("ALTER TABLE custody_events ENABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER IF EXISTS custody_events_no_update"))
        connection.execute(text("DROP TRIGGER IF EXISTS custody_events_no_delete"))
        connection.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


@pytest.fixture
def item(nl_member, make_item):
    item = make_item(nl_member, files=[("a.txt", b"original bytes"), ("b.txt", b"second file")])
    from evidence import custody

    custody.append_event(item, "sealed", recorded_by=nl_member.user, details={"seal_number": "S-1"})
    db.session.commit()
    return item


def _verify(runner, item):
    return runner.invoke(args=["evidence", "verify", "--team", item.team.code])


def test_an_intact_team_verifies(runner, item):
    result = _verify(runner, item)
    assert result.exit_code == 0, result.output
    assert "Intact: 1 items, 4 custody events, 2 files checked." in result.output
    run = db.session.scalar(select(EvidenceVerification))
    assert run.is_intact
    assert run.files_checked == 2
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.operation == "evidence.verified")
    )


def test_a_blob_altered_on_disk_is_named(runner, item):
    stored = item.files[0]
    path = storage.blob_path(stored.sha256)
    path.chmod(0o640)
    path.write_bytes(b"original bytez")
    result = _verify(runner, item)
    assert result.exit_code == 1
    assert (
        f"item NL-0001, file {stored.id} “a.txt”: the stored bytes no longer match the "
        "recorded SHA-256 (altered)" in result.output
    )
    run = db.session.scalar(select(EvidenceVerification))
    assert not run.is_intact
    assert "a.txt" in run.problem


def test_a_missing_blob_is_named(runner, item):
    storage.blob_path(item.files[1].sha256).unlink()
    result = _verify(runner, item)
    assert result.exit_code == 1
    assert "“b.txt”: the stored file is missing from the blob store" in result.output


def test_an_altered_custody_row_is_named(runner, item):
    first = _events(item)[0]
    _tamper("UPDATE custody_events SET location = 'Somewhere else' WHERE id = :id", id=first.id)
    result = _verify(runner, item)
    assert result.exit_code == 1
    assert (
        "item NL-0001, custody event #1 (collected): its content no longer matches its hash"
        in result.output
    )


def test_a_deleted_custody_row_is_named(runner, item):
    second = _events(item)[1]
    _tamper("DELETE FROM custody_events WHERE id = :id", id=second.id)
    result = _verify(runner, item)
    assert result.exit_code == 1
    assert "item NL-0001: custody event #2 is missing" in result.output


def test_a_row_cut_from_the_end_is_caught_by_the_signed_head(runner, item):
    last = _events(item)[-1]
    _tamper("DELETE FROM custody_events WHERE id = :id", id=last.id)
    result = _verify(runner, item)
    assert result.exit_code == 1
    assert "the chain ends at event #3 but its signed head is at #4" in result.output


def test_a_chain_rewritten_with_consistent_hashes_is_caught_by_the_signature(runner, item):
    events = _events(item)
    for event in events:
        db.session.expunge(event)
    previous = events[0].prev_hash
    for event in events:
        if event.seq == 1:
            event.location = "A place that suits the defence"
        event.prev_hash = previous
        event.hash = event.compute_hash()
        previous = event.hash
        _tamper(
            "UPDATE custody_events SET location = :location, prev_hash = :prev, hash = :hash "
            "WHERE id = :id",
            location=event.location,
            prev=event.prev_hash,
            hash=event.hash,
            id=event.id,
        )
    # The intruder also moves the head to the new last hash, but cannot sign it.
    db.session.execute(
        text("UPDATE custody_chain_heads SET hash = :hash WHERE item_id = :item"),
        {"hash": previous, "item": item.id},
    )
    db.session.commit()
    result = _verify(runner, item)
    assert result.exit_code == 1
    assert (
        "item NL-0001: the signature over the chain head does not match "
        "(the chain was rewritten or its head altered)" in result.output
    )


def test_custody_rows_cannot_be_changed_through_the_application(item):
    event = _events(item)[0]
    event.location = "changed"
    with pytest.raises(CustodyRowImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(_events(item)[0])
    with pytest.raises(CustodyRowImmutable):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE custody_events SET purpose = 'x' WHERE item_id = :item",
        "DELETE FROM custody_events WHERE item_id = :item",
    ],
)
def test_the_database_refuses_to_change_custody_rows(item, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement), {"item": item.id})
    db.session.rollback()
    assert len(_events(item)) == 4


def test_verify_buttons_per_item_and_per_team(client, auth, nl_member, item):
    auth.login(nl_member.user)
    code = nl_member.team.code
    response = client.post(f"/t/{code}/evidence/NL-0001/verify", follow_redirects=True)
    assert "Intact: 1 items" in response.get_data(as_text=True)
    storage.blob_path(item.files[0].sha256).chmod(0o640)
    storage.blob_path(item.files[0].sha256).write_bytes(b"tampered")
    response = client.post(f"/t/{code}/evidence/verify", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "BROKEN" in page
    assert "“a.txt”" in page
    runs = db.session.scalars(select(EvidenceVerification).order_by(EvidenceVerification.id))
    assert [(run.item_id, run.is_intact) for run in runs] == [(item.id, True), (None, False)]
    item_page = client.get(f"/t/{code}/evidence/NL-0001").get_data(as_text=True)
    assert "Last verification" in item_page


def test_download_of_an_altered_file_is_refused_with_an_integrity_alert(
    client, auth, nl_member, item
):
    stored = item.files[0]
    storage.blob_path(stored.sha256).chmod(0o640)
    storage.blob_path(stored.sha256).write_bytes(b"tampered")
    auth.login(nl_member.user)
    response = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/files/{stored.id}")
    assert response.status_code == 409
    assert b"tampered" not in response.data
    assert "integrity alert" in response.get_data(as_text=True)
    alert = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "evidence.integrity_alert")
    )
    assert "no longer match" in alert.new_values["problem"]
    assert "downloaded" not in [event.event_type for event in _events(item)]


def test_the_public_key_is_downloadable(client, auth, nl_member, item):
    auth.login(nl_member.user)
    response = client.get("/evidence/custody-signing-key.pem")
    assert response.status_code == 200
    assert response.data.startswith(b"-----BEGIN PUBLIC KEY-----")
    head = db.session.get(CustodyChainHead, item.id)
    assert head.key_id in response.headers["Content-Disposition"]
