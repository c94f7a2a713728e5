"""A custody event names another item (derived from, or derived into) only to who may open it.

The parent's chain records "Analysis product made: DE-0001", the product's chain "Analysis
product of NL-0001", both with the two numbers in their details. The chain stays signed
and hashed as recorded; the item page, the custody report and the chain's JSON lines say
"an item you may not open" (or hold the event back) to a reader who may not open it.
"""

import contextlib
import io
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from evidence import custody
from evidence.bundles import verify as chains
from jit import signing
from jit.extensions import db


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def derived(make_team, make_membership, make_item):
    """NL's team item with DE's party-only analysis product of it; NL's party-only original
    with a team-wide copy of it."""
    team = make_team()
    nl = make_membership(team, "member", "NL")
    de = make_membership(team, "member", "DE")
    parent = make_item(nl, title="Seized handset", visibility="team")
    product = make_item(
        de,
        title="Call pattern analysis",
        visibility="party",
        parent_exhibit=parent.exhibit_number,
        derivation="analysis",
        collected_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
    )
    original = make_item(nl, title="Informant ledger", visibility="party")
    copy = make_item(
        nl,
        title="Ledger copy for the team",
        visibility="team",
        parent_exhibit=original.exhibit_number,
        derivation="copy",
        collected_at=datetime(2026, 3, 21, 9, 0, tzinfo=UTC),
    )
    return SimpleNamespace(
        team=team, nl=nl, de=de, parent=parent, product=product, original=original, copy=copy
    )


def _url(derived, item, tail=""):
    return f"/t/{derived.team.code}/evidence/{item.exhibit_number}{tail}"


def test_the_item_page_names_a_derived_item_only_to_who_may_open_it(client, auth, derived):
    number = derived.product.exhibit_number
    auth.login(derived.nl.user)
    page = client.get(_url(derived, derived.parent)).get_data(as_text=True)
    assert number not in page
    assert "Analysis product made: an item you may not open" in page
    auth.logout()
    auth.login(derived.de.user)
    page = client.get(_url(derived, derived.parent)).get_data(as_text=True)
    assert f"Analysis product made: {number}" in page
    # The chain is as recorded, and still verifies.
    assert custody.verify_items([derived.parent]).is_intact


def test_a_copy_names_its_original_only_to_who_may_open_it(client, auth, derived):
    original = derived.original
    auth.login(derived.de.user)
    page = client.get(_url(derived, derived.copy)).get_data(as_text=True)
    assert original.exhibit_number not in page
    assert "Copy of an item you may not open" in page
    report = client.get(_url(derived, derived.copy, "/custody-report.pdf"))
    assert report.status_code == 200
    text = _flat(_pdf_text(report.data))
    assert _flat(original.exhibit_number) not in text
    assert _flat(original.title) not in text
    assert _flat("Copy of an item you may not open") in text
    auth.logout()
    auth.login(derived.nl.user)
    text = _flat(_pdf_text(client.get(_url(derived, derived.copy, "/custody-report.pdf")).data))
    assert _flat(f"{original.exhibit_number} {original.title}") in text


def test_the_custody_report_names_a_derived_item_only_to_who_may_open_it(client, auth, derived):
    number = derived.product.exhibit_number
    auth.login(derived.nl.user)
    report = client.get(_url(derived, derived.parent, "/custody-report.pdf"))
    assert report.status_code == 200
    text = _flat(_pdf_text(report.data))
    assert _flat(number) not in text
    assert _flat("Analysis product made: an item you may not open") in text
    auth.logout()
    auth.login(derived.de.user)
    report = client.get(_url(derived, derived.parent, "/custody-report.pdf"))
    assert _flat(f"Analysis product made: {number}") in _flat(_pdf_text(report.data))


def _chain_check(body: str) -> tuple[bool, str]:
    key = signing.verifying_key_from_pem(signing.signing_key().public_pem())

    @contextlib.contextmanager
    def open_member(_name):
        yield io.BytesIO(body.encode("utf-8"))

    return chains._check_chain("custody.jsonl", open_member, key, None)


def test_the_chain_s_json_lines_hold_back_an_event_naming_a_hidden_item(client, auth, derived):
    number = derived.product.exhibit_number
    auth.login(derived.nl.user)
    body = client.get(_url(derived, derived.parent, "/custody.jsonl")).get_data(as_text=True)
    assert number not in body
    lines = [json.loads(line) for line in body.splitlines()]
    held = [line for line in lines if line.get("is_held_back")]
    assert [line["seq"] for line in held] == [2]
    assert set(held[0]) == {"item_id", "seq", "prev_hash", "hash", "exhibit_number", "is_held_back"}
    ok, detail = _chain_check(body)
    assert ok, detail
    assert "1 events are held back" in detail
    auth.logout()
    auth.login(derived.de.user)
    whole = client.get(_url(derived, derived.parent, "/custody.jsonl")).get_data(as_text=True)
    assert f"Analysis product made: {number}" in whole
    ok, detail = _chain_check(whole)
    assert ok, detail
    assert "held back" not in detail


def test_a_held_back_line_that_carries_content_is_refused(client, auth, derived):
    auth.login(derived.nl.user)
    body = client.get(_url(derived, derived.parent, "/custody.jsonl")).get_data(as_text=True)
    lines = [json.loads(line) for line in body.splitlines()]
    lines[1]["purpose"] = "Analysis product made: DE-0001"
    ok, detail = _chain_check("\n".join(json.dumps(line) for line in lines) + "\n")
    assert not ok
    assert "held back but carries purpose" in detail
    db.session.rollback()
