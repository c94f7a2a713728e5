"""A party's archive carries the audit log as its leader reads it, and still verifies."""

import json
import zipfile

from jit import signing
from jit.audit.export_check import verify_export
from jit.audit.models import AuditEntry
from jit.clock import frozen
from jit.closeout import archives
from jit.extensions import db
from tests.agreements.conftest import at
from tests.jit.closeout.conftest import access_of


def _views(client, auth, closed) -> None:
    """DE's leader opens DE's party-only item and NL's team item, from 127.0.0.1."""
    auth.login(closed.de_leader.user)
    with frozen(at("2026-09-02", "09:00")):
        for item in (closed.de_party_item, closed.nl_team_item):
            page = client.get(f"/t/{closed.team.code}/evidence/{item.exhibit_number}")
            assert page.status_code == 200


def _audit_log(app, membership, tmp_path) -> tuple[str, bytes]:
    with frozen(at("2026-09-02")), app.test_request_context():
        archive = archives.take(access_of(membership))
        db.session.commit()
    with zipfile.ZipFile(archives.archive_path(archive)) as package:
        names = package.namelist()
        log = package.read(next(name for name in names if name.endswith("/audit-log.jsonl")))
        public_key = package.read(next(name for name in names if name.endswith("public-key.pem")))
    return log.decode("utf-8"), public_key


def _entries(body: str) -> list[dict]:
    rows = [json.loads(line) for line in body.splitlines()]
    assert rows[-1]["record"] == "chain_head"
    return rows[:-1]


def _about(rows, item) -> list[dict]:
    """Return the rows that name ``item`` or one of its files as their object."""
    files = {(("evidence_files", str(file.id))) for file in item.files}
    keys = {("evidence_items", str(item.id))} | files
    return [row for row in rows if (row.get("object_type"), row.get("object_id")) in keys]


def test_a_leader_takes_what_they_may_read_and_the_log_still_verifies(
    app, client, auth, runner, closed, tmp_path
):
    _views(client, auth, closed)
    every = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.team_id == closed.team.id).order_by(AuditEntry.seq)
    ).all()
    body, public_key = _audit_log(app, closed.nl_leader, tmp_path)
    rows = _entries(body)
    de_view = next(
        entry
        for entry in every
        if entry.operation == "evidence.item_viewed"
        and entry.object_id == str(closed.de_party_item.id)
    )
    # Nothing of DE's party-only item: not its entries, nor who opened it and from where.
    assert _about(rows, closed.de_party_item) == []
    assert "DE only" not in body
    assert "de.txt" not in body
    held = next(row for row in rows if row["seq"] == de_view.seq)
    assert held == {
        "record": "entry",
        "chain": de_view.chain,
        "seq": de_view.seq,
        "prev_hash": de_view.prev_hash,
        "hash": de_view.hash,
        "is_held_back": True,
    }
    # No one's e-mail address or client address beside an entry.
    assert not any("user_email" in row for row in rows)
    assert all(row.get("ip_address") is None for row in rows)  # None: none was recorded
    assert "127.0.0.1" not in body
    # What NL may read is there: DE's leader opened NL's team item (the address left out).
    (nl_view,) = [
        row
        for row in _about(rows, closed.nl_team_item)
        if row["operation"] == "evidence.item_viewed"
    ]
    assert nl_view["user_name"] == closed.de_leader.user.display_name
    assert nl_view["is_address_withheld"] is True
    assert "content_hash" not in nl_view
    (created,) = [
        row
        for row in _about(rows, closed.nl_team_item)
        if row["operation"] == "evidence.item_created"
    ]
    assert created["new_values"]["title"] == "NL shared"
    assert created["content_hash"]  # written without a client address: checked in full
    # Every entry has its place, and the chain ends at the signed head.
    assert [row["seq"] for row in rows] == [entry.seq for entry in every]
    report = verify_export(body, signing.verifying_key_from_pem(public_key))
    assert report.is_intact, report.problem
    assert report.held_back >= 1
    assert report.address_withheld >= 1
    assert report.entries_checked == len(every)
    path = tmp_path / "audit-log.jsonl"
    path.write_text(body, encoding="utf-8")
    key = tmp_path / "public-key.pem"
    key.write_bytes(public_key)
    result = runner.invoke(args=["audit", "verify-export", str(path), "--public-key", str(key)])
    assert result.exit_code == 2, result.output  # intact; some content vouched for by the bag
    assert "intact" in result.output
    assert "held back" in result.output


def test_the_coordinators_archive_keeps_the_whole_log(app, client, auth, closed, tmp_path):
    _views(client, auth, closed)
    count = db.session.scalar(
        db.select(db.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.team_id == closed.team.id)
    )
    body, public_key = _audit_log(app, closed.coordinator, tmp_path)
    rows = _entries(body)
    assert not any(row.get("is_held_back") or row.get("is_address_withheld") for row in rows)
    assert len(rows) == count
    (de_view,) = [
        row
        for row in _about(rows, closed.de_party_item)
        if row["operation"] == "evidence.item_viewed"
    ]
    assert de_view["user_email"] == closed.de_leader.user.email
    assert de_view["ip_address"] == "127.0.0.1"
    report = verify_export(body, signing.verifying_key_from_pem(public_key))
    assert report.is_fully_checked, report.describe()
