"""Bad files: the upload succeeds, extraction records why it cannot read them, nothing crashes."""

import io
import zipfile

import pytest
from sqlalchemy import select

from evidence import extraction
from evidence.models import EvidenceFile
from jit.extensions import db
from tests.evidence import samples
from tests.evidence.conftest import item_fields, upload


def _encrypted_docx() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(samples.docx_bytes())).encrypt("geheim", encrypted)
    return encrypted.getvalue()


def _encrypted_zip() -> bytes:
    # The standard library cannot encrypt; a member whose headers say it is encrypted
    # (general purpose flag bit 0, set in the local and the central header) is what
    # every reader sees of a protected ZIP.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("ledger.txt", b"\x9a" * 40)
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    data[6] |= 0x1  # local file header: flags at offset 6
    data[central + 8] |= 0x1  # central directory header: flags at offset 8
    return bytes(data)


def _outlook_message() -> bytes:
    from tests.evidence.msg_sample import msg_bytes

    return msg_bytes(
        subject="Ugovor",
        body="Kamion kreće u utorak.",
        sender="dk@example.net",
        to="transport@example.org",
        cc="",
        date="Fri, 27 Feb 2026 18:42:00 +0100",
        message_id="<abc.1@mail.example.net>",
        attachment=("ugovor.docx", samples.docx_bytes()),
    )


BAD = [
    ("protected.docx", _encrypted_docx, "failed", "password-protected"),
    ("protected.zip", _encrypted_zip, "failed", "password-protected"),
    ("cut.docx", lambda: samples.docx_bytes()[:2000], "failed", "not a readable"),
    ("cut.xlsx", lambda: samples.xlsx_bytes()[:3000], "failed", ""),
    ("cut.zip", lambda: samples.zip_bytes({"a.txt": b"x" * 5000})[:-30], "failed", "ZIP"),
    (
        "protected.7z",
        lambda: samples.sevenzip_bytes({"ledger.txt": b"x" * 40}, password="geheim"),
        "failed",
        "password-protected",
    ),
    ("cut.7z", lambda: samples.sevenzip_bytes({"a.txt": b"x" * 5000})[:-30], "failed", "7z"),
    ("cut.pdf", lambda: b"%PDF-1.7\n1 0 obj <<", "failed", "PDF"),
    ("empty.docx", lambda: b"", "failed", "the file is empty"),
    # An OLE container libmagic cannot name (a damaged or truncated .msg): opened, it fails.
    (
        "broken.msg",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "failed",
        "not a readable OLE compound file",
    ),
    ("cut.msg", lambda: _outlook_message()[:-100], "failed", "truncated or damaged"),
    ("half.msg", lambda: _outlook_message()[:10_000], "failed", "incomplete OLE sector"),
]


@pytest.mark.parametrize(("name", "make", "status", "reason"), BAD)
def test_a_bad_file_is_stored_and_its_failure_recorded(
    client, auth, nl_member, name, make, status, reason
):
    data = make()
    auth.login(nl_member.user)
    response = upload(
        client, f"/t/{nl_member.team.code}/evidence/new", item_fields(), [("files", name, data)]
    )
    assert response.status_code == 303
    extraction.wait_idle(client.application)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.size_bytes == len(data)
    if status is None:
        assert stored.extraction_status == "not-applicable"
    else:
        assert stored.extraction_status == status, stored.extracted_text
        assert reason in stored.extraction_error
        page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
        assert "failed" in page


def test_one_bad_file_does_not_stop_the_worker(client, auth, nl_member):
    auth.login(nl_member.user)
    files = [
        ("files", "cut.docx", samples.docx_bytes()[:2000]),
        ("files", "bomb.zip", samples.zip_bytes({"z": b"\0" * (20 * 1024 * 1024)})),
        ("files", "fine.csv", samples.csv_bytes()),
    ]
    upload(client, f"/t/{nl_member.team.code}/evidence/new", item_fields(), files)
    extraction.wait_idle(client.application)
    db.session.expire_all()
    outcome = {
        f.original_filename: f.extraction_status for f in db.session.scalars(select(EvidenceFile))
    }
    assert outcome == {"cut.docx": "failed", "bomb.zip": "failed", "fine.csv": "done"}


def test_bytes_that_contradict_the_name_are_stored_as_what_they_are(client, auth, nl_member):
    auth.login(nl_member.user)
    response = upload(
        client,
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(),
        [("files", "holiday.jpg", samples.docx_bytes(text="Popis isporuka"))],
    )
    assert response.status_code == 303
    extraction.wait_idle(client.application)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.media_type.endswith("wordprocessingml.document")
    assert stored.claimed_media_type == "image/jpeg"
    assert stored.is_type_mismatch
    assert "Popis isporuka" in stored.extracted_text
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "claimed image/jpeg" in page
    assert "but the upload claimed <code>image/jpeg</code>" in page


def test_a_matching_claim_shows_no_mismatch(client, auth, nl_member):
    auth.login(nl_member.user)
    upload(
        client,
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(),
        [("files", "uplate.csv", samples.csv_bytes())],
    )
    extraction.wait_idle(client.application)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.claimed_media_type == "text/csv"
    assert not stored.is_type_mismatch
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "type-mismatch" not in page
