"""The request PDF: every section heading, the schedule with each file's SHA-256, signed."""

import io
import re
import subprocess
import sys

import pytest
from pypdf import PdfReader

from evidence import storage
from evidence.bundles import pades
from evidence.bundles.instruments import INSTRUMENTS
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, finalise

FILES = [("bank-statement.pdf", b"%PDF-1.4 statement " * 40), ("notes.txt", b"seized notes\n")]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _final_pdf(crew, make_bundle, make_item, request_type):
    item = make_item(crew.nl_member, files=FILES, title="Bank records of the seller")
    bundle = make_bundle(crew.nl_member, request_type, COMPLETE[request_type], items=[item])
    finalise(crew.nl_leader, bundle)
    return bundle, item, storage.blob_path(bundle.pdf_sha256).read_bytes()


@pytest.mark.parametrize("request_type", sorted(INSTRUMENTS))
def test_pdf_has_every_section_the_schedule_and_the_hashes(
    request_type, crew, make_bundle, make_item
):
    bundle, item, pdf = _final_pdf(crew, make_bundle, make_item, request_type)
    text = _text(pdf)
    flat = _flat(text)
    instrument = INSTRUMENTS[request_type]
    for section in instrument.sections:
        assert _flat(f"{section.mark} {section.title}") in flat, section.title
    assert "Evidence schedule" in text
    assert item.exhibit_number in text
    for stored in item.files:
        assert stored.sha256 in flat  # printed in groups of eight, so it wraps
    assert _flat(f"Content hash SHA-256 {bundle.content_hash}") in flat
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in text
    assert text.count(bundle.content_hash) >= pages  # the hash on every page


def test_the_signature_block_is_printed_once_at_the_end(crew, make_bundle, make_item):
    """MLA's form ends with a section that is only the signature: not printed twice."""
    _bundle, item, pdf = _final_pdf(crew, make_bundle, make_item, "mla")
    text = _text(pdf)
    assert text.count("Name of the signatory") == 1
    assert text.index(item.exhibit_number) < text.index("Name of the signatory")


def test_pdf_is_pdf_a_with_the_request_json_attached(crew, make_bundle, make_item, tmp_path):
    _bundle, _item, pdf = _final_pdf(crew, make_bundle, make_item, "eio")
    reader = PdfReader(io.BytesIO(pdf))
    attachments = reader.attachments
    assert "request.json" in attachments
    import json

    document = json.loads(attachments["request.json"][0])
    assert document["schema"] == "jit-workspace/request/v1"
    assert document["values"]["facts_summary"] == COMPLETE["eio"]["facts_summary"]
    metadata = reader.xmp_metadata
    assert metadata is not None
    assert "pdfaid" in str(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    path = tmp_path / "request.pdf"
    path.write_bytes(pdf)
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


def test_signature_validates_and_a_changed_byte_breaks_it(crew, make_bundle, make_item):
    _bundle, _item, pdf = _final_pdf(crew, make_bundle, make_item, "mla")
    status = pades.validate(pdf)
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact
    assert status.valid
    # Change one byte inside the signed range (the cover page's content stream).
    position = pdf.index(b"stream", 2000) + 20
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]
    broken = pades.validate(tampered)
    assert not broken.intact
    assert not broken.bottom_line


