"""The request PDF: cover, the form's sections in order, the evidence schedule, signature.

Rendered in the request's language through :mod:`jit.pdf` (which fetches nothing from
outside the app) as PDF/A-3b with the request JSON attached, then signed (PAdES).
"""

import hashlib
import io
import json
import re
from pathlib import Path

from flask import render_template
from flask_babel import force_locale, gettext

from evidence.bundles import pades
from evidence.bundles.document import content_hash, display_value, state_name
from evidence.bundles.instruments import instrument
from evidence.bundles.translations import language_name
from evidence.reports import hash_groups
from jit import pdf as jit_pdf
from jit.i18n import LANGUAGES

_CSS = Path(__file__).resolve().parents[2] / "templates" / "bundles" / "request_pdf.css"
_TEMPLATE = "bundles/request_pdf.html"

# An evidence schedule of this many rows or more is rendered in parts, laid out side by
# side in renderer processes and joined (WeasyPrint lays out one document in one process;
# a thousand rows took it ~14 s of CPU). Fewer rows are one document: starting and
# joining the parts would cost more than they save (benchmarks/export/README.md).
SPLIT_FROM_ROWS = 200
# What the first part's cover and request sections cost to lay out, in schedule rows:
# that part gets as many fewer rows, so the parts end about together. Measured with
# 1,000 rows (benchmarks/export/README.md): 40 left the first part 0.4 s ahead in one
# run; with 20 the order of the parts' ends varied from run to run (by 0.4-0.9 s).
FRONT_MATTER_ROWS = 20


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_css(digest: str, *, numbers: bool = True, label: bool = True) -> str:
    """The margin boxes: page X of Y and the content hash, on every page."""
    text = f"{gettext('Content hash')} SHA-256 {digest}"
    boxes = []
    if numbers:
        boxes.append(
            "@bottom-right { content: "
            f'{_css_string(gettext("Page"))} " " counter(page) " " {_css_string(gettext("of"))} '
            '" " counter(pages); }'
        )
    if label:
        boxes.append(f"@bottom-left {{ content: {_css_string(text)}; }}")
    return "@page { " + " ".join(boxes) + " }"


def document_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def request_pdf(document: dict, *, sign: bool) -> bytes:
    """Render the request ``document`` as PDF/A-3b, signed if ``sign`` (final requests)."""
    definition = instrument(document["type"])
    digest = content_hash(document)
    with force_locale(document.get("language", "en")):
        context = {
            "document": document,
            "instrument": definition,
            "digest": digest,
            "hash_groups": hash_groups,
            "display_value": display_value,
            "country_name": state_name,
            "language_name": LANGUAGES.get(document.get("language"), document.get("language")),
            "translation_language": lambda code: language_name(
                code, document.get("language", "en")
            ),
        }
        rows = document.get("evidence") or []
        bounds = part_bounds(len(rows), jit_pdf.parallel_workers())
        contexts = [
            dict(context, rows=rows[start:end], first_part=start == 0, last_part=end == len(rows))
            for start, end in bounds
        ]
        attachments = (
            (
                "request.json",
                document_json(document),
                "The request as JSON (jit-workspace/request/v1)",
            ),
        )
        css = _CSS.read_text(encoding="utf-8")
        if len(contexts) == 1:
            pdf = jit_pdf.render_pdf(
                _TEMPLATE,
                css=(css, _page_css(digest)),
                variant="pdf/a-3b",
                attachments=attachments,
                **contexts[0],
            )
        else:
            pdf = _render_in_parts(
                contexts,
                css=(css, _page_css(digest, numbers=False)),
                numbers_css=(css, _page_css(digest, label=False)),
                attachments=attachments,
            )
        if not sign:
            return pdf
        reason = f"{gettext(definition.title)} {document['reference']}"
    return pades.sign_pdf(
        pdf, reason=reason, location=document["issuing_party"]["authority"] or "JIT Workspace"
    )


def part_bounds(rows: int, workers: int) -> list[tuple[int, int]]:
    """The schedule's rows of each part, ``(start, end)``: one part per renderer process.

    One part (the whole document) below ``SPLIT_FROM_ROWS`` rows or without two processes;
    otherwise the first part, which also holds the cover and the request's sections, gets
    ``FRONT_MATTER_ROWS`` fewer rows than the others.
    """
    if rows < SPLIT_FROM_ROWS or workers < 2:
        return [(0, rows)]
    share = (rows + FRONT_MATTER_ROWS) / workers
    cuts = [0] + [round(share * number - FRONT_MATTER_ROWS) for number in range(1, workers)]
    return list(zip(cuts, [*cuts[1:], rows], strict=True))


