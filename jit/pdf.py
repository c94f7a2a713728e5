"""PDF rendering with WeasyPrint that fetches nothing from outside the app.

Every PDF the workspace writes (agreements, evaluations, custody reports, export
bundles) goes through :func:`render_pdf`, or :func:`html_pdf` for HTML already rendered
from a layout (what :class:`PdfPool`'s child processes run). Layouts link their print
CSS and images as ``/static/...``; the fetcher reads exactly those files from the app's
static folder and refuses every other URL: ``file://``, ``http(s)://`` to anywhere,
``data:``, and paths that climb out of the static folder.
"""

import mimetypes
import multiprocessing
import os
import threading
import warnings
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template

# A base URL that can never resolve, so relative links in a layout stay inside the app.
BASE_URL = "https://jit-workspace.invalid/"
# The renderer processes of the block running (rendering_in), if any.
_POOL: ContextVar["PdfPool | None"] = ContextVar("jit_pdf_pool", default=None)


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
    html = render_template(template, **context)
    pool = current_pool()
    if pool is not None:  # inside rendering_in(pool): the layout is made in a child
        return pdf_result(
            pool.submit(
                html, css, current_app.static_folder, variant=variant, attachments=attachments
            )
        )
    return html_pdf(
        html,
        css=css,
        static_folder=current_app.static_folder,
        variant=variant,
        attachments=attachments,
    )


def current_pool() -> "PdfPool | None":
    """The renderer processes of the :func:`rendering_in` block running, if any."""
    return _POOL.get()


class Renderers:
    """What a :func:`renderers` block hands out: documents and other PDF work to run.

    Calling it, ``submit(html, css, **options)``, starts one PDF (a :class:`Future`);
    :meth:`call` runs other work on PDF bytes (joining parts, say) in the same place:
    a renderer process when the block has them, so its memory is theirs, or here.
    """

    def __init__(self, pool: "PdfPool | None", static_folder: str):
        self.pool, self.static_folder = pool, static_folder

    def __call__(self, html: str, css: tuple[str, ...], **options) -> Future:
        if self.pool is not None:
            return self.pool.submit(html, css, self.static_folder, **options)
        return _done_here(html_pdf, html, css=css, static_folder=self.static_folder, **options)

    def call(self, function, /, *args, **kwargs) -> Future:
        """Run ``function(*args, **kwargs)`` (a module-level function: a child imports it)."""
        if self.pool is not None:
            return self.pool.call(function, *args, **kwargs)
        return _done_here(function, *args, **kwargs)


def _done_here(function, /, *args, **kwargs) -> Future:
    """A future of ``function``'s result (or its error), computed now, in this process."""
    future: Future = Future()
    try:
        future.set_result(function(*args, **kwargs))
    except Exception as error:
        future.set_exception(error)
    return future


@contextmanager
def renderers(documents: int):
    """Within the block, ``submit(html, css, **options)`` starts one PDF (a :class:`Future`).

    WeasyPrint lays out one document in one process, so a long document made of parts
    is made faster by laying them out at once, each in a renderer process: those of the
    block running (:func:`rendering_in`), or, when ``documents`` are more than one and
    :func:`parallel_workers` allows, processes started for this block and ended after
    it. Otherwise each is rendered here, when submitted. ``options`` are
    :func:`html_pdf`'s ``variant`` and ``attachments``; the futures' errors are the
    renderer's own (see :func:`pdf_result`). ``submit.call`` runs other work where the
    documents are made (:class:`Renderers`).
    """
    pool, own = current_pool(), None
    if pool is None and documents > 1 and parallel_workers() > 1:
        try:
            pool = own = PdfPool(min(parallel_workers(), documents))
        except PdfPoolUnavailable as error:
            current_app.logger.warning("a long PDF is rendered in the server process: %s", error)
    try:
        yield Renderers(pool, current_app.static_folder)
    finally:
        if own is not None:  # the results are in hand: no need to watch the children exit
            own.close(wait=False)


