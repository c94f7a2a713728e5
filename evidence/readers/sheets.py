"""Spreadsheets: .xlsx (openpyxl, read-only), .ods (odfpy) and .csv (delimiter sniffed).

Each sheet becomes a heading and one tab-separated line per row, cut at the text
bound; formulas are read as their last computed values, never evaluated.
"""

import csv
import io
import zipfile
from pathlib import Path

from evidence.readers import Collector, ExtractionError
from evidence.readers.office import (
    load_opendocument,
    open_zip_checked,
    opendocument_metadata,
    record_dates,
)
from evidence.readers.textual import decode, read_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
MAX_CELLS_PER_ROW = 500
SNIFF_BYTES = 64 * 1024


def _row(out: Collector, values) -> None:
    cells = ["" if value is None else str(value) for value in list(values)[:MAX_CELLS_PER_ROW]]
    while cells and not cells[-1]:
        cells.pop()
    if cells:
        out.text("\t".join(cells))


def read_xlsx(path: Path, out: Collector, depth: int) -> None:
    import openpyxl

    open_zip_checked(path, "Excel workbook")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as broken:
        raise ExtractionError(f"not a readable Excel workbook ({broken})") from broken
    try:
        properties = workbook.properties
        out.meta("author", properties.creator)
        out.meta("author", properties.lastModifiedBy)
        record_dates(out, properties.created, properties.modified)
        for sheet in workbook.worksheets:
            out.text(f"\n--- Sheet {sheet.title} ---")
            for values in sheet.iter_rows(values_only=True):
                if out.is_full:
                    out.is_cut = True
                    return
                _row(out, values)
    finally:
        workbook.close()


def read_ods(path: Path, out: Collector, depth: int) -> None:
    from odf import table, teletype

    document = load_opendocument(path, "OpenDocument spreadsheet")
    opendocument_metadata(out, document)
    for sheet in document.spreadsheet.getElementsByType(table.Table):
        out.text(f"\n--- Sheet {sheet.getAttribute('name')} ---")
        for row in sheet.getElementsByType(table.TableRow):
            if out.is_full:
                out.is_cut = True
                return
            # Repeated empty cells are stored once with a count; they are not expanded.
            _row(
                out, [teletype.extractText(cell) for cell in row.getElementsByType(table.TableCell)]
            )


def read_csv(path: Path, out: Collector, depth: int) -> None:
    text = decode(read_bytes(path))
    try:
        dialect = csv.Sniffer().sniff(text[:SNIFF_BYTES], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        for values in csv.reader(io.StringIO(text), dialect):
            if out.is_full:
                out.is_cut = True
                return
            _row(out, values)
    except csv.Error as broken:
        raise ExtractionError(f"the CSV file could not be read ({broken})") from broken


READERS = {XLSX: read_xlsx, ODS: read_ods, "text/csv": read_csv}
