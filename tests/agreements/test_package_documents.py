"""The agreement in force as a request's package carries it (the agreement_documents hook)."""

import json

from jit import signals
from jit.clock import frozen
from tests.agreements.conftest import TODAY
from tests.agreements.test_exports import pdf_text


def test_the_hook_gives_the_version_in_force_as_pdf_and_json(in_force):
    with frozen(TODAY):
        documents = signals.first_value(signals.agreement_documents, in_force.team)
    assert documents["version"] == 1
    exported = json.loads(documents["json"])
    assert exported["version"]["number"] == 1
    assert exported["team"]["code"] == in_force.team.code
    assert in_force.team.parties[0].name in pdf_text(documents["pdf"])


def test_no_agreement_in_force_gives_nothing(jit):
    assert signals.first_value(signals.agreement_documents, jit.team) is None