def test_draft_pdf_is_marked_and_not_signed(client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    auth.login(crew.nl_member.user)
    response = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/request.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "DRAFT" in _text(response.data)
    assert not PdfReader(io.BytesIO(response.data)).trailer["/Root"].get("/AcroForm")


def test_configured_certificate_replaces_the_instance_one(
    app, crew, make_bundle, make_item, tmp_path
):
    from flask import current_app

    folder = tmp_path / "authority"
    folder.mkdir()
    pades._create_instance_certificate(folder)
    current_app.config["REQUEST_SIGNING_CERT"] = str(folder / pades.CERT_FILE)
    current_app.config["REQUEST_SIGNING_KEY"] = str(folder / pades.KEY_FILE)
    _bundle, _item, pdf = _final_pdf(crew, make_bundle, make_item, "mla")
    authority_pem = (folder / pades.CERT_FILE).read_bytes()
    assert pades.validate(pdf, authority_pem).bottom_line
    from pathlib import Path

    assert not (Path(app.instance_path) / pades.CERT_FILE).exists()  # the instance's unused


def test_the_pyhanko_command_validates_it(app, crew, make_bundle, make_item, tmp_path):
    from pathlib import Path

    _bundle, _item, pdf = _final_pdf(crew, make_bundle, make_item, "eio")
    signed = tmp_path / "request.pdf"
    signed.write_bytes(pdf)
    command = [
        str(Path(sys.executable).with_name("pyhanko")),
        "sign",
        "validate",
        "--no-revocation-check",
        "--trust-replace",
        "--trust",
        str(Path(app.instance_path) / pades.CERT_FILE),
    ]
    result = subprocess.run([*command, str(signed)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert ":INTACT:TRUSTED,UNTOUCHED" in result.stdout
    position = pdf.index(b"stream", 2000) + 20
    signed.write_bytes(pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :])
    result = subprocess.run([*command, str(signed)], capture_output=True, text=True)
    assert result.returncode != 0
    assert ":INVALID" in result.stdout


def test_signing_works_inside_a_running_event_loop(app, crew, make_bundle):
    """pyHanko runs its own loop; a thread running one (an async server's) must still sign."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from evidence.bundles.models import Bundle
    from jit.teams.models import Membership

    bundle_id = make_bundle(crew.nl_member, "mla", COMPLETE["mla"]).id
    leader_id = crew.nl_leader.id

    async def main():
        bundle = db.session.get(Bundle, bundle_id)
        finalise(db.session.get(Membership, leader_id), bundle)
        return pades.validate(storage.blob_path(bundle.pdf_sha256).read_bytes()).bottom_line

    def in_a_thread_with_its_own_loop():  # this one may run Playwright's already
        with app.app_context():
            return asyncio.run(main())

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(in_a_thread_with_its_own_loop).result()


def _schedule_row(n: int, files: int) -> dict:
    return {
        "exhibit_number": f"NL-{n:04d}",
        "title": f"Device image {n}",
        "description": "Forensic image of a seized telephone.",
        "party": "NL",
        "handling_code": "H0",
        "handling_conditions": "",
        "collected_at": "2026-03-14T09:30:00+00:00",
        "collected_location": "Rotterdam",
        "files": [
            {"name": f"image-{n}-{f}.dd", "size_bytes": 1024, "sha256": f"{n:032x}{f:032x}"}
            for f in range(files)
        ],
        "custody_events": 3,
        "last_event": None,
        "consent": None,
    }


def test_the_schedule_is_laid_out_without_measuring_each_row(
    crew, make_bundle, make_item, monkeypatch
):
    """A thousand rows must not mean a thousand tables measured word by word.

    WeasyPrint's automatic table layout measures every cell's words before placing a
    row; the schedule's columns are fixed and an item's files are not a table of their
    own, so the tables measured are the same for 2 rows as for 40.
    """
    from weasyprint.layout import table

    from evidence.bundles.document import request_document
    from evidence.bundles.pdf import request_pdf

    measured = []
    real = table.auto_table_layout

    def counted(context, box, containing_block):
        measured.append(box)
        return real(context, box, containing_block)

    monkeypatch.setattr(table, "auto_table_layout", counted)
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    document = request_document(bundle)
    counts, texts = [], []
    for rows in (2, 40):
        measured.clear()
        document["evidence"] = [_schedule_row(n, files=2) for n in range(1, rows + 1)]
        texts.append(_flat(_text(request_pdf(document, sign=False))))
        counts.append(len(measured))

    assert counts[0] == counts[1]
    for n in range(1, 41):  # and every row, with each of its files, is there
        assert f"NL-{n:04d}" in texts[1]
        assert f"image-{n}-1.dd(1,024)" in texts[1]
        assert f"{n:032x}{1:032x}" in texts[1]
