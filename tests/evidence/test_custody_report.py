"""The custody report PDF: read back as text, it holds every event, hash and the verdict."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from evidence import reports, storage
from evidence.models import CustodyChainHead, CustodyEvent
from jit.audit.models import AuditEntry
from jit.extensions import db
from jit.pdf import RefusedFetch, static_fetcher


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _squeezed(value: str) -> str:
    return re.sub(r"\s+", "", value)


@pytest.fixture
def item(client, auth, nl_member, make_item):
    item = make_item(
        nl_member,
        title='Ledger <img src="file:///etc/hostname"> from the warehouse',
        handling_code="H2",
        handling_conditions="Not to be passed on without the Landelijk Parket.",
        files=[("ledger.pdf", b"%PDF-1.4 ledger"), ("photo.png", b"\x89PNG\r\n\x1a\nxx")],
    )
    auth.login(nl_member.user)
    for _ in range(3):
        client.get(f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}")
    client.post(
        f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}/custody",
        data={
            "event_type": "transferred",
            "occurred_at": "2026-04-01T10:00",
            "time_zone": "Europe/Amsterdam",
            "location": "Rotterdam",
            "purpose": "To the prosecutor",
            "released_by": "Sanne Jansen",
            "received_by": "Pieter de Vries",
            "packaging": "Sealed evidence bag NL-4471",
            "condition": "Seal intact",
            "receipt_number": "OM-ROT-2026-118",
        },
    )
    return item


def test_the_report_holds_every_event_and_hash(client, nl_member, item):
    response = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/custody-report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    flat = _squeezed(text)
    events = db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
    ).all()
    assert len(events) == 4  # collected, 2 uploads, 1 transfer: the 3 views are reads
    for event in events:
        assert event.hash in flat, event
        assert event.type_label in text
    for stored in item.files:
        assert stored.sha256 in flat
        assert stored.original_filename in text
    head = db.session.get(CustodyChainHead, item.id)
    assert head.signature in flat
    assert head.key_id in text
    assert "INTACT" in text
    assert "Releasedby:SanneJansen" in flat
    assert "Receivedby:PieterdeVries" in flat
    assert "H2" in text
    assert "Landelijk Parket" in text
    assert '<img src="file:///etc/hostname">' in text  # shown as text, never fetched
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.operation == "evidence.custody_report")
    )


def test_the_report_shows_a_broken_verification(client, nl_member, item):
    path = storage.blob_path(item.files[0].sha256)
    path.chmod(0o640)
    path.write_bytes(b"forged")
    response = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/custody-report.pdf")
    text = _pdf_text(response.data)
    assert "BROKEN" in text
    assert "nolongermatchtherecordedSHA-256" in _squeezed(text)


def test_the_pdf_renderer_fetches_nothing_outside_the_app(app):
    fetcher = static_fetcher(app.static_folder)
    for url in ("file:///etc/passwd", "https://example.org/logo.png", "data:,x"):
        with pytest.raises(RefusedFetch):
            fetcher.fetch(url)


def test_hashes_wrap_in_groups_without_break_all():
    assert reports.hash_groups("a" * 64) == " ".join(["a" * 8] * 8)
    css = reports._CSS.read_text()
    assert "break-all" not in css.replace("no word-break: break-all", "")


def test_the_chain_as_json_lines_rechecks_independently(client, nl_member, item):
    import base64
    import hashlib
    import json

    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    response = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/custody.jsonl")
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    *events, head = lines
    previous = "0" * 64
    for event in events:
        claimed = event.pop("hash")
        event.pop("exhibit_number")
        assert event["prev_hash"] == previous
        canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(canonical.encode()).hexdigest() == claimed
        previous = claimed
    payload = head["signed_payload"]
    assert payload["hash"] == previous
    key = load_pem_public_key(head["public_key_pem"].encode())
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key.verify(base64.b64decode(head["signature_ed25519_base64"]), canonical.encode())


def _report_html(nl_member, item) -> str:
    from evidence import custody, queries, verification

    result = custody.verify_items([item])
    return reports.custody_report_html(
        item,
        events=queries.custody_chain(item),
        head=queries.chain_head(item),
        verification=verification.record_verification(nl_member.team, result, item=item),
        result=result,
        generated_for=nl_member.user,
    )


def test_the_fixed_table_layout_draws_the_report_as_the_automatic_one(app, nl_member, item):
    """The two-column tables are laid out "fixed" only to save time: the same PDF."""
    from jit.pdf import html_pdf

    html = _report_html(nl_member, item)
    (css,) = reports.custody_report_css()
    rule = ".meta, .legend .facts, .signature .facts { table-layout: fixed; }"
    assert rule in css
    fixed = html_pdf(html, css=(css,), static_folder=app.static_folder)
    automatic = html_pdf(html, css=(css.replace(rule, ""),), static_folder=app.static_folder)
    assert fixed == automatic


def _events_tables(app, html: str) -> list:
    """The events table's boxes, page by page, as WeasyPrint lays out the report."""
    from weasyprint.formatting_structure import boxes

    from jit.pdf import layout

    document = layout(html, css=reports.custody_report_css(), static_folder=app.static_folder)

    def tables(box):
        if isinstance(box, boxes.TableBox) and "events" in (box.element.get("class") or ""):
            yield box
        for child in getattr(box, "children", ()):
            yield from tables(child)

    return [table for page in document.pages for table in tables(page._page_box)]


def test_the_events_table_has_the_same_columns_in_every_report(app, client, nl_member, item):
    """The events table's columns are set, not taken from the content, and a word longer
    than its column wraps inside it instead of pushing the table off the page. (That the
    layout is also "fixed", which only saves time, is measured by
    benchmarks/export/report_cpu.py, not here.)"""
    before = _events_tables(app, _report_html(nl_member, item))
    long_word = "Havenbedrijfsterreinloodsverdiepingvakkenkast" * 2
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody",
        data={
            "event_type": "transferred",
            "occurred_at": "2026-04-02T10:00",
            "time_zone": "Europe/Amsterdam",
            "location": long_word,
            "purpose": "To the laboratory",
            "released_by": "Pieter de Vries",
            "received_by": "Nederlands Forensisch Instituut",
            "packaging": long_word,
            "condition": "Seal intact",
            "receipt_number": "NFI-2026-0042",
        },
    )
    assert response.status_code == 303
    after = _events_tables(app, _report_html(nl_member, item))
    assert before
    assert after
    widths = {tuple(round(width, 3) for width in table.column_widths) for table in before + after}
    millimetres = 96 / 25.4
    assert widths == {tuple(round(mm * millimetres, 3) for mm in (11, 49, 33, 39, 48))}
    cells = [
        cell
        for table in after
        for group in table.children
        for row in group.children
        for cell in row.children
    ]

    def text_boxes(box):
        if box.__class__.__name__ == "TextBox":
            yield box
        for child in getattr(box, "children", ()):
            yield from text_boxes(child)

    inside = [
        (cell, text) for cell in cells for text in text_boxes(cell) if long_word[:20] in text.text
    ]
    assert inside  # the long word was laid out, in pieces
    for cell, text in inside:
        right = cell.content_box_x() + cell.width
        assert text.position_x + text.width <= right + 0.01, text.text
