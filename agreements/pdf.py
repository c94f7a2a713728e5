"""PDF rendering with WeasyPrint that fetches nothing from outside the app.

Templates under ``templates/agreements/pdf/`` link their print CSS and images as
``/static/...``; the fetcher reads exactly those files from the app's static folder
and refuses every other URL (``file://``, ``http(s)://`` to anywhere, ``data:`` too,
since our layouts need none).
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template

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
                raise RefusedFetch(f"PDF rendering does not fetch {url!r}")
            path = (root / unquote(parts.path[len("/static/") :])).resolve()
            if root not in path.parents or not path.is_file():
                raise RefusedFetch(f"PDF rendering does not fetch {url!r}")
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

    return StaticOnlyFetcher(allowed_protocols=["https"])


def render_pdf(template: str, **context) -> bytes:
    """Render ``template`` to PDF bytes."""
    from weasyprint import HTML

    html = render_template(template, **context)
    document = HTML(
        string=html,
        base_url=BASE_URL,
        url_fetcher=static_fetcher(current_app.static_folder),
    )
    return document.write_pdf()