def pdf_result(future: Future) -> bytes:
    """The PDF of a document submitted in :func:`renderers`, or :class:`PdfRenderError`."""
    try:
        return future.result()
    except Exception as error:  # the renderer's own error, or BrokenProcessPool
        raise PdfRenderError(f"{type(error).__name__}: {error}") from error


def parallel_workers() -> int:
    """How many renderer processes :func:`renderers` would use here (1: none).

    Those of the block running, if any; otherwise ``JIT_REPORT_WORKERS`` (0: render in
    this process), by default :func:`default_workers`.
    """
    pool = current_pool()
    if pool is not None:
        return pool.workers
    configured = current_app.config.get("REPORT_WORKERS")
    return max(1, default_workers() if configured is None else int(configured))


@contextmanager
def rendering_in(pool: "PdfPool | None"):
    """Within the block, :func:`render_pdf` has ``pool``'s processes make the PDF.

    The template is still rendered here (the app, the reader's locale); only the
    layout, WeasyPrint's memory and CPU, goes to the child. ``None`` changes nothing.
    """
    token = _POOL.set(pool)
    try:
        yield
    finally:
        _POOL.reset(token)


def _source(html: str, css: tuple[str, ...], static_folder: str):
    """The document and its parsed stylesheets, as :func:`html_pdf` and :func:`layout` read them."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=static_fetcher(static_folder))
    return document, [_stylesheet(text, static_folder) for text in css]


def layout(html: str, *, css: tuple[str, ...] = (), static_folder: str):
    """Lay a document out as :func:`html_pdf` does, without writing it: WeasyPrint's pages
    and boxes, for a test that checks where things went."""
    document, stylesheets = _source(html, css, static_folder)
    return document.render(stylesheets=stylesheets, font_config=font_configuration())


def html_pdf(
    html: str,
    *,
    css: tuple[str, ...] = (),
    static_folder: str,
    variant: str | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """Turn an HTML document (a rendered layout) into PDF bytes, as :func:`render_pdf` does.

    It needs no app: resources come from ``static_folder`` alone, so a child process of a
    :class:`PdfPool` runs it on plain data and makes the same bytes.
    """
    from weasyprint import Attachment

    fetcher = static_fetcher(static_folder)
    document, stylesheets = _source(html, css, static_folder)
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


# --- rendering in child processes ------------------------------------------------------


class PdfRenderError(RuntimeError):
    """A renderer process could not make a document (it raised, or it died)."""


class PdfPoolUnavailable(RuntimeError):
    """The child processes of a :class:`PdfPool` could not be started."""


def default_workers() -> int:
    """The number of renderer processes when ``JIT_REPORT_WORKERS`` is not set."""
    return min(2, os.cpu_count() or 1)


def configured_pool() -> "PdfPool | None":
    """Start the renderer processes ``JIT_REPORT_WORKERS`` asks for (default: up to 2).

    None (render in this process) when the setting is 0 or when they cannot start; that
    is logged, and the documents are the same, only made here.
    """
    configured = current_app.config.get("REPORT_WORKERS")
    workers = default_workers() if configured is None else int(configured)
    if workers < 1:
        return None
    try:
        return PdfPool(workers)
    except PdfPoolUnavailable as error:
        current_app.logger.warning("PDFs are rendered in the server process: %s", error)
        return None


# What the fork server imports once, before it forks any renderer. A renderer also
# re-runs the main script (``jit``, for a server): before Python 3.13 the fork server
# never preloads ``__main__`` whatever this says (CPython gh-126631, gh-137996). So the
# script's import, jit.cli, is preloaded too, and kept light: it imports the app only
# when a command runs (a child importing the app took 0.6 s and twice the memory).
FORK_SERVER_PRELOAD = ("__main__", "weasyprint", "jit.pdf", "jit.cli")


def process_context():
    """How renderer processes start: forked from a fork server where the system has one.

    ``multiprocessing``'s fork server is started (by the first pool of this process, and
    ended when this process ends) as a fresh interpreter that imports
    :data:`FORK_SERVER_PRELOAD`; each renderer is a fork of it. So a child is clean, as
    with ``spawn`` (the server's threads, sockets and database connections are not in
    it), and starts with WeasyPrint loaded: 0.03 s for two instead of 0.5-1.3 s
    (benchmarks/export/README.md). The fork server stays, idle, for the life of the
    process that started it: one per server process that has rendered in children.
    Elsewhere (no ``fork``), ``spawn``.
    """
    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    context.set_forkserver_preload(list(FORK_SERVER_PRELOAD))
    return context


def _warm_up() -> int:
    """Load WeasyPrint and this process's font configuration; return the process id."""
    import weasyprint  # noqa: F401

    font_configuration()
    return os.getpid()


