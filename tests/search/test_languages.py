"""Accents fold, and words match their other forms in the document's language."""

import pytest

from search import languages


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("Medellin", "Cargamento desde Medellín"),
        ("Zagreb", "PRIJEVOZ ZA ZAGREB"),
        ("Koln", "Übergabe in Köln am Hauptbahnhof"),
        ("babic", "Izvješće inspektora Babić"),
    ],
)
def test_accents_and_case_do_not_matter(app, case, make_item, index, search_as, query, text):
    make_item(case.nl_member, title="Note", description=text)
    index()
    _status, body = search_as(case.nl_member.user, query, team=case.team.code)
    assert body["total"] == 1, (query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        # French, German, Spanish, Dutch: another form of the word finds it.
        ("enquêteur", "Les enquêteurs ont saisi trois téléphones dans le véhicule."),
        ("Durchsuchung", "Die Durchsuchungen der Wohnungen wurden von der Polizei durchgeführt."),
        ("investigación", "Las investigaciones de la policía siguen en el puerto."),
        ("verdachte", "De verdachten zijn in de haven van Rotterdam aangehouden."),
    ],
)
def test_stemming_follows_the_documents_language(
    app, case, make_item, index, search_as, query, text
):
    make_item(case.nl_member, title="Report", description=text)
    index()
    _status, body = search_as(case.nl_member.user, query, team=case.team.code)
    assert body["total"] == 1, (query, text)
    assert "<mark>" in body["hits"][0]["fragment_html"]


def test_croatian_is_folded_but_not_stemmed(app, case, make_item, index, search_as):
    make_item(
        case.nl_member, title="Izvješće", description="Osumnjičeni je uhićen u Splitu i Šibeniku."
    )
    index()
    code = case.team.code
    assert search_as(case.nl_member.user, "sibeniku", team=code)[1]["total"] == 1
    assert search_as(case.nl_member.user, "uhicen", team=code)[1]["total"] == 1


def test_the_language_is_guessed_when_a_row_does_not_say():
    assert languages.detect("Les enquêteurs ont saisi la voiture dans le port") == "fr"
    assert languages.detect("Die Polizei hat das Auto in dem Hafen gefunden und ist") == "de"
    assert languages.detect("Osumnjičeni je uhićen u Splitu i prevezen za Zagreb") == "hr"
    assert languages.detect("The suspects were arrested in the port of Antwerp") == "en"
    assert languages.normalise("pt-BR", "whatever") == "pt"


def test_fold_answers_as_the_full_unicode_path_whatever_the_shortcut():
    import unicodedata

    from search import languages

    def reference(text):
        decomposed = unicodedata.normalize("NFKD", text.translate(languages._SPECIAL))
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()

    samples = ["ZAGREB", "Rotterdam", "Medellín", "Straße", "Đakovo", "ﬁle", "x" * 100,
               "é" * 100, "Ørsted", "ĳssel", "İstanbul", "", "a1_b2"]  # fmt: skip
    for text in samples * 2:  # the second time from the cache
        assert languages.fold(text) == reference(text)


@pytest.mark.parametrize(
    ("query", "language", "text"),
    [
        # A Dutch word finds the English document's form of it, and the other way round:
        # each language's stem of the query is looked for in every document's stems.
        ("pistolen", "en", "Payment for converted pistols, handed over in Antwerp."),
        ("pistolas", "nl", "Twee pistolen gevonden in de bestelwagen."),
        ("documentos", "en", "Shipping documents for the containers."),
        ("drogas", "it", "Le droghe sono state sequestrate al porto."),
    ],
)
def test_a_word_finds_its_forms_in_documents_of_other_languages(
    app, case, make_item, index, search_as, query, language, text
):
    make_item(case.nl_member, title="Report", description=text, language=language)
    index()
    _status, body = search_as(case.nl_member.user, query, team=case.team.code)
    assert body["total"] == 1, (query, language, text)
    assert "<mark>" in body["hits"][0]["fragment_html"]


def test_an_items_stated_language_is_the_one_it_is_stemmed_in(
    app, case, make_item, index, search_as
):
    # Too few words to guess from (the guess would be English): stated as Dutch, the
    # item's "verdachten" is stemmed as Dutch, and "verdachte" finds it.
    make_item(case.nl_member, title="Verdachten", description="Verdachten Jansen, Visser.",
              language="nl")  # fmt: skip
    make_item(case.nl_member, title="Overzicht", description="Verdachten Bakker, Smit.")
    index()
    _status, body = search_as(case.nl_member.user, "verdachte", team=case.team.code)
    assert [hit["title"] for hit in body["hits"]] == ["NL-0001 Verdachten"]
