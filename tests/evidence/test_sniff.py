"""Media types come from libmagic, with own checks only where it is wrong for evidence."""

import io

import pytest

from evidence.sniff import claimed_type, is_mismatch, sniff
from tests.evidence import samples


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"EVF\x09\x0d\x0a\xff\x00" + b"\0" * 64, "application/x-ewf"),  # libmagic: octet-stream
        (samples.csv_bytes(), "text/csv"),  # libmagic: text/plain
        (
            b"From dk@example.net Sat Mar 14 2026\nFrom: dk@example.net\nTo: a@b.nl\n\nx\n",
            "application/mbox",
        ),
        (b"Message-ID: <1@x>\nX-Mailer: M\nFrom: a@b.nl\nSubject: s\n\nbody\n", "message/rfc822"),
        (b"Hello, this has a comma.\nAnd this line none\n", "text/plain"),
        (
            samples.docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (_png(), "image/png"),
        (b"", "application/x-empty"),
        # Cut short or carved: libmagic says octet-stream, the signature says what it is.
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 50, "image/jpeg"),
        (samples.sevenzip_bytes({"a.txt": b"alpha"}), "application/x-7z-compressed"),
        (samples.sevenzip_bytes({"a.txt": b"alpha"})[:8], "application/x-7z-compressed"),
    ],
)
def test_the_type_is_what_the_bytes_are(data, expected):
    assert sniff(data[:65536]) == expected


def test_a_mismatched_extension_is_detected():
    png = _png()
    claim = claimed_type("contract.pdf", "application/octet-stream")
    assert claim == "application/pdf"
    assert is_mismatch(sniff(png), claim)
    assert not is_mismatch(sniff(png), claimed_type("photo.png", None))


def test_the_client_content_type_is_the_claim_when_it_says_something():
    assert claimed_type("x.bin", "image/jpeg; charset=binary") == "image/jpeg"
    assert claimed_type("x.msg", "application/octet-stream") == "application/vnd.ms-outlook"
    assert not is_mismatch(
        sniff(samples.sevenzip_bytes({"a.txt": b"alpha"})), claimed_type("x.7z", None)
    )
    assert claimed_type("noextension", "") == ""


@pytest.mark.parametrize(
    ("detected", "claimed"),
    [
        ("text/plain", "text/csv"),
        ("application/zip", "application/x-zip-compressed"),
        ("text/x-c", "text/plain"),
        ("application/pdf", ""),
    ],
)
def test_names_for_the_same_bytes_are_no_mismatch(detected, claimed):
    assert not is_mismatch(detected, claimed)
