"""E-mail: single messages (.eml), Outlook messages (.msg), mailboxes (.mbox).

Each message gives its headers as metadata (from, to, cc, sent, msgid, subject), its
body as text, and every attachment read by the reader of its own type.
"""

import io
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from evidence.readers import (
    MAX_NESTED_BYTES,
    Collector,
    ExtractionError,
    NotApplicable,
    read_nested,
)
from evidence.readers.textual import html_to_text

MAX_ATTACHMENTS = 200
MAX_MESSAGES = 100_000


def _addresses(out: Collector, key: str, values: list[str]) -> list[str]:
    found = []
    for name, address in getaddresses([str(value) for value in values if value]):
        if "@" in address:
            out.meta(key, address.lower())
            found.append(f"{name} <{address}>" if name else address)
    return found


def _sent(out: Collector, value) -> None:
    if isinstance(value, str):
        try:
            value = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        out.meta("sent", moment.astimezone(UTC).isoformat(timespec="seconds"))


def _headers(out: Collector, *, sender, to, cc, subject, date, message_id) -> None:
    """Record a message's headers as metadata and as the first lines of its text."""
    lines = []
    for label, key, values in (("From", "from", sender), ("To", "to", to), ("Cc", "cc", cc)):
        shown = _addresses(out, key, values)
        if shown:
            lines.append(f"{label}: {', '.join(shown)}")
    if date:
        _sent(out, date)
        lines.append(f"Date: {date}")
    if subject:
        out.meta("subject", subject)
        lines.append(f"Subject: {subject}")
    if message_id:
        out.meta("msgid", str(message_id).strip().strip("<>"))
        lines.append(f"Message-ID: {message_id}")
    out.text("\n".join(lines))


def _attachment(out: Collector, name: str, data: bytes, depth: int) -> None:
    path = out.spool(io.BytesIO(data))
    if path is None:
        out.text(f"[attachment {name}: too large to read here]")
        return
    try:
        read_nested(f"Attachment: {name}", path, out, depth)
    finally:
        path.unlink(missing_ok=True)


def _message(message: EmailMessage, out: Collector, depth: int) -> None:
    _headers(
        out,
        sender=message.get_all("From", []),
        to=message.get_all("To", []),
        cc=message.get_all("Cc", []),
        subject=str(message.get("Subject", "") or ""),
        date=str(message.get("Date", "") or ""),
        message_id=message.get("Message-ID"),
    )
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        if body.get_content_type() == "text/html":
            content = html_to_text(content)
        out.text("\n" + content.strip())
    attachments = list(message.iter_attachments())
    names = [part.get_filename() or f"attachment-{n}" for n, part in enumerate(attachments, 1)]
    if names:
        out.text("\nAttachments: " + ", ".join(names))
    for name, part in zip(names[:MAX_ATTACHMENTS], attachments, strict=False):
        if part.get_content_type() == "message/rfc822":
            data = part.get_payload(0).as_bytes() if part.is_multipart() else part.get_content()
        else:
            data = part.get_payload(decode=True) or b""
        _attachment(out, name, bytes(data), depth)


def read_eml(path: Path, out: Collector, depth: int) -> None:
    with open(path, "rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    if not message.keys():
        raise ExtractionError("no e-mail headers found")
    _message(message, out, depth)


def _mbox_messages(path: Path, out: Collector):
    """Yield each message's bytes; None for one too large to read (streamed, read-only)."""
    # mailbox.mbox opens its file for writing when it can, and as root it can: evidence
    # is only ever opened for reading, so the "From " separator lines are found here.
    current: list[bytes] | None = None
    size, previous_blank = 0, True
    with open(path, "rb") as handle:
        for line in handle:
            if line.startswith(b"From ") and previous_blank:
                if current is not None:
                    yield b"".join(current) if size <= MAX_NESTED_BYTES else None
                current, size = [], 0
            elif current is not None:
                size += len(line)
                if size <= MAX_NESTED_BYTES:
                    current.append(line)
            previous_blank = line in (b"\n", b"\r\n")
            out.check_time()
    if current is not None:
        yield b"".join(current) if size <= MAX_NESTED_BYTES else None


def read_mbox(path: Path, out: Collector, depth: int) -> None:
    count = 0
    for data in _mbox_messages(path, out):
        count += 1
        if count > MAX_MESSAGES or out.is_full:
            out.is_cut = True
            break
        out.text(f"\n=== Message {count} ===")
        if data is None:
            out.text(f"[message {count}: too large to read here]")
            continue
        _message(BytesParser(policy=policy.default).parsebytes(data), out, depth)
    if count == 0:
        raise ExtractionError("the mailbox holds no messages (no “From ” separator line)")


def read_msg(path: Path, out: Collector, depth: int) -> None:
    import extract_msg
    from extract_msg.exceptions import ExMsgBaseException

    try:
        message = extract_msg.openMsg(str(path), delayAttachments=False, strict=False)
    except (ExMsgBaseException, OSError, ValueError) as broken:
        # olefile's errors (a sector cut off) are OSErrors that extract-msg lets through.
        raise ExtractionError(f"not a readable Outlook message ({broken})") from broken
    with message:
        _headers(
            out,
            sender=[message.sender or ""],
            to=[message.to or ""],
            cc=[message.cc or ""],
            subject=message.subject or "",
            date=message.date or (message.parsedDate and str(message.parsedDate)),
            message_id=message.messageId,
        )
        body = message.body
        if not body and message.htmlBody:
            body = html_to_text(message.htmlBody.decode("utf-8", "replace"))
        out.text("\n" + (body or "").strip())
        attachments = list(message.attachments)[:MAX_ATTACHMENTS]
        names = []
        for number, attachment in enumerate(attachments, 1):
            names.append(
                getattr(attachment, "longFilename", None)
                or getattr(attachment, "name", None)
                or f"attachment-{number}"
            )
        if names:
            out.text("\nAttachments: " + ", ".join(names))
        for name, attachment in zip(names, attachments, strict=True):
            data = getattr(attachment, "data", None)
            if isinstance(data, bytes):
                _attachment(out, name, data, depth)


def read_ole(path: Path, out: Collector, depth: int) -> None:
    """An OLE compound file libmagic could not name: most often a damaged .msg or Office file.

    libmagic names an Outlook message only when it can walk the file's sector tables to
    the root entry; a truncated or damaged one is "CDFV2" (``application/x-ole-storage``),
    which no reader claimed, so it was recorded as not applicable with no reason. It is
    opened here: a compound file that cannot be opened fails with olefile's reason; one
    with Outlook's property streams is read as a message; an intact one of another kind
    has nothing to read here.
    """
    import struct

    import olefile

    try:
        with olefile.OleFileIO(str(path)) as storage:
            top = {entry[0] for entry in storage.listdir(streams=True, storages=True)}
    except (OSError, ValueError, IndexError, struct.error) as broken:
        raise ExtractionError(
            f"not a readable OLE compound file (as Outlook .msg and older Office files are): "
            f"{broken}; the file may be truncated or damaged"
        ) from broken
    if "__properties_version1.0" in top or any(name.startswith("__substg1.0_") for name in top):
        read_msg(path, out, depth)
        return
    raise NotApplicable("an OLE compound file of a kind without a reader here")


READERS = {
    "application/x-ole-storage": read_ole,
    "message/rfc822": read_eml,
    "application/mbox": read_mbox,
    "application/vnd.ms-outlook": read_msg,
}
