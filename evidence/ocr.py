"""Text recognition (Tesseract) for images and scanned PDFs, on the extraction worker.

Bounded so one file cannot hold the worker: at most :data:`MAX_PAGES` pages of a PDF,
:data:`SECONDS_PER_PAGE` per page and :data:`MAX_SECONDS` per file, one Tesseract
thread (``OMP_THREAD_LIMIT=1``: ~2.5 s a page instead of ~12 s on a shared machine,
same output; ../shared/STACK-NOTES.md). The languages are those of the team's state
parties, plus English, among the installed language packs.
"""

import os
import shutil
import subprocess
import tempfile
import time
from functools import cache
from pathlib import Path

IMAGE_TYPES = {"image/png", "image/jpeg", "image/tiff"}
PDF = "application/pdf"
MAX_PAGES = 20
MAX_IMAGE_BYTES = 50 * 1024 * 1024
SECONDS_PER_PAGE = 60
MAX_SECONDS = 300
RESOLUTION_DPI = 300
# Tesseract's pack for the official languages of states that take part in teams.
COUNTRY_LANGUAGES = {
    "AT": "deu", "DE": "deu", "LI": "deu", "CH": "deu", "LU": "fra", "FR": "fra",
    "BE": "nld", "NL": "nld", "HR": "hrv", "BA": "hrv", "ES": "spa", "IT": "ita",
    "PT": "por", "IE": "eng", "MT": "eng", "GB": "eng", "US": "eng",
}  # fmt: skip
# Tesseract's pack for an item's stated language (search/languages.py's codes).
ITEM_LANGUAGES = {
    "en": "eng", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "nl": "nld",
    "pt": "por", "hr": "hrv",
}  # fmt: skip


class OcrError(RuntimeError):
    """Text recognition failed or ran past its limits."""


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OcrError(f"{name} is not installed")
    return found


@cache
def installed_languages() -> frozenset[str]:
    """Return the installed Tesseract language packs (empty without Tesseract)."""
    if shutil.which("tesseract") is None:
        return frozenset()
    listed = subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
        [_program("tesseract"), "--list-langs"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return frozenset(line.strip() for line in listed.stdout.splitlines()[1:] if line.strip())


def is_available() -> bool:
    return "eng" in installed_languages()


def wanted(media_type: str, text: str | None) -> bool:
    """Whether a file needs OCR: an image, or a PDF with no text layer (a scan)."""
    if not is_available():
        return False
    if media_type in IMAGE_TYPES:
        return True
    return media_type == PDF and text is not None and not text.strip()


def languages_for(country_codes, item_language: str = "") -> str:
    """Return Tesseract's ``-l`` value for parties of these states (English always).

    The item's stated language, if any, comes first (Tesseract's first language is its
    main one), whether or not a party's state speaks it.
    """
    chosen = [COUNTRY_LANGUAGES.get(code) for code in sorted(filter(None, country_codes))]
    first = ITEM_LANGUAGES.get(item_language)
    packs = dict.fromkeys([*([first] if first else []), "eng", *(code for code in chosen if code)])
    return "+".join(code for code in packs if code in installed_languages())


def _tesseract(image: Path, languages: str, timeout: float) -> str:
    environment = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
            [_program("tesseract"), str(image), "stdout", "-l", languages],
            capture_output=True,
            timeout=timeout,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OcrError("text recognition took too long and was stopped") from None
    if done.returncode != 0:
        raise OcrError(f"text recognition failed ({done.stderr.decode(errors='replace')[:200]})")
    return done.stdout.decode("utf-8", "replace").strip()


def recognise(path: Path, media_type: str, languages: str) -> str:
    """Return the text Tesseract reads in an image or a scanned PDF's first pages."""
    started = time.monotonic()
    if media_type in IMAGE_TYPES:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise OcrError("the image is too large for text recognition here")
        return _tesseract(path, languages, min(SECONDS_PER_PAGE, MAX_SECONDS))
    with tempfile.TemporaryDirectory(prefix="jit-ocr-") as folder:
        try:
            subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
                [
                    _program("pdftoppm"),
                    *("-r", str(RESOLUTION_DPI), "-gray", "-png"),
                    *("-f", "1", "-l", str(MAX_PAGES), str(path), f"{folder}/page"),
                ],
                capture_output=True,
                timeout=MAX_SECONDS,
                check=True,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failure:
            raise OcrError("the PDF's pages could not be rendered for recognition") from failure
        pages = []
        for image in sorted(Path(folder).glob("page*.png")):
            left = MAX_SECONDS - (time.monotonic() - started)
            if left <= 0:
                raise OcrError(f"text recognition stopped after {MAX_SECONDS} s")
            pages.append(_tesseract(image, languages, min(SECONDS_PER_PAGE, left)))
        return "\n\n".join(pages).strip()
