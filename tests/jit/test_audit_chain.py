"""The audit log is hash-chained: tampering of any kind is found and named."""

import csv
import io
import json
import threading

import pytest
from sqlalchemy import text

from jit.audit import services
from jit.audit.models import AuditEntry, team_chain
from jit.extensions import db


@pytest.fixture
def busy_team(make_team, make_membership):
    """A team whose chain has a handful of entries (creation and four memberships)."""
    team = make_team(code="CHAIN-1")
    for role, party in [("leader", "NL"), ("member", "NL"), ("leader", "DE"), ("member", "DE")]:
        make_membership(team, role, party)
    return team


def _entry_id(team, seq):
    return db.session.scalar(
        db.select(AuditEntry.id).where(
            AuditEntry.chain == team_chain(team.id), AuditEntry.seq == seq
        )
    )


def _verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


def test_an_untouched_log_verifies(runner, busy_team):
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert f"team:{busy_team.id}: intact, 6 entries" in result.output
    assert "All" in result.output
    assert "intact" in result.output


def test_every_entry_carries_the_regulation_fields(client, auth, busy_team, make_user):
    person = make_user(time_zone="Europe/Zagreb")
    auth.login(person)
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.operation == "auth.login")
    ).one()
    assert entry.occurred_at.tzinfo is not None
    assert entry.occurred_at.microsecond is not None
    assert entry.actor_time_zone == "Europe/Zagreb"
    assert entry.user_id == person.id
    assert entry.ip_address == "127.0.0.1"
    assert entry.object_type == "users"
    assert entry.object_id == str(person.id)
    assert len(entry.hash) == 64
    assert len(entry.prev_hash) == 64


def test_altering_an_entry_is_detected(runner, busy_team):
    row = _entry_id(busy_team, 3)
    db.session.execute(
        text("UPDATE audit_entries SET new_values = :v WHERE id = :id"),
        {"v": json.dumps({"user": "someone.else@example.org"}), "id": row},
    )
    db.session.commit()
    result = _verify(runner, "--team", "CHAIN-1")
    assert result.exit_code == 1
    assert f"BROKEN at entry #3 (row id {row}): its content no longer matches its hash" in (
        result.output
    )


def test_deleting_an_entry_is_detected(runner, busy_team):
    db.session.execute(
        text("DELETE FROM audit_entries WHERE id = :id"), {"id": _entry_id(busy_team, 2)}
    )
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1
    assert "BROKEN at entry #3" in result.output
    assert "expected entry #2, found #3" in result.output


def test_deleting_the_last_entry_is_detected(runner, busy_team):
    db.session.execute(
        text("DELETE FROM audit_entries WHERE id = :id"), {"id": _entry_id(busy_team, 6)}
    )
    db.session.commit()
    result = _verify(runner, "--team", "chain-1")
    assert result.exit_code == 1
    assert "ends at entry #5 but its recorded head is #6" in result.output


def test_reordering_entries_is_detected(runner, busy_team):
    second, third = _entry_id(busy_team, 2), _entry_id(busy_team, 3)
    swap = "UPDATE audit_entries SET seq = :seq WHERE id = :id"
    db.session.execute(text(swap), {"seq": -1, "id": second})
    db.session.execute(text(swap), {"seq": 2, "id": third})
    db.session.execute(text(swap), {"seq": 3, "id": second})
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at entry #2 (row id {third})" in result.output


def _rewrite_from(team, seq: int, new_values: dict) -> None:
    """Alter entry ``seq`` and re-hash it and every later entry and the head, consistently:
    what someone with write access to the database, but not the instance's key, can do."""
    chain = team_chain(team.id)
    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)
    ).all()
    previous = None
    for entry in entries:
        if entry.seq == seq:
            entry.new_values = new_values
            entry.content_hash = entry.compute_content_hash()
        if entry.seq >= seq:
            entry.prev_hash = previous if previous is not None else entry.prev_hash
            entry.hash = entry.compute_hash()
        previous = entry.hash
    rows = [
        {
            "seq": e.seq,
            "n": json.dumps(e.new_values),
            "d": e.content_hash,
            "p": e.prev_hash,
            "h": e.hash,
        }
        for e in entries
    ]
    db.session.rollback()
    for row in rows:  # as a database user would, behind the application's back
        db.session.execute(
            text(
                "UPDATE audit_entries SET new_values = :n, content_hash = :d, prev_hash = :p, "
                "hash = :h "
                "WHERE chain = :c AND seq = :seq"
            ),
            row | {"c": chain},
        )
    db.session.execute(
        text("UPDATE audit_chain_heads SET hash = :h WHERE chain = :c"),
        {"h": rows[-1]["h"], "c": chain},
    )
    db.session.commit()


