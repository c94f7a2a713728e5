"""One PDF from parts rendered apart: pages joined in order, outlines made one, numbered.

WeasyPrint lays out one document in one process, so a long document (a request's
evidence schedule of a thousand rows) is rendered as parts side by side in renderer
processes (:func:`jit.pdf.renderers`). :func:`join_numbered` makes them one document:
it runs where the parts were made, in a renderer process when there are some, so the
memory pypdf takes for the join and the overlay is that process's, not the server's
(benchmarks/export: the server's peak at finalising was ~11 MB higher with the join in
it). Nothing here needs the app: plain bytes and stylesheets in, PDF bytes out.
"""

import hashlib
import io
import re

from jit.pdf import html_pdf


def join_numbered(
    parts: tuple[bytes, ...], numbers_css: tuple[str, ...], static_folder: str
) -> bytes:
    """Join the PDF ``parts`` (rendered without page numbers) into one numbered PDF.

    Each part counted its own pages, so none has numbers; they are laid out by WeasyPrint
    in a document of as many empty pages with the same page rules (``numbers_css``: only
    the numbers' margin box), and each of its pages is laid over the joined page at the
    same place.
    """
    from pypdf import PdfReader

    readers = [PdfReader(io.BytesIO(part)) for part in parts]
    total = sum(len(reader.pages) for reader in readers)
    numbers = html_pdf(numbered_pages_html(total), css=numbers_css, static_folder=static_folder)
    number_pages = PdfReader(io.BytesIO(numbers)).pages
    if len(number_pages) != total:  # a guard: never a page numbered wrongly
        raise RuntimeError(f"{len(number_pages)} numbered pages for {total} pages")
    writer = join_parts(readers)
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


def numbered_pages_html(pages: int) -> str:
    """A document of ``pages`` empty pages: with the page rules, only their margin boxes."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "body { margin: 0 } div + div { break-before: page }</style></head><body>"
        + "<div></div>" * pages
        + "</body></html>"
    )
