"""The request PDF: cover, the form's sections in order, the evidence schedule, signature.

Rendered in the request's language through :mod:`jit.pdf` (which fetches nothing from
outside the app) as PDF/A-3b with the request JSON attached, then signed (PAdES).
"""

import json
from pathlib import Path

from flask_babel import force_locale, gettext

from evidence.bundles import pades
from evidence.bundles.document import content_hash, display_value, state_name
from evidence.bundles.instruments import instrument
from evidence.bundles.translations import language_name
from evidence.reports import hash_groups
from jit.i18n import LANGUAGES
from jit.pdf import render_pdf

_CSS = Path(__file__).resolve().parents[2] / "templates" / "bundles" / "request_pdf.css"


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_css(digest: str) -> str:
    """The margin boxes: page X of Y and the content hash, on every page."""
    label = f"{gettext('Content hash')} SHA-256 {digest}"
    return (
        "@page { @bottom-right { content: "
        f'{_css_string(gettext("Page"))} " " counter(page) " " {_css_string(gettext("of"))} '
        '" " counter(pages); }'
        f" @bottom-left {{ content: {_css_string(label)}; }} }}"
    )


def document_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def request_pdf(document: dict, *, sign: bool) -> bytes:
    """Render the request ``document`` as PDF/A-3b, signed if ``sign`` (final requests)."""
    definition = instrument(document["type"])
    digest = content_hash(document)
    with force_locale(document.get("language", "en")):
        pdf = render_pdf(
            "bundles/request_pdf.html",
            css=(_CSS.read_text(encoding="utf-8"), _page_css(digest)),
            variant="pdf/a-3b",
            attachments=(
                (
                    "request.json",
                    document_json(document),
                    "The request as JSON (jit-workspace/request/v1)",
                ),
            ),
            document=document,
            instrument=definition,
            digest=digest,
            hash_groups=hash_groups,
            display_value=display_value,
            country_name=state_name,
            language_name=LANGUAGES.get(document.get("language"), document.get("language")),
            translation_language=lambda code: language_name(code, document.get("language", "en")),
        )
        if not sign:
            return pdf
        reason = f"{gettext(definition.title)} {document['reference']}"
    return pades.sign_pdf(
        pdf, reason=reason, location=document["issuing_party"]["authority"] or "JIT Workspace"
    )