def _render_in_parts(
    contexts: list[dict],
    *,
    css: tuple[str, ...],
    numbers_css: tuple[str, ...],
    attachments: tuple,
) -> bytes:
    """Render the parts side by side, join their pages and number them: one PDF.

    The parts are rendered without page numbers (each would count its own pages); the
    numbers are laid out by WeasyPrint in a document of as many empty pages with the
    same page rules (``numbers_css``: only the numbers' margin box), rendered by a
    renderer process while this one joins the parts, and each of its pages is laid
    over the joined page at the same place.
    """
    from pypdf import PdfReader

    with jit_pdf.renderers(len(contexts)) as submit:
        futures = [  # each part starts as soon as its HTML is ready
            submit(
                render_template(_TEMPLATE, **context),
                css,
                variant="pdf/a-3b",
                attachments=attachments if number == 0 else (),
            )
            for number, context in enumerate(contexts)
        ]
        readers = [PdfReader(io.BytesIO(jit_pdf.pdf_result(future))) for future in futures]
        total = sum(len(reader.pages) for reader in readers)
        numbers = submit(_numbered_pages_html(total), numbers_css)
        writer = join_parts(readers)
        number_pages = PdfReader(io.BytesIO(jit_pdf.pdf_result(numbers))).pages
    if len(number_pages) != total:  # a guard: never a page numbered wrongly
        raise RuntimeError(f"{len(number_pages)} numbered pages for {total} pages")
    for page, number in zip(writer.pages, number_pages, strict=True):
        page.merge_page(number)
        page.compress_content_streams()  # merging leaves the page's content uncompressed
    writer.compress_identical_objects()  # drops the first part's outline, now unused
    distinct_subset_tags(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def join_parts(readers: list):
    """A pypdf writer with the parts' pages in order, their outlines made one.

    The first part's document catalogue stays (its PDF/A metadata and output intent,
    the attached request JSON). Made with pypdf, already a dependency: it copies pages
    and their resources, it does not rewrite them.
    """
    from pypdf import PdfWriter
    from pypdf.generic import Fit

    writer = PdfWriter(clone_from=readers[0])
    for reader in readers[1:]:
        writer.append(reader, import_outline=False)
    # The outline (a bookmark per heading), made again for the pages joined. The
    # request's title (h1) is only in the first part and holds every other heading, so
    # what is at the top of a later part's outline (an h2) goes one level down, under it.
    del writer.root_object["/Outlines"]
    open_items, offset = [], 0
    for number, reader in enumerate(readers):
        for part_depth, item in _outline_items(reader.outline):
            depth = min(part_depth + (number > 0), len(open_items))
            added = writer.add_outline_item(
                title=item.title,
                page_number=offset + reader.get_destination_page_number(item),
                parent=open_items[depth - 1] if depth else None,
                fit=Fit.xyz(left=item.get("/Left"), top=item.get("/Top"), zoom=item.get("/Zoom")),
            )
            open_items[depth:] = [added]
        offset += len(reader.pages)
    return writer


_SUBSET_NAME = re.compile(r"^/([A-Z]{6})\+(.+)$")


def distinct_subset_tags(writer) -> None:
    """Give each embedded font subset of the joined PDF a tag of its own.

    WeasyPrint derives a subset's tag (``ABCDEF+DejaVuSans``) from the font's
    description, not from the glyphs it holds, so each part, and the page numbers'
    document, names its own different subset of one font alike. ISO 32000-1 (9.6.4)
    says different subsets in one file shall have different tags: every subset after
    the first of a name gets a new one (from the font object's number, so the same
    input gives the same file), in its font dictionary, its descendant font and its
    font descriptor.
    """
    from pypdf.generic import NameObject

    owners: dict[str, int] = {}  # tag -> the font object that has it
    done: set[int] = set()
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {}).get_object()
        for reference in fonts.values():
            number = getattr(reference, "idnum", None)
            font = reference.get_object()
            match = _SUBSET_NAME.match(str(font.get("/BaseFont", "")))
            if number is None or number in done or match is None:
                continue
            done.add(number)
            tag, name = match.groups()
            if owners.setdefault(tag, number) == number:
                continue
            seed = number
            while tag in owners:  # six letters from the object's number, not yet used
                digest = hashlib.sha256(f"{seed}".encode()).digest()
                tag, seed = "".join(chr(65 + byte % 26) for byte in digest[:6]), seed + 1
            owners[tag] = number
            renamed = NameObject(f"/{tag}+{name}")
            font[NameObject("/BaseFont")] = renamed
            for descendant in font.get("/DescendantFonts", []):
                descendant = descendant.get_object()
                descendant[NameObject("/BaseFont")] = renamed
                _rename_descriptor(descendant, renamed)
            _rename_descriptor(font, renamed)


def _rename_descriptor(font, renamed) -> None:
    from pypdf.generic import NameObject

    if "/FontDescriptor" in font:
        font["/FontDescriptor"].get_object()[NameObject("/FontName")] = renamed


def _outline_items(outline, depth: int = 0):
    """The outline's items in document order, with their depth (0: top level)."""
    for item in outline:
        if isinstance(item, list):
            yield from _outline_items(item, depth + 1)
        else:
            yield depth, item


def _numbered_pages_html(pages: int) -> str:
    """A document of ``pages`` empty pages: with the page rules, only their margin boxes."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "body { margin: 0 } div + div { break-before: page }</style></head><body>"
        + "<div></div>" * pages
        + "</body></html>"
    )
