"""Evidence samples generated with the libraries that read them (no binary fixtures)."""

import io
import mailbox
import tarfile
import zipfile
from datetime import datetime
from email.message import EmailMessage


def docx_bytes(text="Zapisnik o pretrazi vozila", author="T. Babić") -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Zapisnik", level=1)
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Bajakovo"
    table.rows[0].cells[1].text = "38 kg"
    document.core_properties.author = author
    document.core_properties.created = datetime(2026, 3, 14, 9, 30)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Transfers"
    sheet.append(["IBAN", "Amount", "Beneficiary"])
    sheet.append(["HR1210010051863000160", 9400, "Lučka uprava Split"])
    sheet.append(["NL91ABNA0417164300", "=B2*2", "Waalhaven BV"])
    workbook.properties.creator = "FIU Zagreb"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pptx_bytes() -> bytes:
    import pptx

    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = "Route of the shipment"
    slide.placeholders[1].text = "Split → Rotterdam, 27 February"
    slide.notes_slide.notes_text_frame.text = "Speaker note: check the container seal"
    presentation.core_properties.author = "Europol analyst"
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    from odf import dc
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.meta.addElement(dc.Creator(text="Ministarstvo unutarnjih poslova"))
    document.text.addElement(H(outlinelevel=1, text="Službena zabilješka"))
    document.text.addElement(P(text="Vozilo je zaustavljeno na graničnom prijelazu."))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def ods_bytes() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Pozivi")
    for values in (["Broj", "Trajanje"], ["+385 91 234 5678", "00:03:12"]):
        row = TableRow()
        for value in values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def csv_bytes() -> bytes:
    return (
        "datum;iznos;primatelj\n2026-02-27;9400;Lučka uprava\n2026-02-28;120;Waalhaven\n".encode()
    )


def rtf_bytes() -> bytes:
    return (
        rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}\f0\pard Verklaring van de getuige\par "
        rb"Rotterdam\par}"
    )


def eml_bytes(
    *, attachment: tuple[str, bytes] | None = None, subject="Lieferung Dienstag"
) -> bytes:
    message = EmailMessage()
    message["From"] = "Dragan K. <DK@example.net>"
    message["To"] = "transport@example.org, Ana <ana@example.hr>"
    message["Cc"] = "boss@example.net"
    message["Subject"] = subject
    message["Date"] = "Fri, 27 Feb 2026 18:42:00 +0100"
    message["Message-ID"] = "<20260227.1842@mail.example.net>"
    message.set_content("Twelve boxes leave Split on Tuesday.")
    if attachment:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def mbox_bytes(path) -> bytes:
    box = mailbox.mbox(path)
    for number, sender in enumerate(("dk@example.net", "mk@example.org"), 1):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "transport@example.org"
        message["Subject"] = f"Message {number}"
        message["Date"] = f"Sat, 0{number} Mar 2026 10:00:00 +0000"
        message.set_content(f"Body of message {number}")
        box.add(message)
    box.flush()
    box.close()
    with open(path, "rb") as handle:
        return handle.read()


def zip_bytes(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: dict[str, bytes], mode="w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sevenzip_bytes(
    members: dict[str, bytes], *, password: str | None = None, header_encryption=False
) -> bytes:
    import py7zr

    buffer = io.BytesIO()
    with py7zr.SevenZipFile(
        buffer, "w", password=password, header_encryption=header_encryption
    ) as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return buffer.getvalue()
