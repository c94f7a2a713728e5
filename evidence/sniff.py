"""The media type of a stored file, judged from its bytes by libmagic; the client's claim beside it.

libmagic (Debian's ``libmagic1`` through ``python-magic``) knows thousands of formats.
The workspace keeps its own checks only where libmagic's answer is wrong for evidence:

- **EnCase/EWF device images** (``EVF\\x09\\r\\n\\xff\\x00``): libmagic 5.44 has no entry
  and says ``application/octet-stream``; a forensic image must be named as one.
- **mbox mailboxes**: libmagic names a mailbox ``text/plain`` unless its first
  ``From `` line carries the exact ctime date it expects; seized mailboxes often do not.
- **CSV**: libmagic 5.44 says ``text/plain`` for a buffer; a text whose first lines all
  split into the same number (two or more) of fields on one delimiter is ``text/csv``,
  so its rows are read as rows.
- **E-mail without a leading Received/From line**: libmagic wants particular first
  headers; a message exported by a mail client often starts with ``Message-ID:`` or
  ``X-…`` headers, and would be taken for plain text.
- **truncated or carved files**: libmagic wants more than the signature (a PNG's IHDR
  chunk, a JPEG's segments) and otherwise says ``application/octet-stream``; a file cut
  short or carved from unallocated space is still that format, so when libmagic knows
  nothing, a short table of unambiguous signatures names it (and extraction then says
  why it cannot be read).
- **truncated OLE files** (Outlook ``.msg``, older Office): libmagic names them only when
  it can walk their sector tables; a cut one is ``application/CDFV2``, stored as
  ``application/x-ole-storage``, which ``readers/mail.read_ole`` opens to say why it fails.
- **an empty file**: libmagic's ``application/x-empty`` is kept (it is what the bytes are).
"""

import csv
import mimetypes
import re
from pathlib import Path

import magic

OCTET_STREAM = "application/octet-stream"
_EWF = b"EVF\x09\x0d\x0a\xff\x00"
# Only where libmagic says octet-stream: signatures no other format starts with.
_SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"SQLite format 3\x00", "application/vnd.sqlite3"),
]
_MBOX_FIRST = re.compile(rb"^From \S+ ")
_HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,60}:[ \t]")
_MAIL_HEADER = re.compile(
    rb"^(received|return-path|from|to|cc|subject|date|message-id|mime-version|delivered-to)"
    rb"\s*:",
    re.IGNORECASE,
)
# Names libmagic uses for a type, and the name the workspace stores.
_ALIASES = {
    "application/x-ole-storage": "application/x-ole-storage",
    "application/CDFV2": "application/x-ole-storage",
    "text/x-mail": "message/rfc822",
    "application/x-zip-compressed": "application/zip",
    # libmagic says inode/x-empty for an empty file on disk, application/x-empty for a buffer.
    "inode/x-empty": "application/x-empty",
}


def _header_block(head: bytes) -> list[bytes]:
    lines = head.split(b"\n", 40)[:40]
    block = []
    for line in lines:
        line = line.rstrip(b"\r")
        if not line:
            break
        block.append(line)
    return block


def _looks_like_mail(head: bytes) -> bool:
    block = _header_block(head)
    headers = [line for line in block if _HEADER.match(line)]
    mail = [line for line in headers if _MAIL_HEADER.match(line)]
    return len(headers) >= 2 and len(mail) >= 2 and bool(_HEADER.match(block[0]))


def _looks_like_mbox(head: bytes) -> bool:
    first, _, rest = head.partition(b"\n")
    return bool(_MBOX_FIRST.match(first)) and _looks_like_mail(rest)


def _looks_like_csv(head: bytes) -> bool:
    text = head.decode("utf-8", "replace")
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(head) == 64 * 1024 and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(lines, dialect)}
    return len(widths) == 1 and widths.pop() >= 2


def _libmagic(head: bytes, path: Path | None) -> str:
    try:
        found = (
            magic.from_file(str(path), mime=True) if path else magic.from_buffer(head, mime=True)
        )
    except (magic.MagicException, OSError):
        found = magic.from_buffer(head, mime=True) if head else OCTET_STREAM
    return _ALIASES.get(found, found or OCTET_STREAM)


def sniff(head: bytes, path: Path | None = None) -> str:
    """Return the media type of a file from its bytes (the whole file when ``path`` is given)."""
    if head.startswith(_EWF):
        return "application/x-ewf"
    found = _libmagic(head, path)
    if found == OCTET_STREAM:
        for signature, media_type in _SIGNATURES:
            if head.startswith(signature):
                return media_type
    if found == "text/plain":
        body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
        if _looks_like_mbox(body):
            return "application/mbox"
        if _looks_like_mail(body):
            return "message/rfc822"
        if _looks_like_csv(body):
            return "text/csv"
    return found


# ---------------------------------------------------------------------------
# The client's claim

_GENERIC = {"", OCTET_STREAM, "binary/octet-stream", "application/x-download"}
# Types that name the same bytes; a claim of one for the other is no mismatch.
_SAME = [
    {"text/plain", "text/csv", "text/x-csv", "application/csv", "text/tab-separated-values"},
    {"application/zip", "application/x-zip-compressed", "application/x-zip"},
    {"message/rfc822", "application/vnd.ms-outlook-eml"},
    {"application/rtf", "text/rtf"},
    {"application/gzip", "application/x-gzip"},
    {"application/x-tar", "application/x-gtar"},
    {"application/xml", "text/xml"},
    {"application/mbox", "application/x-mbox"},
    {"image/jpeg", "image/pjpeg"},
]
_EXTRA_TYPES = {
    ".msg": "application/vnd.ms-outlook",
    ".mbox": "application/mbox",
    ".eml": "message/rfc822",
    ".e01": "application/x-ewf",
    ".7z": "application/x-7z-compressed",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".rtf": "text/rtf",
}


def claimed_type(filename: str, client_type: str | None) -> str:
    """Return what the client claimed: its Content-Type, else what the file name implies."""
    declared = (client_type or "").split(";")[0].strip().lower()
    if declared not in _GENERIC:
        return declared[:127]
    suffix = Path(filename or "").suffix.lower()
    if suffix in _EXTRA_TYPES:
        return _EXTRA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(f"x{suffix}", strict=False)
    return guessed or ""


def is_mismatch(detected: str, claimed: str | None) -> bool:
    """Whether the bytes contradict the claim (no claim, or a generic one, is no contradiction)."""
    if not claimed or claimed in _GENERIC or detected == claimed:
        return False
    if detected == "application/x-empty":
        return False  # an empty file contradicts nothing; it is shown as empty
    if any(detected in group and claimed in group for group in _SAME):
        return False
    # libmagic names rarer text formats (text/x-c, text/x-script.python): text is text.
    return not (claimed == "text/plain" and detected.startswith("text/"))
