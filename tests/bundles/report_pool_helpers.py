"""What the child processes of a PdfPool run in the tests that break them.

They are functions of an importable module, not of the test file, so that a child
process started with "spawn" can import them by name.
"""

import os


def fail_to_start() -> int:
    """Stand in for jit.pdf._warm_up: a child that cannot load its renderer."""
    raise ImportError("no WeasyPrint in this child, on purpose")


def render_fails(html: str, css: tuple[str, ...], static_folder: str) -> bytes:
    """Stand in for jit.pdf._render_in_child: a render that raises."""
    raise RuntimeError("the renderer failed on purpose")


def render_dies(html: str, css: tuple[str, ...], static_folder: str) -> bytes:
    """Stand in for jit.pdf._render_in_child: a child that dies (as if killed for memory)."""
    os._exit(3)