def _render_in_child(html: str, css: tuple[str, ...], static_folder: str, **options) -> bytes:
    """What a child process of a :class:`PdfPool` runs for each document."""
    return html_pdf(html, css=css, static_folder=static_folder, **options)


class PdfPool:
    """Child processes that turn HTML into PDF (:func:`html_pdf`) beside this process.

    WeasyPrint's memory (a document's boxes and layout, Pango's caches) then grows and
    is freed in the children, not in the server process, and their renders run while
    this process does other work (a package's hashing and writing). The children are
    forked from a **fork server** (:func:`process_context`): a fresh interpreter, never
    a copy of the server with its database connections and threads, that has imported
    this module and WeasyPrint once; a pool then starts in milliseconds instead of the
    half-second to second and a half each fresh interpreter took to import them. They
    get plain data (the HTML, the stylesheets' text, the static folder) and return
    bytes; each keeps its font configuration and parsed stylesheets across documents.

    Starting starts every child and waits until they have loaded WeasyPrint, and raises
    :class:`PdfPoolUnavailable` if it cannot (no processes or semaphores allowed, a
    child that dies on start), so the caller can render in-process instead. Close it
    (or use ``with``) to end the children.
    """

    START_TIMEOUT = 120  # seconds for a child to start and import WeasyPrint

    def __init__(self, workers: int):
        from concurrent.futures import ProcessPoolExecutor

        if workers < 1:
            raise PdfPoolUnavailable("a pool needs at least one worker")
        self.workers = workers
        self._executor = None
        try:
            self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=process_context())
            # Unless it forks, the executor starts a child per submit that finds none idle:
            # one warm-up each starts them all now, loading WeasyPrint side by side. One
            # warm-up alone left the second child to start with the second document,
            # which then ended ~1.4 s after the first (benchmarks/export/README.md).
            warming = [self._executor.submit(_warm_up) for _ in range(workers)]
            for future in warming:
                future.result(timeout=self.START_TIMEOUT)
        except Exception as error:
            if self._executor is not None:  # do not wait for a child that hangs on start
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            raise PdfPoolUnavailable(
                f"could not start {workers} PDF renderer process(es): {type(error).__name__}: "
                f"{error}"
            ) from error

    def submit(self, html: str, css: tuple[str, ...], static_folder: str, **options) -> Future:
        """Queue one document; the future's result is its PDF bytes (or the child's error).

        ``options`` are :func:`html_pdf`'s ``variant`` and ``attachments``.
        """
        return self.call(_render_in_child, html, tuple(css), static_folder, **options)

    def call(self, function, /, *args, **kwargs) -> Future:
        """Queue ``function(*args, **kwargs)`` for a child: a module-level function, which
        the child imports by name, and plain data in and out.

        A pool that can take no more work (a child died, so the executor is broken) gives
        a future that holds that error, the same as work whose child died while running
        it: the caller sees the failure in one place, whichever job first met it.
        """
        try:
            return self._executor.submit(function, *args, **kwargs)
        except Exception as error:  # BrokenProcessPool, or a pool already shut down
            failed: Future = Future()
            failed.set_exception(error)
            return failed

    def close(self, *, wait: bool = True) -> None:
        """Cancel what has not started and end the children once their documents are done.

        With ``wait`` (the default) it returns when they have ended; without, at once:
        the children finish the documents they are rendering and exit on their own
        (the executor's thread joins them). A child's exit, with WeasyPrint's memory to
        free, took ~0.4 s that a caller holding its results need not wait for.
        """
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> "PdfPool":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
