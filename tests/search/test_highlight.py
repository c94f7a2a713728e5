"""Fragments mark the matched words and escape everything the documents hold."""

from markupsafe import Markup

from search import highlight
from search.query import parse, positive_terms


def test_document_html_is_escaped_and_matches_marked(app, case, make_item, index, search_as):
    make_item(
        case.nl_member,
        title="Seized note",
        description='<b>Cocaine</b> & cash <script>alert("x")</script> in the boot',
    )
    index()
    _status, body = search_as(case.nl_member.user, "cocaine", team=case.team.code)
    fragment = body["hits"][0]["fragment_html"]
    assert "<script>" not in fragment
    assert "<b>" not in fragment
    assert "&amp;" in fragment
    assert "<mark>Cocaine</mark>" in fragment

    page = app.test_client()
    from tests.conftest import Auth

    Auth(page).login(case.nl_member.user)
    html = page.get(f"/t/{case.team.code}/search", query_string={"q": "cocaine"}).get_data(
        as_text=True
    )
    assert "<script>alert" not in html
    assert "<mark>Cocaine</mark>" in html


def test_the_highlighter_marks_stems_prefixes_and_typos():
    text = "Les enquêteurs <i>saisissent</i> le véhicule à Medellín; Hamburg"
    terms = positive_terms(parse("enquêteur medel* hamburk~"))
    fragment = highlight.fragments(text, terms, "fr")
    assert isinstance(fragment, Markup)
    assert "<mark>enquêteurs</mark>" in fragment
    assert "<mark>Medellín</mark>" in fragment
    assert "<mark>Hamburg</mark>" in fragment
    assert "&lt;i&gt;" in fragment


def test_a_headline_keeps_only_the_markers_as_markup():
    headline = f"a <img src=x> {highlight.START}word{highlight.STOP} b"
    assert highlight.marked_fragment(headline) == "a &lt;img src=x&gt; <mark>word</mark> b"
    assert highlight.clean(f"x{highlight.START}y{highlight.STOP}") == "x y "


def _full_scan(text: str, terms: list, language: str) -> Markup:
    """The fragments as a scan of every word gives them (the reference for the lazy one)."""
    from markupsafe import escape

    text = text[: highlight.MAX_SCAN_CHARS]
    words = list(highlight.languages.WORD.finditer(text))
    matches = highlight.matcher(terms, language)
    hits = [i for i, word in enumerate(words) if matches(word.group())]
    if not hits:
        return highlight.preview(text)
    windows: list[tuple[int, int]] = []
    for index in hits:
        low = max(0, index - highlight.CONTEXT_WORDS)
        high = min(len(words) - 1, index + highlight.CONTEXT_WORDS)
        if windows and low <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], high)
        elif len(windows) < highlight.MAX_FRAGMENTS:
            windows.append((low, high))
    pieces = []
    for low, high in windows:
        start, end = words[low].start(), words[high].end()
        out, cursor = [], start
        for i in range(low, high + 1):
            out.append(escape(text[cursor : words[i].start()]))
            piece = escape(words[i].group())
            out.append(Markup("<mark>%s</mark>") % piece if i in hits else piece)
            cursor = words[i].end()
        lead, tail = ("…" if start > 0 else ""), ("…" if end < len(text) else "")
        pieces.append(Markup("%s%s%s") % (lead, Markup("").join(out), tail))
    return Markup(" ").join(pieces)


def test_the_fragments_are_those_a_scan_of_every_word_gives():
    import random

    rng = random.Random(11)
    vocabulary = ["pistol", "pistols", "Medellín", "<b>", "&", "harbour", "van", "x", "Zagreb"]
    queries = ["pistol", "medel*", "harbor~", '"pistol harbour"', "van OR zagreb", "nothing"]
    for _ in range(300):
        count = rng.choice([0, 3, 20, 60, 200])
        text = " ".join(rng.choice(vocabulary) for _ in range(count))
        for query in queries:
            terms = positive_terms(parse(query))
            assert highlight.fragments(text, terms, "en") == _full_scan(text, terms, "en")


def test_a_very_long_body_still_gets_its_fragment_escaped():
    text = '<i>filler</i> & "x" ' * 9_000 + "the <b>cocaine</b> was in the boot"
    assert len(text) < highlight.MAX_SCAN_CHARS
    fragment = highlight.fragments(text, positive_terms(parse("cocaine")), "en")
    assert "<mark>cocaine</mark>" in fragment
    assert "&lt;b&gt;" in fragment
    assert "<i>" not in fragment
    assert "<b>" not in fragment
    assert fragment.startswith("…")


def test_reading_stops_once_both_fragments_are_settled(monkeypatch):
    real = highlight.matcher
    tested = []

    def counting(terms, language):
        test = real(terms, language)

        def matches(word):
            tested.append(word)
            return test(word)

        return matches

    monkeypatch.setattr(highlight, "matcher", counting)
    filler = " ".join(["filler"] * 40)
    text = f"cocaine {filler} cocaine {filler} cocaine " + "tail " * 50_000
    fragment = highlight.fragments(text, positive_terms(parse("cocaine")), "en")
    # Two fragments around the first two matches; the third cannot open one.
    assert fragment.count("<mark>cocaine</mark>") == 2
    assert fragment.endswith("…")
    assert len(tested) < 200  # not the 50,000 words of the tail


def test_each_distinct_word_is_stemmed_once(monkeypatch):
    stemmed = []
    real = highlight.languages.stem

    def counting(word, language):
        stemmed.append(word)
        return real(word, language)

    highlight._stem_key.cache_clear()
    monkeypatch.setattr(highlight.languages, "stem", counting)
    text = "Zollfahndung Grenzkontrolle Spielfeldstrasse " * 200
    terms = positive_terms(parse("lieferung"))
    for _ in range(2):  # two hits of one query, or two queries
        highlight.fragments(text, terms, "de")
    assert sorted(w for w in stemmed if w != "lieferung") == [
        "grenzkontrolle",
        "spielfeldstrasse",
        "zollfahndung",
    ]
