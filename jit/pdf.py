"""PDF rendering with WeasyPrint that fetches nothing from outside the app.

Every PDF the workspace writes (agreements, evaluations, custody reports, export
bundles) goes through :func:`render_pdf`. Layouts link their print CSS and images as
``/static/...``; the fetcher reads exactly those files from the app's static folder
and refuses every other URL: ``file://``, ``http(s)://`` to anywhere, ``data:``, and
paths that climb out of the static folder.
"""

import mimetypes
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


def render_pdf(template: str, *, css: tuple[str, ...] = (), **context) -> bytes:
    """Render the Jinja ``template`` to PDF bytes; ``css`` adds stylesheets given as text."""
    from weasyprint import CSS, HTML

    fetcher = static_fetcher(current_app.static_folder)
    document = HTML(
        string=render_template(template, **context), base_url=BASE_URL, url_fetcher=fetcher
    )
    stylesheets = [CSS(string=text, base_url=BASE_URL, url_fetcher=fetcher) for text in css]
    return document.write_pdf(stylesheets=stylesheets)
