"""Bad agreement input: JSON imports checked against a schema, decimals that are numbers,
dates in range, ids the database can hold — each a named problem, never a 500."""

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agreements import evaluations, schema, services
from agreements.models import AgreementVersion
from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import access_of, at, valid_content

DEEP = 100_000


def _import(client, jit, version, document: bytes):
    return client.post(
        f"/t/{jit.team.code}/agreement/v{version.number}/import",
        data={"file": (io.BytesIO(document), "agreement.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("[" * DEEP + "]" * DEEP, "nest more than 32 levels deep"),
        ('{"a":' * DEEP + "1" + "}" * DEEP, "nest more than 32 levels deep"),
        ("[" * DEEP, "nest more than 32 levels deep"),
        ('{"schema": "jit-agreement/1", "title": 5}', "/title: 5 is not of type"),
        (
            '{"schema": "jit-agreement/1", "leaders": ["a person"]}',
            "/leaders/0: &#39;a person&#39; is not of type &#39;object&#39;",
        ),
        (
            '{"content": {"schema": "jit-agreement/1", "period": {"starts_on": 20260101}}}',
            "/content/period/starts_on: 20260101 is not of type",
        ),
        (
            '{"schema": "jit-agreement/1", "period": {"expires_on": "9999-12-31"}}',
            "/period/expires_on: &#39;9999-12-31&#39; is not a date from 1900-01-01 to 2100-12-31.",
        ),
        ('{"content": {"schema": "jit-agreement/1"}, "version": {"content_hash": 1}}', "/version"),
        ('{"schema": "jit-agreement/1", "title": NaN}', "not valid JSON"),
        ('{"schema": "jit-agreement/1", "title": 1e999}', "not valid JSON"),
        ("[1, 2]", "(the whole file): [1, 2] is not of type &#39;object&#39;"),
    ],
)
def test_a_bad_import_names_each_problem_and_changes_nothing(client, auth, jit, document, problem):
    version = jit.draft()
    before = json.dumps(version.content, sort_keys=True)
    auth.login(jit.coordinator.user)
    response = _import(client, jit, version, document.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported" in page
    assert problem in page
    db.session.expire_all()
    assert (
        json.dumps(db.session.get(AgreementVersion, version.id).content, sort_keys=True) == before
    )


def test_a_good_export_still_imports(client, auth, jit):
    version = jit.draft()
    other = valid_content(jit.team, jit.memberships, title="Imported title")
    auth.login(jit.coordinator.user)
    response = _import(client, jit, version, json.dumps({"content": other}).encode())
    assert "The file was imported" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgreementVersion, version.id).content["title"] == "Imported title"


def test_an_import_over_the_size_limit_is_refused(client, auth, jit):
    version = jit.draft()
    auth.login(jit.coordinator.user)
    document = json.dumps({"schema": "jit-agreement/1", "title": "x" * schema.MAX_IMPORT_BYTES})
    response = _import(client, jit, version, document.encode())
    assert "larger than 2,097,152 bytes" in response.get_data(as_text=True)


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_an_agreement_date_out_of_range_is_a_named_problem(jit, date):
    version = services.start_version(access_of(jit.coordinator), "original")
    content = valid_content(jit.team, jit.memberships)
    content["period"] = dict(content["period"], entry_into_force="date", starts_on=date)
    with pytest.raises(services.AgreementError, match="between 1900-01-01 and 2100-12-31"):
        services.save_draft(access_of(jit.coordinator), version, content)


@pytest.mark.parametrize("number", ["9" * 30, str(2**63)])
def test_a_huge_invitation_id_is_a_404(client, auth, in_force, number):
    auth.login(in_force.coordinator.user)
    url = f"/t/{in_force.team.code}/agreement/invitations/{number}"
    assert client.get(url).status_code == 404


@pytest.fixture
def opened(in_force):
    with frozen(at("2026-11-01")):
        evaluation = evaluations.start(access_of(in_force.coordinator), "mid_term")
        db.session.commit()
    in_force.evaluation = evaluation
    return in_force


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # The one assets figure became seized and recovered apart (and funding came in).
        ("assets_seized_eur", "sNaN"),
        ("assets_seized_eur", "NaN"),
        ("assets_recovered_eur", "Infinity"),
        ("assets_recovered_eur", "-Infinity"),
        ("eurojust_funding_eur", "1e999999"),
        ("eaws_issued", str(2**63)),
        ("arrests", str(2**63)),
        ("arrests", "9" * 5000),
    ],
)
def test_an_evaluation_number_that_is_not_one_is_a_form_error(client, auth, opened, field, value):
    auth.login(opened.nl_leader.user)
    response = client.post(f"/t/{opened.team.code}/evaluation/mid_term", data={field: value})
    assert response.status_code == 400
    assert "Check the form" in response.get_data(as_text=True)
    assert not opened.evaluation.contributions


# --- The import parser, for any document ----------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_json.map(lambda v: json.dumps(v).encode()), st.binary()))
def test_parse_import_returns_an_object_or_names_problems(document):
    try:
        parsed = schema.parse_import(document)
    except schema.ImportRefused as refused:
        # Hypothesis drives both outcomes; pytest.raises cannot express "or returns".
        assert refused.problems  # noqa: PT017
        assert all(str(problem) for problem in refused.problems)  # noqa: PT017
    else:
        assert isinstance(parsed, dict)


@settings(deadline=None)  # timing on a shared machine says nothing
@given(st.integers(min_value=1, max_value=200))
def test_nesting_depth_counts_brackets_outside_strings(depth):
    document = ("[" * depth + '"[[{"' + "]" * depth).encode()
    assert schema.nesting_depth(document) == depth