def test_a_chain_rewritten_with_consistent_hashes_is_caught_by_the_head_signature(
    runner, busy_team
):
    _rewrite_from(busy_team, 2, {"user": "someone.else@example.org"})
    assert services.verify_chain(team_chain(busy_team.id)).problem == (
        "the signature over the chain head does not match "
        "(the chain was rewritten or its head altered)"
    )
    result = _verify(runner, "--team", "CHAIN-1")
    assert result.exit_code == 1
    assert "BROKEN at chain head: the signature over the chain head does not match" in (
        result.output
    )


def test_heads_from_before_signing_are_signed_at_upgrade_only_if_their_chain_holds(
    runner, busy_team, make_team
):
    other = make_team(code="CHAIN-2")
    db.session.execute(text("UPDATE audit_chain_heads SET signature = NULL, key_id = NULL"))
    row = _entry_id(other, 1)
    db.session.execute(
        text("UPDATE audit_entries SET new_values = :v WHERE id = :id"),
        {"v": json.dumps({"name": "Altered"}), "id": row},
    )
    db.session.commit()
    assert services.verify_chain(team_chain(busy_team.id)).problem == "the chain head is not signed"
    signed = services.sign_unsigned_heads()
    assert team_chain(busy_team.id) in signed
    assert team_chain(other.id) not in signed
    assert services.verify_chain(team_chain(busy_team.id)).is_intact
    still = services.verify_chain(team_chain(other.id))
    assert still.problem == "its content no longer matches its hash"


def test_jit_db_upgrade_alone_signs_the_heads_from_before_signing(runner, busy_team):
    db.session.execute(text("UPDATE audit_chain_heads SET signature = NULL, key_id = NULL"))
    db.session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert services.verify_chain(team_chain(busy_team.id)).is_intact
    assert _verify(runner, "--team", "CHAIN-1").exit_code == 0


def test_verification_is_itself_recorded(runner, busy_team):
    _verify(runner, "--team", "CHAIN-1")
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.operation == "audit.verified")
    ).one()
    assert entry.team_id == busy_team.id
    assert entry.new_values["broken"] == []


def test_unknown_team_is_a_clear_error(runner, busy_team):
    result = _verify(runner, "--team", "NOPE")
    assert result.exit_code != 0
    assert "No team with the operation code NOPE" in result.output


def test_concurrent_writers_keep_one_unbroken_chain(app, busy_team):
    """Threads writing to one chain at once each get the next number; nothing forks."""
    team_id = busy_team.id
    errors = []

    def write_many(worker):
        with app.app_context():
            from jit.teams.models import Team

            team = db.session.get(Team, team_id)
            try:
                for number in range(8):
                    db.session.get(Team, team_id)  # a read first, as a request does
                    services.record(
                        "test.concurrent", team=team, new={"worker": worker, "n": number}
                    )
                    db.session.commit()
            except Exception as error:  # reported below, with its worker
                errors.append((worker, repr(error)))
                db.session.rollback()

    threads = [threading.Thread(target=write_many, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = services.verify_chain(team_chain(team_id))
    assert report.is_intact, report.describe()
    assert report.entries_checked == 6 + 4 * 8


def test_coordinator_exports_csv_and_jsonl(client, auth, busy_team):
    coordinator = busy_team.memberships[0].user
    auth.login(coordinator)
    response = client.get("/t/CHAIN-1/audit/export.jsonl")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="audit-CHAIN-1-'
    )
    *rows, head = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert head["record"] == "chain_head"
    assert (head["seq"], head["hash"]) == (
        rows[-1]["seq"],
        rows[-1]["hash"],
    )
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    assert rows[-1]["operation"] == "audit.exported"
    assert all(rows[i]["prev_hash"] == rows[i - 1]["hash"] for i in range(1, len(rows)))
    assert {"occurred_at_utc", "actor_time_zone", "user_id", "ip_address", "old_values"} <= set(
        rows[0]
    )

    response = client.get("/t/CHAIN-1/audit/export.csv")
    assert response.mimetype == "text/csv"
    # The CSV starts with a byte order mark for spreadsheets: read it as utf-8-sig.
    *table, head_row = csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    assert head_row["record"] == "chain_head"
    assert head_row["signature"]
    assert table[0]["operation"] == "team.created"
    assert table[-1]["operation"] == "audit.exported"
    assert json.loads(table[1]["new_values"])["role"] == "coordinator"


def test_verify_in_the_ui_reports_the_break(client, auth, busy_team):
    coordinator = busy_team.memberships[0].user
    db.session.execute(
        text("UPDATE audit_entries SET operation = 'membership.forged' WHERE id = :id"),
        {"id": _entry_id(busy_team, 4)},
    )
    db.session.commit()
    auth.login(coordinator)
    page = client.post("/t/CHAIN-1/audit/verify", follow_redirects=True).get_data(as_text=True)
    assert "BROKEN at entry #4" in page
    assert services.verify_chain(team_chain(busy_team.id)).broken_seq == 4
