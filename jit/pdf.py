"""PDF rendering with WeasyPrint that fetches nothing from outside the app.

Every PDF the workspace writes (agreements, evaluations, custody reports, export
bundles) goes through :func:`render_pdf`. Layouts link their print CSS and images as
``/static/...``; the fetcher reads exactly those files from the app's static folder
and refuses every other URL: ``file://``, ``http(s)://`` to anywhere, ``data:``, and
paths that climb out of the static folder.
"""

import mimetypes
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template

# A base URL that can never resolve, so relative links in a layout stay inside the app.
BASE_URL = "https://jit-workspace.invalid/"


class RefusedFetch(ValueError):
    """A PDF layout asked for a resource outside the app's static files."""


def static_fetcher(static_folder: str):
    """Return a WeasyPrint URL fetcher that serves only files of ``static_folder``."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(static_folder).resolve()

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}/"
            if origin != BASE_URL or not parts.path.startswith("/static/"):
                raise RefusedFetch(f"PDF rendering does not fetch {url[:120]!r}")
            path = (root / unquote(parts.path[len("/static/") :])).resolve()
            if root not in path.parents or not path.is_file():
                raise RefusedFetch(f"PDF rendering does not fetch {url[:120]!r}")
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

    return StaticOnlyFetcher(allowed_protocols=["https"])


_fonts = threading.local()


def font_configuration():
    """Return this thread's WeasyPrint font configuration, made once and then reused.

    Making one loads Fontconfig's configuration and a new Pango font map, whose font and
    shaping caches start cold; sharing it keeps them warm across documents (a package
    renders one custody report per item). Pango font maps are not thread-safe, so each
    thread has its own. Glyphs embedded in a PDF are still those of that PDF only.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


@lru_cache(maxsize=32)
def _stylesheet(text: str, static_folder: str):
    """Parse a stylesheet once: layouts pass the same CSS for every document."""
    from weasyprint import CSS

    return CSS(string=text, base_url=BASE_URL, url_fetcher=static_fetcher(static_folder))


def render_pdf(
    template: str,
    *,
    css: tuple[str, ...] = (),
    variant: str | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    **context,
) -> bytes:
    """Render the Jinja ``template`` to PDF bytes; ``css`` adds stylesheets given as text.

    ``variant`` is a WeasyPrint PDF variant (``"pdf/a-3b"``); ``attachments`` are
    ``(name, bytes, description)`` embedded as files (PDF/A-3 allows any).
    """
    from weasyprint import HTML, Attachment

    fetcher = static_fetcher(current_app.static_folder)
    document = HTML(
        string=render_template(template, **context), base_url=BASE_URL, url_fetcher=fetcher
    )
    stylesheets = [_stylesheet(text, current_app.static_folder) for text in css]
    options = {"font_config": font_configuration()}
    if variant:
        options["pdf_variant"] = variant
    if attachments:
        options["attachments"] = [
            Attachment(
                string=data,
                base_url=BASE_URL,
                url_fetcher=fetcher,
                name=name,
                description=description,
                relationship="Source",
            )
            for name, data, description in attachments
        ]
    if not variant:
        return document.write_pdf(stylesheets=stylesheets, **options)
    # WeasyPrint 70 opens its bundled sRGB profile for the PDF/A output intent and leaves
    # the file to the garbage collector; the ResourceWarning it raises is not ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return document.write_pdf(stylesheets=stylesheets, **options)
