"""Highlighted fragments: the document's text HTML-escaped, matched words in ``<mark>``.

The Whoosh backend highlights here; PostgreSQL uses ``ts_headline`` with marker
characters that :func:`marked_fragment` turns into the same escaped markup.
"""

from functools import lru_cache

from markupsafe import Markup, escape

from search import languages
from search.query import Phrase, Prefix, Word

CONTEXT_WORDS = 12
MAX_FRAGMENTS = 2
MAX_SCAN_CHARS = 200_000
PLAIN_PREVIEW_CHARS = 240
# ts_headline's StartSel/StopSel: control characters indexed text never holds.
START, STOP = "\x02", "\x03"


def _distance(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


@lru_cache(maxsize=50_000)
def _stem_key(word: str, language: str) -> str:
    """A word as the stemmed index holds it: stemmed in its language, then folded.

    Cached: Snowball in pure Python is the dearest step of highlighting, and case
    text repeats its words (names, places, the same phrases) across hits and queries.
    """
    return languages.fold(languages.stem(word.lower(), language))


def matcher(terms: list, language: str):
    """Return a test of one word of a document against the query's positive terms."""
    exact, stems, prefixes, fuzzy = set(), set(), [], []
    for term in terms:
        words = [languages.fold(w) for w in languages.WORD.findall(term.text)]
        if isinstance(term, Prefix):
            prefixes.extend(words)
        elif isinstance(term, Word) and term.fuzzy:
            fuzzy.extend((word, term.fuzzy) for word in words)
        elif isinstance(term, Word | Phrase):
            exact.update(words)
            # Every language's stem of the word: the search finds it in documents of
            # any language (a Dutch "pistolen" finds, and marks, an English "pistols").
            stems.update(
                _stem_key(word, reading)
                for word in languages.WORD.findall(term.text)
                for reading in languages.LANGUAGES
            )

    # A document repeats its words: each distinct word is tested once.
    seen: dict[str, bool] = {}

    def matches(original: str) -> bool:
        answer = seen.get(original)
        if answer is None:
            word = languages.fold(original)
            answer = seen[original] = (
                word in exact
                or _stem_key(original, language) in stems
                or any(word.startswith(prefix) for prefix in prefixes)
                or any(_distance(word, target, limit) <= limit for target, limit in fuzzy)
            )
        return answer

    return matches


def fragments(text: str, terms: list, language: str) -> Markup:
    """Return up to two escaped fragments of ``text`` around words the query matched.

    Words are read one by one and reading stops once the fragments are settled: both
    are open and the reader is past the last one's reach (no later match could join
    it), so a long body costs what its first matches need. The fragments are the ones
    a scan of all ``MAX_SCAN_CHARS`` would give.
    """
    text = text[:MAX_SCAN_CHARS]
    matches = matcher(terms, language)
    words: list = []
    marked: set[int] = set()
    windows: list[list[int]] = []  # [first word, last word] of each fragment
    for word in languages.WORD.finditer(text):
        index = len(words)
        # A match at ``index`` would start its context at index - CONTEXT_WORDS, past
        # the last fragment's end + 1: it could not join it, nor open a third.
        if len(windows) == MAX_FRAGMENTS and index - CONTEXT_WORDS > windows[-1][1] + 1:
            break
        words.append(word)
        if not matches(word.group()):
            continue
        marked.add(index)
        low, high = max(0, index - CONTEXT_WORDS), index + CONTEXT_WORDS
        if windows and low <= windows[-1][1] + 1:
            windows[-1][1] = high
        elif len(windows) < MAX_FRAGMENTS:
            windows.append([low, high])
    if not windows:
        return preview(text)
    last = len(words) - 1
    pieces = []
    for low, high in windows:
        high = min(high, last)
        start, end = words[low].start(), words[high].end()
        out, cursor = [], start
        for i in range(low, high + 1):
            word = words[i]
            out.append(escape(text[cursor : word.start()]))
            piece = escape(word.group())
            out.append(Markup("<mark>%s</mark>") % piece if i in marked else piece)
            cursor = word.end()
        fragment = Markup("").join(out)
        lead = "…" if start > 0 else ""
        tail = "…" if end < len(text) else ""
        pieces.append(Markup("%s%s%s") % (lead, fragment, tail))
    return Markup(" ").join(pieces)


def preview(text: str) -> Markup:
    """Return the escaped start of ``text`` (a hit that matched on filters only)."""
    return escape(text[:PLAIN_PREVIEW_CHARS] + ("…" if len(text) > PLAIN_PREVIEW_CHARS else ""))


def marked_fragment(headline: str) -> Markup:
    """Escape a ``ts_headline`` result and turn its marker characters into ``<mark>``."""
    escaped = str(escape(headline))
    # Safe: everything was escaped above; only the marker characters become tags.
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704


def clean(text: str) -> str:
    """Drop the marker characters (and NULs) from text on its way into the index."""
    return text.replace(START, " ").replace(STOP, " ").replace("\x00", " ")
