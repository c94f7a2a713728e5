"""The offence list: a box is ticked only for three years or more; any other offence is described.

FD 2002/584/JHA art. 2(2) and (4), EAW form (c) and (e); Directive 2014/41/EU Annex A,
section G, and Annex D.
"""

from evidence.bundles import services
from evidence.bundles.instruments import INSTRUMENTS
from jit.extensions import db
from tests.bundles.conftest import COMPLETE

EXECUTION = COMPLETE["eaw"] | {
    "purpose": "execution",
    "sentence_months": 30,
    "remaining_months": 30,
    "appeared_in_person": "yes",
}


def _without_the_list(values: dict, **changes) -> dict:
    values = dict(values) | changes
    values.pop("offence_categories", None)
    return values


def _fields(bundle) -> dict[str, str]:
    return {problem.field: problem.message for problem in services.problems(bundle)}


def test_an_offence_not_on_the_list_needs_no_box(crew, make_bundle):
    described = _without_the_list(
        COMPLETE["eaw"], other_offences="Theft of a firearm from a dealer's safe, art. 311 Sr."
    )
    assert services.problems(make_bundle(crew.nl_member, "eaw", described)) == []
    neither = make_bundle(crew.nl_member, "eaw", _without_the_list(COMPLETE["eaw"]))
    assert _fields(neither) == {
        "offence_categories": "Tick the offence's category of the list, or describe an offence "
        "not on the list in full under “Full description of offence(s) not covered by the "
        "list”."
    }


def test_the_maximum_penalty_is_asked_for_a_sentence_too(crew, make_bundle):
    values = dict(EXECUTION)
    values.pop("max_penalty_months")
    assert _fields(make_bundle(crew.nl_member, "eaw", values)) == {
        "max_penalty_months": "Required."
    }
    assert services.problems(make_bundle(crew.nl_member, "eaw", EXECUTION)) == []


def _post(client, crew, bundle, values):
    return client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/edit", data={"language": "en", **values}
    )


def test_a_box_under_three_years_is_refused_for_either_purpose(client, auth, crew, make_bundle):
    auth.login(crew.nl_member.user)
    for values in (COMPLETE["eaw"], EXECUTION):
        bundle = make_bundle(crew.nl_member, "eaw", values)
        response = _post(client, crew, bundle, values | {"max_penalty_months": "35"})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "nothing was saved" in page
        assert (
            "A box of the list is ticked only for an offence punishable in the issuing Member "
            "State by a maximum of at least three years (Art. 2(2)), and the maximum given in "
            "(c) is less than 36 months." in page
        )
        db.session.refresh(bundle)
        assert bundle.values["max_penalty_months"] == values["max_penalty_months"]
        # At three years the box may be ticked.
        assert _post(client, crew, bundle, values | {"max_penalty_months": "36"}).status_code == 302
        db.session.refresh(bundle)
        assert bundle.values["max_penalty_months"] == 36
        assert services.problems(bundle) == []


def test_the_eio_category_is_optional_and_says_when_it_applies(crew, make_bundle):
    field = INSTRUMENTS["eio"].field("offence_categories")
    assert not field.required
    assert "maximum period of at least three years" in field.label
    assert "Annex D" in field.label
    bundle = make_bundle(crew.nl_member, "eio", _without_the_list(COMPLETE["eio"]))
    assert services.problems(bundle) == []
    eaw = INSTRUMENTS["eaw"].field("offence_categories")
    assert not eaw.required
    assert "a maximum of at least three years" in eaw.label
