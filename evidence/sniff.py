"""The media type of a stored file, judged from its bytes; the client's claim is not trusted."""

import re
import zipfile
from pathlib import Path

OCTET_STREAM = "application/octet-stream"

# (offset, signature, media type), checked in order.
_SIGNATURES: list[tuple[int, bytes, str]] = [
    (0, b"%PDF-", "application/pdf"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"BM", "image/bmp"),
    (0, b"\x1aE\xdf\xa3", "video/x-matroska"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (0, b"EVF\x09\x0d\x0a\xff\x00", "application/x-ewf"),  # EnCase E01 device image
    (0, b"SQLite format 3\x00", "application/vnd.sqlite3"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"Rar!\x1a\x07", "application/vnd.rar"),
]
_ZIP = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_EMAIL_HEADER = re.compile(
    rb"^(received|return-path|from|to|subject|date|message-id|mime-version|delivered-to)"
    rb"\s*:",
    re.IGNORECASE,
)
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_XML = re.compile(rb"^\s*<\?xml", re.IGNORECASE)


def _riff(head: bytes) -> str | None:
    if head[:4] != b"RIFF" or len(head) < 12:
        return None
    return {b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo", b"WEBP": "image/webp"}.get(head[8:12])


def _iso_media(head: bytes) -> str | None:
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in (b"M4A ", b"M4B "):
        return "audio/mp4"
    if brand in (b"qt  ",):
        return "video/quicktime"
    if brand in (b"heic", b"heix", b"mif1"):
        return "image/heic"
    return "video/mp4"


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as cut:
        # The sample may end inside a multi-byte character.
        if cut.start < len(head) - 4:
            return _mostly_printable(head)
    return True


def _mostly_printable(head: bytes) -> bool:
    printable = sum(1 for byte in head if byte >= 32 or byte in (9, 10, 13))
    return printable / len(head) > 0.95


def _zip_kind(path: Path | None) -> str:
    if path is None:
        return "application/zip"
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return "application/zip"
    for prefix, media_type in _OOXML.items():
        if any(name.startswith(prefix) for name in names):
            return media_type
    if "mimetype" in names and any(name == "content.xml" for name in names):
        return "application/vnd.oasis.opendocument"
    return "application/zip"


def sniff(head: bytes, path: Path | None = None) -> str:
    """Return the media type of a file from its first bytes (and, for ZIPs, its listing)."""
    for offset, signature, media_type in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return media_type
    for judge in (_riff, _iso_media):
        found = judge(head)
        if found:
            return found
    if head[:4] in (_ZIP, _ZIP_EMPTY):
        return _zip_kind(path)
    if head[:3] == b"\xef\xbb\xbf":
        head = head[3:]
    if _looks_like_text(head):
        if _HTML.match(head):
            return "text/html"
        if _XML.match(head):
            return "application/xml"
        lines = head.split(b"\n", 30)[:30]
        if _EMAIL_HEADER.match(lines[0]) and sum(bool(_EMAIL_HEADER.match(x)) for x in lines) >= 2:
            return "message/rfc822"
        if head.lstrip()[:1] in (b"{", b"["):
            return "application/json"
        return "text/plain"
    return OCTET_STREAM
