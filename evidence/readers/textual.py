"""Plain text, HTML, RTF and PDF."""

import html.parser
from pathlib import Path

from evidence.readers import MAX_TEXT_CHARS, Collector, ExtractionError

MAX_TEXT_BYTES = 32 * 1024 * 1024


def decode(data: bytes) -> str:
    """Decode text whose encoding nobody told us: BOMs, then UTF-8, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def read_bytes(path: Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(limit)


class _HtmlText(html.parser.HTMLParser):
    _SKIP = {"script", "style", "head", "template", "noscript"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "td"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Return the visible text of an HTML document (no script, style or tags)."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def read_text(path: Path, out: Collector, depth: int) -> None:
    out.text(decode(read_bytes(path)))


def read_html(path: Path, out: Collector, depth: int) -> None:
    out.text(html_to_text(decode(read_bytes(path))))


def read_rtf(path: Path, out: Collector, depth: int) -> None:
    from striprtf.striprtf import rtf_to_text

    raw = read_bytes(path).decode("latin-1")
    if not raw.startswith("{\\rtf"):
        raise ExtractionError("not an RTF document (no {\\rtf header)")
    out.text(rtf_to_text(raw, errors="replace")[:MAX_TEXT_CHARS])


def read_pdf(path: Path, out: Collector, depth: int) -> None:
    import warnings

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every damaged object
            reader = PdfReader(path)
            if reader.is_encrypted:
                raise ExtractionError("the PDF is encrypted")
            information = reader.metadata
            if information:
                out.meta("author", information.author)
                for key, moment in (
                    ("created", information.creation_date),
                    ("modified", information.modification_date),
                ):
                    if moment is not None:
                        out.meta(key, moment.isoformat(timespec="seconds"))
            for page in reader.pages:
                if out.is_full:
                    out.is_cut = True
                    break
                out.text((page.extract_text() or "").strip() + "\n")
    except PdfReadError as broken:
        raise ExtractionError(f"the PDF could not be read ({broken})") from broken


def refuse_encrypted(path: Path, out: Collector, depth: int) -> None:
    raise ExtractionError(
        "the file is password-protected (an encrypted Office document): its text cannot be "
        "read without the password"
    )


def refuse_empty(path: Path, out: Collector, depth: int) -> None:
    raise ExtractionError("the file is empty (0 bytes): there is no text to read")


READERS = {
    "application/encrypted": refuse_encrypted,
    "application/x-empty": refuse_empty,
    "application/pdf": read_pdf,
    "text/plain": read_text,
    "application/json": read_text,
    "application/xml": read_text,
    "text/xml": read_text,
    "text/html": read_html,
    "text/rtf": read_rtf,
    "application/rtf": read_rtf,
}
