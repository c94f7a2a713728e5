"""The request PDF: cover, the form's sections in order, the evidence schedule, signature.

Rendered in the request's language through :mod:`jit.pdf` (which fetches nothing from
outside the app) as PDF/A-3b with the request JSON attached, then signed (PAdES).
"""

import json
import re
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select

from evidence import custody
from evidence.bundles import pades
from evidence.bundles.document import (
    content_hash,
    display_value,
    issuing_authority,
    state_name,
)
from evidence.bundles.instruments import instrument
from evidence.bundles.translations import language_name
from evidence.reports import hash_groups
from jit import pdf as jit_pdf
from jit import pdfjoin
from jit.extensions import db
from jit.i18n import LANGUAGES
from jit.teams.models import Team

_CSS = Path(__file__).resolve().parents[2] / "templates" / "bundles" / "request_pdf.css"
_TEMPLATE = "bundles/request_pdf.html"

# An evidence schedule of this many rows or more is rendered in parts, laid out side by
# side in renderer processes and joined (WeasyPrint lays out one document in one process;
# a thousand rows took it ~14 s of CPU). Fewer rows are one document. With renderers
# forked from a running fork server (jit.pdf) the parts were faster from 50 rows on
# (100 rows: 0.86-0.97 s against 1.22-1.45 s in one piece); the first PDF of a process
# also starts the fork server (~0.6 s), which 100 rows about pay back
# (benchmarks/export/README.md). It was 200 while each renderer started in ~1 s.
SPLIT_FROM_ROWS = 100
# What the first part's cover and request sections cost to lay out, in schedule rows:
# that part gets as many fewer rows, so the parts end about together. Measured with
# 1,000 rows (benchmarks/export/README.md): 40 left the first part 0.4 s ahead in one
# run; with 20 the order of the parts' ends varied from run to run (by 0.4-0.9 s).
FRONT_MATTER_ROWS = 20


# A run of characters with no space or hyphen to break at that may not fit the schedule's
# description column (40.5 mm: some 14 wide letters at its size). Only a row holding one
# lets its words break anywhere (request_pdf.css): WeasyPrint lays out any text with that
# property set more slowly, about an eighth more for a schedule that does not need it.
_LONG_WORD = re.compile(r"[^\s-]{13,}")


def has_long_word(row: dict) -> bool:
    """Whether a schedule row's typed text holds a word its column may not fit."""
    consent = row.get("consent") or {}
    texts = [
        row.get("exhibit_number"),
        row.get("title"),
        row.get("description"),
        row.get("collected_location"),
        row.get("handling_conditions"),
        consent.get("given_by"),
        consent.get("purpose"),
        *(file["name"] for file in row.get("files") or ()),
    ]
    return any(_LONG_WORD.search(text) for text in texts if text)


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


def _agreement_reference(document: dict):
    """The agreement version the document names, with its full hash where the team has it.

    The document (and its content hash) keeps the shortened label recorded at finalising;
    the cover prints the version and the full SHA-256 of its text, as the custody reports
    do, when that label names a version of the team's agreement.
    """
    label = document["agreement"].get("version")
    if not label:
        return None
    team = db.session.scalar(select(Team).where(Team.code == document["team"]["code"]))
    return custody.agreement_reference(team, label) if team is not None else None


def request_pdf(document: dict, *, sign: bool) -> bytes:
    """Render the request ``document`` as PDF/A-3b, signed if ``sign`` (final requests)."""
    definition = instrument(document["type"])
    digest = content_hash(document)
    with force_locale(document.get("language", "en")):
        context = {
            "document": document,
            "agreement_ref": _agreement_reference(document),
            "instrument": definition,
            "digest": digest,
            "issuing_authority": issuing_authority(document),
            "hash_groups": hash_groups,
            "has_long_word": has_long_word,
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
        pdf, reason=reason, location=issuing_authority(document) or "JIT Workspace"
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
    """Render the parts side by side, then join and number them (:mod:`jit.pdfjoin`).

    The parts are rendered without page numbers (each would count its own pages); the
    join, which numbers them, runs in a renderer process too when there are some.
    """
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
        parts = tuple(jit_pdf.pdf_result(future) for future in futures)
        joined = submit.call(pdfjoin.join_numbered, parts, numbers_css, current_app.static_folder)
        return jit_pdf.pdf_result(joined)
