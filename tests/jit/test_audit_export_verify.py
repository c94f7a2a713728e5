"""An exported audit file verifies offline against the signed head, redacted or whole."""

import csv
import io
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jit import signing
from jit.audit import sealing, services
from jit.audit.export_check import verify_export
from jit.audit.models import AuditChainHead, AuditEntry, team_chain
from jit.canonical import GENESIS_HASH
from jit.extensions import db
from tests.jit.audit_fixtures import LEADERS_TITLE, PARTY_TITLE


def _coordinator_export(client, auth, secret_team, fmt="jsonl") -> str:
    auth.login(secret_team.coordinator)
    return client.get(f"/t/VEIL-1/audit/export.{fmt}").get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_coordinators_redacted_export_verifies(app, client, auth, secret_team, fmt):
    body = _coordinator_export(client, auth, secret_team, fmt)
    assert LEADERS_TITLE not in body
    assert PARTY_TITLE not in body
    report = verify_export(body, signing.signing_key())
    assert report.is_fully_checked, report.describe()
    assert report.redacted == 2
    assert report.entries_checked > report.redacted


def _tamper(body: str, seq: int, change) -> str:
    lines = body.splitlines()
    row = json.loads(lines[seq - 1])
    change(row)
    lines[seq - 1] = json.dumps(row, ensure_ascii=False, sort_keys=True)
    return "\n".join(lines) + "\n"


def _first_redacted(body: str) -> dict:
    return next(json.loads(line) for line in body.splitlines() if '"is_redacted": true' in line)


def test_a_changed_byte_in_a_redacted_export_fails(app, client, auth, secret_team):
    body = _coordinator_export(client, auth, secret_team)
    seq = _first_redacted(body)["seq"]

    def other_operation(row):
        row["operation"] = "evidence.item_viewed"

    def other_digest(row):
        row["content_hash"] = ("1" if row["content_hash"][0] != "1" else "2") + row["content_hash"][
            1:
        ]

    for change in (other_operation, other_digest):
        report = verify_export(_tamper(body, seq, change), signing.signing_key())
        assert not report.is_intact
        assert f"entry #{seq}: its content no longer matches its hash" in report.problem
    flipped = body.replace('"object_type": "evidence_items"', '"object_type": "evidence_itemz"', 1)
    assert not verify_export(flipped, signing.signing_key()).is_intact


def test_forged_content_in_a_redacted_entry_fails(app, client, auth, secret_team):
    body = _coordinator_export(client, auth, secret_team)
    seq = _first_redacted(body)["seq"]

    def forge(row):
        row["is_redacted"] = False
        row["new_values"] = {"title": "Something harmless"}
        row["content_nonce"] = "0" * 32

    report = verify_export(_tamper(body, seq, forge), signing.signing_key())
    assert report.problem == f"entry #{seq}: its content no longer matches its digest"

    def smuggle(row):
        row["new_values"] = {"title": "Something harmless"}

    report = verify_export(_tamper(body, seq, smuggle), signing.signing_key())
    assert report.problem == f"entry #{seq}: marked redacted but carries content"


def test_a_file_cut_short_or_signed_by_another_key_fails(app, client, auth, secret_team):
    body = _coordinator_export(client, auth, secret_team)
    lines = body.splitlines()
    cut = "\n".join(lines[:-2]) + "\n"
    assert (
        "does not end with the signed chain head"
        in verify_export(cut, signing.signing_key()).problem
    )
    other = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    report = verify_export(body, signing.verifying_key_from_pem(other))
    assert "not this workspace's key" in report.problem
    without_an_entry = "\n".join(lines[:3] + lines[4:]) + "\n"
    assert (
        "expected entry #4, found #5"
        in verify_export(without_an_entry, signing.signing_key()).problem
    )


