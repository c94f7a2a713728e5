"""Languages and gettext catalogues (Flask-Babel).

The catalogues are ``jit/translations/<lang>/LC_MESSAGES/messages.po``, kept as text in
the repository. The app compiles them into ``<instance>/translations`` when it starts
(only those changed since), so no generated ``.mo`` file is ever committed. The
interface is English for now; legal requests render in their own language with
:func:`flask_babel.force_locale`.
"""

import os
import threading
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from jit.extensions import babel

CATALOGUES = Path(__file__).resolve().parent / "translations"
LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "nl": "Nederlands",
    "hr": "Hrvatski",
}


def compile_catalogues(target: Path) -> None:
    """Compile every ``.po`` catalogue newer than its ``.mo`` into ``target``."""
    for source in sorted(CATALOGUES.glob("*/LC_MESSAGES/messages.po")):
        compiled = target / source.relative_to(CATALOGUES).with_suffix(".mo")
        if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
            continue
        compiled.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as handle:
            catalogue = read_po(handle)
        # Written under a private name, then moved into place: a process starting at the
        # same time reads the old file or the new one, never half of one.
        draft = compiled.with_name(f".{compiled.name}.{os.getpid()}.{threading.get_ident()}")
        with draft.open("wb") as handle:
            write_mo(handle, catalogue)
        os.replace(draft, compiled)


def init_app(app: Flask) -> None:
    target = Path(app.instance_path) / "translations"
    compile_catalogues(target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    babel.init_app(app, default_locale="en", locale_selector=lambda: "en")


@cache
def translations_of(language: str) -> dict[str, str]:
    """Return the finished translations of ``language``'s catalogue (fuzzy ones left out)."""
    source = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if not source.exists():
        return {}
    with source.open("rb") as handle:
        catalogue = read_po(handle)
    return {
        message.id: message.string
        for message in catalogue
        if message.id and message.string and not message.fuzzy
    }


def missing_translations(texts, language: str) -> set[str]:
    """Return the texts of ``texts`` that ``language``'s catalogue does not translate."""
    if language == "en":
        return set()
    done = translations_of(language)
    return {text for text in texts if text not in done}
