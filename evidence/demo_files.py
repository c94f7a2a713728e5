"""The files the demo's evidence carries, generated: photographs, signed reports, an e-mail."""

import struct
import zlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime


def png(width: int, height: int, paint) -> bytes:
    """Encode an RGB image whose pixel colours ``paint(x, y)`` returns."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(paint(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + chunk(b"IEND", b"")
    )


def pistol_photo() -> bytes:
    """A evidence-table photograph: a pistol silhouette on grey with a scale bar."""

    def paint(x, y):
        on_slide = 120 <= x <= 380 and 110 <= y <= 150
        on_grip = 300 <= x <= 350 and 150 <= y <= 250 and x - 300 < (y - 150) * 0.3 + 45
        on_guard = 250 <= x <= 300 and 150 <= y <= 185 and not (260 < x < 290 and y < 178)
        if on_slide or on_grip or on_guard:
            return (32, 34, 38)
        if 40 <= x <= 240 and 280 <= y <= 290:
            return (255, 255, 255) if (x - 40) // 20 % 2 else (20, 20, 20)
        shade = 150 + (x + y) // 16 % 6
        return (shade, shade, shade + 4)

    return png(480, 320, paint)


def warehouse_photo() -> bytes:
    def paint(x, y):
        if y > 220:
            return (90, 86, 80)
        if 60 <= x <= 200 and 120 <= y <= 220:
            return (150, 110, 60) if (y // 12) % 2 else (135, 98, 52)
        if 240 <= x <= 420 and 90 <= y <= 220:
            return (60, 90, 130) if (x // 30) % 2 else (52, 80, 118)
        return (200, 204, 210)

    return png(480, 320, paint)


def pdf(title: str, paragraphs: list[str], reference: str) -> bytes:
    from flask import current_app
    from weasyprint import CSS, HTML

    from jit.pdf import BASE_URL, static_fetcher

    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    markup = (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<p class='ref'>{reference}</p><h1>{title}</h1>{body}"
        "<p class='sig'>Signed electronically. Page 1 of 1.</p></body></html>"
    )
    css = CSS(
        string="@page { size: A4; margin: 25mm } body { font: 11pt 'DejaVu Sans' } "
        "h1 { font-size: 16pt } .ref { color: #555; font-size: 9pt } "
        ".sig { margin-top: 20mm; font-style: italic }",
    )
    fetcher = static_fetcher(current_app.static_folder)
    return HTML(string=markup, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(stylesheets=[css])


def email_message() -> bytes:
    """The e-mail seized from the Vienna transport company's account (AT-0001)."""
    sent = datetime.fromisoformat("2026-02-27T18:42:00+01:00").astimezone(UTC)
    message = EmailMessage()
    message["From"] = "Dragan K. <dk.logistics@example.net>"
    message["To"] = "transport-wien@example.org"
    message["Date"] = format_datetime(sent)
    message["Subject"] = "Re: Lieferung Dienstag / pošiljka utorak"
    message["Message-ID"] = "<20260227184200.4411@example.net>"
    message.set_content(
        'Hallo,\n\nthe parts ("Ersatzteile") leave Zagreb on Tuesday with the white van, '
        "12 boxes as agreed, over Macelj and Spielfeld. Payment as last time: the returning "
        "load.\nDriver will call from Spielfeld.\n\nD.\n"
    )
    return message.as_bytes()
