"""One definition of the handling and 4x4 evaluation codes, with "not evaluated" its own value."""

from pathlib import Path

from evidence import forms as evidence_forms
from evidence import models as evidence_models
from jit import codes
from jit.chat import services as chat_services

ROOT = Path(__file__).resolve().parents[2]


def test_evidence_and_chat_read_the_same_definitions():
    assert evidence_models.SOURCE_RELIABILITY is codes.SOURCE_RELIABILITY
    assert evidence_models.INFORMATION_ACCURACY is codes.INFORMATION_ACCURACY
    assert chat_services.SOURCE_RELIABILITY is codes.SOURCE_RELIABILITY
    assert chat_services.INFORMATION_ACCURACY is codes.INFORMATION_ACCURACY
    assert chat_services.HANDLING_CODES is codes.HANDLING
    assert evidence_models.HandlingCode.H1.label == codes.handling_label("H1")


def test_the_wording_is_that_of_the_4x4_system():
    assert codes.SOURCE_RELIABILITY["C"] == (
        "Information from this source has in most instances proved unreliable"
    )
    assert codes.INFORMATION_ACCURACY["4"] == (
        "Information not known personally to the source and cannot be corroborated"
    )
    assert codes.HANDLING["H0"] == "No restriction beyond use for preventing and combating crime"


def test_no_other_module_or_template_words_the_codes_itself():
    wordings = [*codes.SOURCE_RELIABILITY.values(), *codes.INFORMATION_ACCURACY.values()]
    wordings += [*codes.HANDLING.values(), "not reliable", "cannot be judged"]
    offenders = []
    for folder in ("jit", "evidence", "agreements", "search", "templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".js"} or path.name == "codes.py":
                continue
            text = path.read_text(encoding="utf-8").lower()
            offenders += [f"{path.name}: {w}" for w in wordings if w.lower() in text]
    assert offenders == []


def test_the_evidence_form_offers_not_evaluated_first_and_preselects_nothing(app):
    with app.test_request_context():
        form = evidence_forms.ItemForm(meta={"csrf": False})
    first = form.source_reliability.choices[0]
    assert (first.value, first.label) == ("", codes.NOT_EVALUATED)
    first = form.information_accuracy.choices[0]
    assert (first.value, first.label) == ("", codes.NOT_EVALUATED)
    assert not form.source_reliability.data
    assert not form.information_accuracy.data
