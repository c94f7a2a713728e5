"""Languages of the index: accent folding, stemming by language, a small language guesser.

Stemmers exist for English, French, German, Spanish, Italian, Dutch and Portuguese.
Croatian has none in Whoosh or PostgreSQL: its text is folded and lower-cased only.
"""

import re
import unicodedata
from functools import cache, lru_cache

DEFAULT_LANGUAGE = "en"
LANGUAGES = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
    "hr": "simple",
}
STEMMED = [code for code, config in LANGUAGES.items() if config != "simple"]
# What a person chooses from (an evidence item's "language of its text").
NAMES = {
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
    "hr": "Croatian",
}

# Letters NFKD does not split into a base letter and a mark (as PostgreSQL's unaccent).
_SPECIAL = str.maketrans(
    {"ß": "ss", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "œ": "oe"}
)
WORD = re.compile(r"\w+", re.UNICODE)


# Words up to this long are remembered once folded (the index folds every token).
FOLD_CACHED_CHARS = 64


def fold(text: str) -> str:
    """Return ``text`` lower-cased without accents ("Medellín" → "medellin")."""
    if text.isascii():  # nothing to translate, decompose or drop
        return text.lower()
    if len(text) <= FOLD_CACHED_CHARS:
        return _fold_word(text)
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


_fold_word = lru_cache(maxsize=100_000)(_fold)


@cache
def stemmer(language: str):
    """Return the stemming function for ``language``, or None where there is none."""
    from whoosh.lang import has_stemmer, stemmer_for_language

    if language not in STEMMED or not has_stemmer(language):
        return None
    return stemmer_for_language(language)


def stem(word: str, language: str) -> str:
    function = stemmer(language)
    return function(word) if function else word


# The commonest short words of each language: enough to tell them apart in a paragraph.
_MARKERS = {
    "en": "the and of to in is that for with was on are this from by have not be",
    "fr": "le la les des et est une dans pour que qui pas sur avec par au du ont",
    "de": "der die das und ist nicht mit den von zu ein eine auf dem sich des im",
    "es": "el los las y es una en por que con para del se no al como su lo",
    "it": "il lo gli le e una di che per con non della sono del nel alla si",
    "nl": "de het een en van is niet op met voor zijn dat die aan er te bij",
    "pt": "o os as e uma em que com para do da dos não se por no na ao",
    "hr": "je i u na se da za od su ne iz sa kao ili što bio koji su te",
}


def detect(text: str) -> str:
    """Guess the language of ``text`` from its commonest words (English when unsure)."""
    words = [fold(word) for word in WORD.findall(text[:20000])]
    if not words:
        return DEFAULT_LANGUAGE
    counts = {code: 0 for code in _MARKERS}
    for word in words:
        for code, markers in _MARKER_SETS.items():
            if word in markers:
                counts[code] += 1
    best = max(counts, key=lambda code: counts[code])
    return best if counts[best] else DEFAULT_LANGUAGE


_MARKER_SETS = {code: {fold(word) for word in words.split()} for code, words in _MARKERS.items()}


def normalise(language: str | None, text: str) -> str:
    """Return a supported language code for a document: its own if known, else a guess."""
    code = (language or "").strip().lower()[:2]
    return code if code in LANGUAGES else detect(text)
