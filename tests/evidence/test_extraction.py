"""Text extraction after the upload: text, PDF, DOCX, e-mail, HTML; failures recorded, shown."""

import io
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from evidence import extraction
from evidence.models import EvidenceFile
from jit.extensions import db
from tests.evidence.conftest import item_fields, upload


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Ledger of the Waalhaven warehouse: 38 kg</p>").write_pdf()


def _docx() -> bytes:
    # Made with python-docx, the library that reads it: a ZIP holding only
    # word/document.xml is not a Word document, and libmagic rightly calls it a ZIP.
    import docx

    document = docx.Document()
    document.add_paragraph("Zapisnik o pretrazi")
    document.add_paragraph("Bajakovo & Split")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _eml() -> bytes:
    message = EmailMessage()
    message["From"] = "Dragan <dk@example.net>"
    message["To"] = "transport@example.org"
    message["Subject"] = "Lieferung Dienstag"
    message["Date"] = "Fri, 27 Feb 2026 18:42:00 +0100"
    message.set_content("Twelve boxes leave Split on Tuesday.")
    message.add_attachment(b"x", maintype="application", subtype="octet-stream", filename="a.bin")
    return message.as_bytes()


CASES = [
    ("note.txt", "Obdukcijski nalaz — čćž\n".encode(), "text/plain", "Obdukcijski nalaz — čćž"),
    ("ledger.pdf", None, "application/pdf", "Ledger of the Waalhaven warehouse: 38 kg"),
    (
        "zapisnik.docx",
        _docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Zapisnik o pretrazi\nBajakovo & Split",
    ),
    ("mail.eml", _eml(), "message/rfc822", "Subject: Lieferung Dienstag"),
    (
        "page.html",
        b"<!DOCTYPE html><html><head><style>p{}</style><script>var secret=1</script></head>"
        b"<body><h1>Invoice</h1><p>Total &euro; 9 400</p></body></html>",
        "text/html",
        "Invoice\nTotal € 9 400",
    ),
]


@pytest.mark.parametrize(("name", "data", "media_type", "expected"), CASES)
def test_text_is_extracted_after_the_upload(
    client, auth, nl_member, name, data, media_type, expected
):
    data = data if data is not None else _pdf()
    auth.login(nl_member.user)
    response = upload(
        client, f"/t/{nl_member.team.code}/evidence/new", item_fields(), [("files", name, data)]
    )
    assert response.status_code == 303
    extraction.wait_idle(client.application)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.media_type == media_type
    assert stored.extraction_status == "done", stored.extraction_error
    assert expected in stored.extracted_text
    if name == "page.html":
        assert "secret" not in stored.extracted_text
    if name == "mail.eml":
        assert "Twelve boxes leave Split on Tuesday." in stored.extracted_text
        assert "Attachments: a.bin" in stored.extracted_text


def test_a_failed_extraction_is_recorded_and_shown_not_raised(client, auth, nl_member):
    auth.login(nl_member.user)
    broken_pdf = b"%PDF-1.7\n this is not really a PDF"
    response = upload(
        client,
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(),
        [("files", "broken.pdf", broken_pdf)],
    )
    assert response.status_code == 303  # the upload itself succeeded
    extraction.wait_idle(client.application)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.extraction_status == "failed"
    assert stored.extraction_error
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "failed" in page
    assert stored.extraction_error.split(":")[0] in page


def test_media_without_text_is_marked_not_applicable(client, auth, nl_member):
    auth.login(nl_member.user)
    upload(
        client,
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(),
        [("files", "call.flac", b"fLaC" + b"\x00" * 50)],
    )
    extraction.wait_idle(client.application)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    # (Images are no longer such media: OCR reads them, tests/evidence/test_ocr.py.)
    assert (stored.media_type, stored.extraction_status) == ("audio/flac", "not-applicable")


def test_the_upload_commits_before_extraction_runs(client, auth, nl_member, monkeypatch):
    """Extraction is scheduled only after the commit, and its failure cannot undo it."""
    seen = []

    def spy(file_ids):
        seen.append(db.session.scalar(select(EvidenceFile.id).where(EvidenceFile.id.in_(file_ids))))
        raise RuntimeError("the extraction worker is down")

    monkeypatch.setattr(extraction, "schedule", spy)
    auth.login(nl_member.user)
    response = upload(
        client,
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(),
        [("files", "a.txt", b"text")],
    )
    assert response.status_code == 303
    assert seen
    assert seen[0] is not None
    db.session.expire_all()
    assert db.session.scalar(select(EvidenceFile)).extraction_status == "pending"


def test_pending_extractions_are_finished_by_the_cli(runner, nl_member, make_item):
    make_item(nl_member, files=[("a.txt", b"left pending by a restart")])
    result = runner.invoke(args=["evidence", "extract"])
    assert "Extracted 1 file(s)." in result.output
    db.session.expire_all()
    assert db.session.scalar(select(EvidenceFile.extracted_text)) == "left pending by a restart"
