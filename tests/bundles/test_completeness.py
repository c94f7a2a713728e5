"""The completeness check names each missing required field, by section, for every type."""

import pytest

from evidence.bundles import checks, services
from evidence.bundles.instruments import INSTRUMENTS
from tests.bundles.conftest import COMPLETE


@pytest.mark.parametrize("request_type", sorted(INSTRUMENTS))
def test_each_section_names_its_missing_required_field(request_type, crew, make_bundle):
    instrument = INSTRUMENTS[request_type]
    bundle = make_bundle(crew.nl_member, request_type)
    bundle.values = {}
    problems = services.problems(bundle)
    named = {(p.section, p.field) for p in problems}
    for section in instrument.sections:
        required = [f for f in section.fields if f.required and f.when is None]
        for field in required:
            assert (section.key, field.key) in named, (section.key, field.key)
    # Fields required only in some cases are named once their case applies, not before.
    for section, field in instrument.fields():
        if not (field.required and field.when):
            continue
        assert (section.key, field.key) not in named
        bundle.values = _case_of(instrument, field)
        now_named = {(p.section, p.field) for p in services.problems(bundle)}
        assert (section.key, field.key) in now_named, (section.key, field.key)


def _case_of(instrument, field) -> dict:
    """The values that make ``field`` apply, through a condition that has its own."""
    values = {}
    while field.when:
        key, wanted = field.when
        values[key] = [wanted] if instrument.field(key).kind == "choices" else wanted
        field = instrument.field(key)
    return values


@pytest.mark.parametrize("request_type", sorted(INSTRUMENTS))
def test_every_section_can_be_incomplete(request_type):
    """Every section of every form has at least one field the check asks for."""
    instrument = INSTRUMENTS[request_type]
    optional = {"f"} if request_type == "eaw" else set()  # (f) is optional in the form
    for section in instrument.sections:
        if section.key in optional:
            continue
        assert any(field.required for field in section.fields), section.key


@pytest.mark.parametrize("request_type", sorted(INSTRUMENTS))
def test_the_complete_example_has_no_problem(request_type, crew, make_bundle, make_item):
    items = [make_item(crew.nl_member, files=[("a.txt", b"a")])]
    bundle = make_bundle(crew.nl_member, request_type, COMPLETE[request_type], items=items)
    assert services.problems(bundle) == []


def test_grouped_under_the_official_section_names(crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "eio")
    bundle.values = {}
    groups = checks.grouped(INSTRUMENTS["eio"], services.problems(bundle))
    titles = [(group.mark, group.title) for group in groups]
    assert ("A", "Issuing State and executing State") in titles
    assert ("K", "Details of the authority which issued the EIO") in titles
    k = next(group for group in groups if group.mark == "K")
    assert ("File reference", "Required.") in k.problems or any(
        label == "E-mail" for label, _ in k.problems
    )


def test_the_check_page_lists_missing_fields_by_section(client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla")
    auth.login(crew.nl_member.user)
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)
    assert "Completeness check" in page
    assert (
        "Art. 18(15)(f) — Purpose for which the evidence, information or action is sought" in page
    )
    assert "Purpose and relevance: Required." in page
