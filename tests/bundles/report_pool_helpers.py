"""What the child processes of a PdfPool run in the tests that break them.

They are functions of an importable module, not of the test file, so that a child
process started with "spawn" can import them by name.
"""

import os

from jit.pdf import html_pdf


def fail_to_start() -> int:
    """Stand in for jit.pdf._warm_up: a child that cannot load its renderer."""
    raise ImportError("no WeasyPrint in this child, on purpose")


def _request_pdf(options: dict) -> bool:
    return bool(options.get("variant"))  # the request is PDF/A; custody reports are not


def render_fails(html: str, css: tuple[str, ...], static_folder: str, **options) -> bytes:
    """Stand in for jit.pdf._render_in_child: a custody report's render raises."""
    if _request_pdf(options):
        return html_pdf(html, css=css, static_folder=static_folder, **options)
    raise RuntimeError("the renderer failed on purpose")


def render_dies(html: str, css: tuple[str, ...], static_folder: str, **options) -> bytes:
    """Stand in for jit.pdf._render_in_child: a child that dies (as if killed for memory)."""
    if _request_pdf(options):
        return html_pdf(html, css=css, static_folder=static_folder, **options)
    os._exit(3)


def request_render_fails(html: str, css: tuple[str, ...], static_folder: str, **options):
    """Stand in for jit.pdf._render_in_child: the request PDF's render raises."""
    if _request_pdf(options):
        raise RuntimeError("the request renderer failed on purpose")
    return html_pdf(html, css=css, static_folder=static_folder, **options)


def sleep_then_pid(seconds: float) -> int:
    """A document that takes ``seconds`` to make: the child's process id, after a sleep."""
    import time

    time.sleep(seconds)
    return os.getpid()
