"""Both backends answer a query with the same documents, across languages.

Each test runs once per backend (Whoosh on SQLite, PostgreSQL); the expected hits are
written out, so a backend that reads a word differently from the other fails here.
They disagreed once: a Dutch word found its English forms on PostgreSQL only.
"""

import pytest

ITEMS = {
    "Payment": ("en", "Payment for converted pistols."),
    "Bestelwagen": ("nl", "Twee pistolen in de bestelwagen gevonden."),
    "Lieferwagen": ("de", "Die Pistole wurde im Lieferwagen sichergestellt."),
    "Frontière": ("fr", "Le pistolet a été saisi à la frontière."),
    "Camión": ("es", "Las pistolas y los documentos del camión."),
    "Kombi": ("hr", "Pištolji pronađeni u kombiju na granici."),
    "Van": ("en", "The van was searched at the border."),
    "Transporter": ("de", "Der Transporter wurde an der Grenze durchsucht."),
}


@pytest.fixture
def corpus(app, case, make_item, index):
    for title, (language, text) in ITEMS.items():
        make_item(case.nl_member, title=title, description=text, language=language)
    index()
    return case


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Dutch and German read "pistol"; so do the English, Dutch, German and Spanish
        # documents' stems. French "pistolet" and Croatian "pištolji" are other words.
        ("pistolen", {"Payment", "Bestelwagen", "Lieferwagen", "Camión"}),
        ("pistols", {"Payment", "Bestelwagen", "Lieferwagen", "Camión"}),
        ("pistol*", {"Payment", "Bestelwagen", "Lieferwagen", "Frontière", "Camión", "Kombi"}),
        ("pistolji", {"Kombi"}),
        ("pistolen -camion", {"Payment", "Bestelwagen", "Lieferwagen"}),
        ('"the van was searched"', {"Van"}),
        ('"van was"', {"Van"}),
        ("grenze OR border", {"Van", "Transporter"}),
        ("documento", {"Camión"}),
        ("frontiere saisi", {"Frontière"}),
        ("Grenzen", {"Transporter"}),
    ],
)
def test_the_same_documents_on_either_backend(corpus, search_as, text, expected):
    status, body = search_as(corpus.nl_member.user, text, team=corpus.team.code, per_page=50)
    assert status == 200, body
    found = {hit["title"].split(" ", 1)[1] for hit in body["hits"]}
    assert found == expected, text
    assert body["total"] == len(expected)
