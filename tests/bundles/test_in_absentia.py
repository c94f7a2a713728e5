"""EAW (d), the trial resulting in the decision, is asked only to execute a sentence.

FD 2002/584/JHA art. 4a (as amended by FD 2009/299/JHA): a warrant for prosecution follows
no trial yet, so it neither asks nor prints whether the person appeared at one.
"""

import io

from pypdf import PdfReader

from evidence.bundles import services
from evidence.bundles.document import request_document
from evidence.bundles.pdf import request_pdf
from tests.bundles.conftest import COMPLETE

QUESTION = "Did the person appear in person at the trial resulting in the decision?"
EXECUTION = COMPLETE["eaw"] | {
    "purpose": "execution",
    "sentence_months": 30,
    "remaining_months": 30,
}


def _text(document) -> str:
    pdf = request_pdf(document, sign=False)
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_warrant_for_prosecution_neither_asks_nor_prints_it(crew, make_bundle):
    assert "appeared_in_person" not in COMPLETE["eaw"]
    bundle = make_bundle(crew.nl_member, "eaw", COMPLETE["eaw"])
    assert services.problems(bundle) == []
    assert QUESTION not in " ".join(_text(request_document(bundle)).split())
    # An answer typed before the purpose changed brings no guarantees to give, and stays out.
    earlier = make_bundle(crew.nl_member, "eaw", COMPLETE["eaw"] | {"appeared_in_person": "no"})
    assert services.problems(earlier) == []
    assert "appeared_in_person" not in request_document(earlier)["values"]


def test_a_warrant_to_execute_a_sentence_asks_it_and_the_guarantees(crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "eaw", EXECUTION)
    assert [(p.section, p.field) for p in services.problems(bundle)] == [
        ("d", "appeared_in_person")
    ]
    absent = make_bundle(crew.nl_member, "eaw", EXECUTION | {"appeared_in_person": "no"})
    assert {p.field for p in services.problems(absent)} == {
        "absentia_guarantee",
        "absentia_details",
    }
    present = make_bundle(crew.nl_member, "eaw", EXECUTION | {"appeared_in_person": "yes"})
    assert services.problems(present) == []
    assert QUESTION in " ".join(_text(request_document(present)).split())