def test_the_full_export_verifies_with_the_cli_offline(app, runner, secret_team, tmp_path):
    path = tmp_path / "full.jsonl"
    result = runner.invoke(args=["audit", "export", "--team", "veil-1", "--output", str(path)])
    assert result.exit_code == 0, result.output
    body = path.read_text(encoding="utf-8")
    assert LEADERS_TITLE in body
    assert '"is_redacted": true' not in body
    public = tmp_path / "key.pem"
    public.write_bytes(signing.signing_key().public_pem())
    result = runner.invoke(args=["audit", "verify-export", str(path), "--public-key", str(public)])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    assert "(0 redacted)" in result.output
    path.write_text(body.replace(LEADERS_TITLE, LEADERS_TITLE.lower()), encoding="utf-8")
    result = runner.invoke(args=["audit", "verify-export", str(path)])
    assert result.exit_code == 1
    assert "no longer matches its digest" in result.output
    csv_path = tmp_path / "full.csv"
    runner.invoke(
        args=["audit", "export", "--team", "VEIL-1", "--format", "csv", "--output", str(csv_path)]
    )
    assert runner.invoke(args=["audit", "verify-export", str(csv_path)]).exit_code == 0


def _rewrite_as_older_format(team) -> None:
    """Turn a chain into one written before entries were sealed: format 1, hashed whole,
    its head re-signed (what an instance upgraded from before this change holds)."""
    chain = team_chain(team.id)
    previous = GENESIS_HASH
    for entry in db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)
    ):
        entry.entry_format, entry.content_nonce, entry.content_hash = sealing.WHOLE, None, None
        entry.prev_hash = previous
        entry.hash = previous = entry.compute_hash()
    head = db.session.get(AuditChainHead, chain)
    head.hash = previous
    services.HEADS.sign(head, head.signed_at)
    db.session.commit()


def test_older_format_entries_still_verify(app, client, auth, runner, secret_team, tmp_path):
    _rewrite_as_older_format(secret_team.team)
    assert services.verify_chain(team_chain(secret_team.team.id)).is_intact
    # New entries are sealed after the old ones, in one chain.
    auth.login(secret_team.coordinator)
    body = client.get("/t/VEIL-1/audit/export.jsonl").get_data(as_text=True)
    rows = [json.loads(line) for line in body.splitlines()]
    assert rows[0]["format"] == 1
    assert rows[-2]["format"] == 2
    report = verify_export(body, signing.signing_key())
    assert report.is_intact
    assert not report.is_fully_checked
    hidden = [row["seq"] for row in rows[:-1] if row["is_redacted"]]
    assert report.unchecked_older_entries == hidden
    assert "linked by their recorded hash only" in report.describe()
    assert LEADERS_TITLE not in body
    path = tmp_path / "redacted.jsonl"
    path.write_text(body, encoding="utf-8")
    result = runner.invoke(args=["audit", "verify-export", str(path)])
    assert result.exit_code == 2, result.output
    full = tmp_path / "full.jsonl"
    runner.invoke(args=["audit", "export", "--team", "VEIL-1", "--output", str(full)])
    result = runner.invoke(args=["audit", "verify-export", str(full)])
    assert result.exit_code == 0, result.output
    altered = full.read_text(encoding="utf-8").replace(PARTY_TITLE, "Nothing")
    full.write_text(altered, encoding="utf-8")
    result = runner.invoke(args=["audit", "verify-export", str(full)])
    assert result.exit_code == 1
    assert "no longer matches its hash" in result.output


def test_a_redacted_sealed_digest_does_not_give_away_a_guessable_value(app, secret_team):
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.object_type == "evidence_items")
    ).first()
    unsalted = sealing.content_digest("", entry.old_values, entry.new_values)
    assert entry.content_nonce
    assert len(entry.content_nonce) == 32
    assert entry.content_hash != unsalted


@pytest.mark.parametrize("cell", ["²", "①", "١", "9" * 5000, "+1", " 1"])
def test_a_number_cell_that_is_no_plain_number_is_named(app, client, auth, secret_team, cell):
    """Digits str.isdigit() takes but int() refuses, or reads, are not the number exported."""
    rows = list(csv.reader(io.StringIO(_coordinator_export(client, auth, secret_team, "csv"))))
    seq_column = rows[0].index("seq")
    rows[1][seq_column] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    report = verify_export(out.getvalue(), signing.signing_key())
    assert report.problem == "CSV line 2: seq is not a number"
