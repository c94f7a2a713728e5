"""The audit log a reader takes away: what the record shows them, the rest held back."""

import json

import pytest

from jit import signing
from jit.audit import exports, sealing, services
from jit.audit.export_check import verify_export
from jit.audit.models import AuditChainHead, AuditEntry, team_chain
from jit.audit.reader_log import reader_jsonl, reader_rows
from jit.canonical import GENESIS_HASH
from jit.extensions import db
from tests.jit.audit_fixtures import TEAM_TITLE, leaks

ADDRESS = "203.0.113.9"


def _log(app, secret_team, user) -> str:
    with app.test_request_context():
        return "".join(reader_jsonl(secret_team.team, secret_team.access(user)))


def _rows(body: str) -> list[dict]:
    return [json.loads(line) for line in body.splitlines()][:-1]


def _row_about(rows, item, operation) -> dict:
    (row,) = [
        row
        for row in rows
        if (row.get("object_type"), row.get("object_id"), row.get("operation"))
        == ("evidence_items", str(item.id), operation)
    ]
    return row


def _view_from_an_address(secret_team, user, item) -> AuditEntry:
    entry = services.record(
        "evidence.item_viewed",
        team=secret_team.team,
        target=item,
        actor=user,
        ip_address=ADDRESS,
    )
    db.session.commit()
    return entry


def test_a_member_takes_what_the_activity_shows_them_and_it_verifies(app, secret_team):
    body = _log(app, secret_team, secret_team.de_member)
    rows = _rows(body)
    assert leaks(body) == []
    hidden = {
        ("evidence_items", str(item.id))
        for item in (secret_team.party_item, secret_team.leaders_item)
    }
    assert not [row for row in rows if (row.get("object_type"), row.get("object_id")) in hidden]
    assert "user_email" not in body
    created = _row_about(rows, secret_team.team_item, "evidence.item_created")
    assert created["new_values"]["title"] == TEAM_TITLE
    held = [row for row in rows if row.get("is_held_back")]
    assert held
    assert all(
        set(row) == {"record", "chain", "seq", "prev_hash", "hash", "is_held_back"} for row in held
    )
    report = verify_export(body, signing.signing_key())
    assert report.is_fully_checked, report.describe()  # no address was recorded
    assert report.held_back == len(held)
    assert "held back from this reader" in report.describe()


def test_who_may_export_the_log_takes_the_export(app, secret_team):
    with app.test_request_context():
        access = secret_team.access(secret_team.coordinator)
        assert list(reader_rows(secret_team.team, access)) == list(
            exports.export_rows(secret_team.team, access)
        )


def test_a_client_address_goes_with_what_would_give_it_away(app, secret_team):
    _view_from_an_address(secret_team, secret_team.nl_member, secret_team.team_item)
    body = _log(app, secret_team, secret_team.de_member)
    assert ADDRESS not in body
    viewed = _row_about(_rows(body), secret_team.team_item, "evidence.item_viewed")
    assert viewed["is_address_withheld"] is True
    assert viewed["user_name"] == secret_team.nl_member.display_name
    for name in ("ip_address", "content_hash", "content_nonce", "user_email"):
        assert name not in viewed
    report = verify_export(body, signing.signing_key())
    assert report.is_intact, report.problem
    assert report.address_withheld == 1
    assert not report.is_fully_checked  # the chain does not vouch for that entry's content


def _rewrite_as_older_format(team) -> None:
    """Turn a chain into one written before entries were sealed (format 1), re-signed."""
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


def test_an_older_entry_with_an_address_is_held_back(app, secret_team):
    # Hashed whole and unsalted, its hash beside its content would give the address away.
    viewed = _view_from_an_address(secret_team, secret_team.nl_member, secret_team.team_item)
    _rewrite_as_older_format(secret_team.team)
    body = _log(app, secret_team, secret_team.de_member)
    rows = _rows(body)
    assert rows[viewed.seq - 1]["is_held_back"] is True
    created = _row_about(rows, secret_team.team_item, "evidence.item_created")
    assert created["format"] == sealing.WHOLE
    report = verify_export(body, signing.signing_key())
    assert report.is_fully_checked, report.describe()  # the older entries shown recompute


def _tampered(body: str, change) -> str:
    lines = body.splitlines()
    rows = [json.loads(line) for line in lines]
    index = change(rows)
    if index is not None:
        lines[index] = json.dumps(rows[index], sort_keys=True)
    return "\n".join(line for line in lines if line) + "\n"


def _first(rows, marker) -> int:
    return next(index for index, row in enumerate(rows) if row.get(marker))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda rows: (
                rows[_first(rows, "is_held_back")].update(operation="auth.login")
                or _first(rows, "is_held_back")
            ),
            "held back but carries operation",
        ),
        (
            lambda rows: (
                rows[_first(rows, "is_held_back")].update(hash="0" * 64)
                or _first(rows, "is_held_back")
            ),
            "does not link to the entry before it",
        ),
        (
            lambda rows: (
                rows[_first(rows, "is_address_withheld")].update(ip_address=ADDRESS)
                or _first(rows, "is_address_withheld")
            ),
            "its address is withheld but it carries ip_address",
        ),
    ],
    ids=["held-back-says-more", "held-back-hash-changed", "withheld-address-put-back"],
)
def test_a_changed_reader_log_fails(app, secret_team, change, problem):
    _view_from_an_address(secret_team, secret_team.nl_member, secret_team.team_item)
    body = _log(app, secret_team, secret_team.de_member)
    assert verify_export(body, signing.signing_key()).is_intact
    report = verify_export(_tampered(body, change), signing.signing_key())
    assert not report.is_intact
    assert problem in report.problem


def test_a_held_back_entry_left_out_fails(app, secret_team):
    body = _log(app, secret_team, secret_team.de_member)
    lines = body.splitlines()
    index = _first([json.loads(line) for line in lines], "is_held_back")
    report = verify_export(
        "\n".join(lines[:index] + lines[index + 1 :]) + "\n", signing.signing_key()
    )
    assert not report.is_intact
