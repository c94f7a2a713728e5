"""Requests render in the executing state's language from the gettext catalogues."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from pypdf import PdfReader

from evidence.bundles.document import request_document
from evidence.bundles.instruments import EIO, INSTRUMENTS
from evidence.bundles.languages import FIXED_TEXTS, languages_for, pdf_texts
from evidence.bundles.pdf import request_pdf
from jit import i18n
from jit.i18n import missing_translations, translations_of
from tests.bundles.conftest import COMPLETE

# Headings as the official forms (EIO, EAW) or a careful legal rendering (the others)
# word them, written out here so that a wrong or lost translation fails.
HEADINGS = {
    "de": {
        "eio": [
            "Europäische Ermittlungsanordnung",
            "A Anordnungsstaat und Vollstreckungsstaat",
            "C Durchzuführende Ermittlungsmaßnahme(n)",
            "G Gründe für den Erlass der EEA",
            "K Angaben zur Anordnungsbehörde",
            "L Angaben zur Justizbehörde, die die EEA validiert hat",
        ],
        "eaw": [
            "Europäischer Haftbefehl",
            "(a) Angaben zur Identität der gesuchten Person",
            "(b) Entscheidung, die dem Haftbefehl zugrunde liegt",
            "(i) Justizbehörde, die den Haftbefehl ausgestellt hat",
        ],
        "mla": [
            "Ersuchen um Rechtshilfe in Strafsachen",
            "Art. 18 Abs. 15 Buchst. a Ersuchende und ersuchte Behörden",
        ],
        "extradition": ["Auslieferungsersuchen", "Art. 12 Abs. 1 Ersuchter Staat"],
        "tracing": [
            "Ersuchen um Rückverfolgung einer Schusswaffe",
            "Ziff. 17 Buchst. b Markierungen, Typ, Kaliber",
        ],
    },
    "hr": {
        "eio": [
            "Europski istražni nalog",
            "A Država izdavateljica i država izvršiteljica",
            "C Istražna mjera (mjere) koju (koje) treba provesti",
            "G Razlozi za izdavanje EIN-a",
            "K Podaci o tijelu koje je izdalo EIN",
            "L Podaci o pravosudnom tijelu koje je potvrdilo EIN",
        ],
        "eaw": [
            "Europski uhidbeni nalog",
            "(a) Podaci o identitetu tražene osobe",
            "(b) Odluka na kojoj se temelji nalog",
            "(i) Pravosudno tijelo koje je izdalo nalog",
        ],
        "mla": [
            "Zamolnica za uzajamnu pravnu pomoć u kaznenim stvarima",
            "čl. 18. st. 15. t. (a) Tijelo molitelj i zamoljeno tijelo",
        ],
        "extradition": ["Zahtjev za izručenje", "čl. 12. st. 1. Zamoljena država"],
        "tracing": ["Zahtjev za praćenje vatrenog oružja", "t. 17. podt. (b) Oznake, vrsta"],
    },
    "fr": {
        "eio": [
            "Décision d'enquête européenne",
            "A État d'émission et État d'exécution",
            "C Mesure(s) d'enquête à exécuter",
            "G Motifs de l'émission de la décision d'enquête européenne",
        ],
        "eaw": [
            "Mandat d'arrêt européen",
            "(a) Renseignements concernant l'identité de la personne recherchée",
            "(b) Décision sur laquelle se fonde le mandat d'arrêt",
            "(i) Autorité judiciaire ayant émis le mandat",
        ],
        "mla": [
            "Demande d'entraide judiciaire en matière pénale",
            "Art. 18, par. 15, point a) Autorités requérante et requise",
        ],
        "extradition": ["Demande d'extradition", "Art. 12, par. 1 État requis"],
        "tracing": [
            "Demande de traçage d'une arme à feu",
            "Par. 17, point b) Marquages, type, calibre",
        ],
    },
    "nl": {
        "eio": [
            "Europees onderzoeksbevel",
            "A Uitvaardigende staat en uitvoerende staat",
            "C Uit te voeren onderzoeksmaatregel(en)",
            "G Redenen voor het uitvaardigen van het EOB",
        ],
        "eaw": [
            "Europees aanhoudingsbevel",
            "(a) Gegevens betreffende de identiteit van de gezochte persoon",
            "(b) Beslissing die aan het aanhoudingsbevel ten grondslag ligt",
            "(i) Rechterlijke autoriteit die het aanhoudingsbevel heeft uitgevaardigd",
        ],
        "mla": [
            "Verzoek om wederzijdse rechtshulp in strafzaken",
            "Art. 18, lid 15, onder a) Verzoekende en aangezochte autoriteiten",
        ],
        "extradition": ["Verzoek om uitlevering", "Art. 12, lid 1 Aangezochte staat"],
        "tracing": [
            "Verzoek tot tracering van een vuurwapen",
            "Par. 17, onder b) Merktekens, soort, kaliber",
        ],
    },
}
SCHEDULE = {
    "de": "Verzeichnis der Beweismittel",
    "hr": "Popis dokaza",
    "fr": "Liste des éléments de preuve",
    "nl": "Lijst van bewijsstukken",
}
PAGE = {"de": "Seite 1 von", "hr": "Stranica 1 od", "fr": "Page 1 sur", "nl": "Pagina 1 van"}
# The drafter's own text, which goes into the PDF as typed, whatever the language.
OWN_TEXT = {
    "eio": "facts_summary",
    "mla": "facts_summary",
    "eaw": "circumstances",
    "extradition": "offences_statement",
    "tracing": "recovery_circumstances",
}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("language", sorted(HEADINGS))
@pytest.mark.parametrize("request_type", sorted(INSTRUMENTS))
def test_a_request_carries_its_headings_in_its_language(
    request_type, language, crew, make_bundle, make_item
):
    definition = INSTRUMENTS[request_type]
    item = make_item(crew.nl_member, files=[("a.txt", b"a")])
    values = COMPLETE[request_type]
    bundle = make_bundle(crew.nl_member, request_type, values, items=[item], language=language)
    pdf = request_pdf(request_document(bundle), sign=False)
    text = _flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    for heading in [*HEADINGS[language][request_type], SCHEDULE[language], PAGE[language]]:
        assert _flat(heading) in text, heading
    translated = translations_of(language)
    for section in definition.sections:  # every heading, not only those written out above
        assert _flat(translated[section.title]) in text, section.title
    assert _flat(definition.title) not in text  # no English heading is left
    assert _flat(definition.sections[0].title) not in text
    assert _flat(values[OWN_TEXT[request_type]]) in text  # the drafter's text as typed


def _marked_texts(path: Path) -> set[str]:
    method = "jinja2" if path.suffix == ".html" else "python"
    found = set()
    for _line, message, _comments, _context in extract_from_file(
        method, path, keywords={"N_": None, "_": None, "gettext": None}
    ):
        found.add(message)
    return found


def test_every_text_of_every_instrument_is_translated_in_every_catalogue():
    """A field, option or fixed text added without its translations fails here."""
    bundles = Path(__file__).resolve().parents[2] / "evidence" / "bundles"
    template = bundles.parents[1] / "templates" / "bundles" / "request_pdf.html"
    sources = [
        *sorted((bundles / "instruments").glob("*.py")),
        bundles / "languages.py",
        bundles / "pdf.py",
        template,
    ]
    texts = set().union(*(_marked_texts(path) for path in sources))
    assert _marked_texts(template) <= set(FIXED_TEXTS)  # what the PDF shows is offered-checked
    assert "Information regarding the identity of the requested person" in texts
    assert "Firearms tracing request" in texts
    for instrument in INSTRUMENTS.values():
        assert pdf_texts(instrument) <= texts  # the PDF shows nothing the catalogue lacks
    for language in ("de", "fr", "nl", "hr"):
        assert missing_translations(texts, language) == set(), language


def test_articles_and_worded_marks_are_part_of_the_request_text():
    eaw, mla = INSTRUMENTS["eaw"], INSTRUMENTS["mla"]
    assert "Art. 8(1)(a)" in eaw.texts()
    assert "Art. 18(15)(a)" in mla.texts()
    assert "(a)" not in eaw.texts()  # a bare letter reads alike in every language
    assert "" not in mla.texts()


def test_a_language_is_offered_only_where_the_catalogue_is_complete(monkeypatch):
    for instrument in INSTRUMENTS.values():
        assert list(languages_for(instrument)) == ["en", "de", "fr", "nl", "hr"]
    french = dict(translations_of("fr"))
    del french["Information regarding the identity of the requested person"]
    monkeypatch.setattr(i18n, "translations_of", lambda language: french)
    assert "fr" not in languages_for(INSTRUMENTS["eaw"])
    assert "fr" in languages_for(EIO)
    for instrument in INSTRUMENTS.values():
        for language in languages_for(instrument):
            assert missing_translations(pdf_texts(instrument), language) == set()


def test_a_language_not_offered_is_refused(client, auth, crew, make_bundle, monkeypatch):
    german = dict(translations_of("de"))
    del german["Request for mutual legal assistance in criminal matters"]
    monkeypatch.setattr(i18n, "translations_of", lambda language: german)
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    auth.login(crew.nl_member.user)
    response = client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/edit",
        data={**COMPLETE["mla"], "language": "de"},
    )
    assert response.status_code == 400
    assert "Choose one of the languages offered" in response.get_data(as_text=True)


def test_the_language_is_proposed_from_the_executing_state(client, auth, crew):
    from evidence.bundles.models import Bundle
    from jit.extensions import db

    auth.login(crew.nl_member.user)
    client.post(
        f"/t/{crew.team.code}/requests/new", data={"request_type": "eio", "executing_state": "HR"}
    )
    assert db.session.scalar(db.select(Bundle.language)) == "hr"


def test_compiled_catalogues_live_in_the_instance_folder(app):
    from pathlib import Path

    compiled = Path(app.instance_path) / "translations" / "de" / "LC_MESSAGES" / "messages.mo"
    assert compiled.exists()
    repository = Path(__file__).resolve().parents[2] / "jit" / "translations"
    assert not list(repository.rglob("*.mo"))
