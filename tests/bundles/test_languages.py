"""Requests render in the executing state's language from the gettext catalogues."""

import io
import re

import pytest
from pypdf import PdfReader

from evidence.bundles.document import request_document
from evidence.bundles.instruments import EIO, INSTRUMENTS
from evidence.bundles.languages import languages_for, pdf_texts
from evidence.bundles.pdf import request_pdf
from jit.i18n import missing_translations
from tests.bundles.conftest import COMPLETE

HEADINGS = {
    "de": [
        "Europäische Ermittlungsanordnung",
        "A Anordnungsstaat und Vollstreckungsstaat",
        "C Durchzuführende Ermittlungsmaßnahme(n)",
        "G Gründe für den Erlass der EEA",
        "K Angaben zur Anordnungsbehörde",
        "L Angaben zur Justizbehörde, die die EEA validiert hat",
        "Verzeichnis der Beweismittel",
        "Seite 1 von",
    ],
    "hr": [
        "Europski istražni nalog",
        "A Država izdavateljica i država izvršiteljica",
        "C Istražna mjera (mjere) koju (koje) treba provesti",
        "G Razlozi za izdavanje EIN-a",
        "K Podaci o tijelu koje je izdalo EIN",
        "L Podaci o pravosudnom tijelu koje je potvrdilo EIN",
        "Popis dokaza",
        "Stranica 1 od",
    ],
}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("language", ["de", "hr"])
def test_an_eio_carries_the_official_headings_in_its_language(
    language, crew, make_bundle, make_item
):
    item = make_item(crew.nl_member, files=[("a.txt", b"a")])
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[item], language=language)
    pdf = request_pdf(request_document(bundle), sign=False)
    text = _flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    for heading in HEADINGS[language]:
        assert _flat(heading) in text, heading
    assert _flat("Issuing State and executing State") not in text
    assert _flat(COMPLETE["eio"]["facts_summary"]) in text  # the drafter's text as typed


def test_a_language_is_offered_only_where_the_catalogue_is_complete():
    assert list(languages_for(EIO)) == ["en", "de", "hr"]
    for instrument in INSTRUMENTS.values():
        for language in languages_for(instrument):
            assert missing_translations(pdf_texts(instrument), language) == set()
    assert "fr" not in languages_for(EIO)  # its catalogue has the fixed texts only


def test_a_language_not_offered_is_refused(client, auth, crew, make_bundle):
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
