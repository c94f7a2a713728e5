"""Long words in the request PDF wrap inside their cells, the cover and the running head."""

import re
import subprocess

from evidence.bundles.document import request_document
from evidence.bundles.pdf import request_pdf
from tests.bundles.conftest import COMPLETE

# A4, with the page's left and right margins of request_pdf.css (16 mm each).
PAGE_WIDTH = 595.28
MARGIN = 16 / 25.4 * 72
FILE_NAME = "Kontoauszuege" + "Sparkasse" * 7 + "Q1x2026.zip"  # 87 characters, no hyphen
TITLE = "Bankunterlagen" * 21 + "XXXXXX"  # 300 characters, no space
DESCRIPTION = "Ueberweisungen" * 14 + "XXXX"  # 200 characters
REFERENCE = "OP1NLREQ" * 15  # 120 characters
LONGEST_REFERENCE = "OP1NLREQ" * 62 + "XXXX"  # 500, the most a text field takes


def _words(pdf: bytes, tmp_path) -> list[tuple[float, float, float, str]]:
    """Return each word's ``(xMin, xMax, yMin, text)`` as pdftotext -bbox places it."""
    path = tmp_path / "request.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    assert abs(width - PAGE_WIDTH) < 1
    return [
        (float(x_min), float(x_max), float(y_min), text)
        for x_min, y_min, x_max, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="(-?[\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            html,
        )
    ]


def test_long_names_titles_and_references_stay_inside_the_page(
    tmp_path, crew, make_bundle, make_item
):
    assert (len(FILE_NAME), len(TITLE), len(DESCRIPTION)) == (87, 300, 200)
    item = make_item(
        crew.nl_member, files=[(FILE_NAME, b"PK statements")], title=TITLE, description=DESCRIPTION
    )
    values = COMPLETE["eio"] | {"authority_file": REFERENCE}
    bundle = make_bundle(crew.nl_member, "eio", values, items=[item])
    document = request_document(bundle)
    assert document["reference"] == REFERENCE
    words = _words(request_pdf(document, sign=False), tmp_path)
    outside = [
        (round(x_min), round(x_max), text[:30])
        for x_min, x_max, _y_min, text in words
        if x_max > PAGE_WIDTH - MARGIN + 0.5 or x_min < MARGIN - 0.5
    ]
    assert outside == []
    text = "".join(word for _x_min, _x_max, _y_min, word in words)
    for long_word in (FILE_NAME, TITLE, DESCRIPTION):  # wrapped, not cut off
        assert long_word in text
    assert text.count(REFERENCE) >= 3  # the cover, the running head, section K


def test_the_longest_reference_keeps_the_running_head_on_the_page(tmp_path, crew, make_bundle):
    values = COMPLETE["eio"] | {"authority_file": LONGEST_REFERENCE}
    bundle = make_bundle(crew.nl_member, "eio", values)
    words = _words(request_pdf(request_document(bundle), sign=False), tmp_path)
    assert [text[:30] for _x_min, _x_max, y_min, text in words if y_min < 0] == []
    text = "".join(word for _x_min, _x_max, _y_min, word in words)
    assert LONGEST_REFERENCE in text  # whole on the cover and in section K
    assert LONGEST_REFERENCE[:159] + "…" in text  # cut in the running head
