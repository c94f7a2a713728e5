"""Bad input on the request form: a clear message on the field, nothing written."""

import pytest
from sqlalchemy import select

from evidence.bundles.models import Bundle
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of


def _form(values: dict) -> dict:
    return {"language": "en", **values}


BAD = [
    ({"offences_from": "2026-05-01", "offences_to": "2026-04-01"}, "offences_to", "before"),
    ({"executing_state": "FR"}, "executing_state", "not a state party"),
    ({"offence_categories": ["piracy_of_the_high_seas"]}, "offence_categories", "not one of"),
    ({"facts_summary": "x" * 100_000}, "facts_summary", "at most 20,000"),
    ({"authority_file": "y" * 501}, "authority_file", "at most 500"),
    ({"signed_on": "31/12/2026"}, "signed_on", "YYYY-MM-DD"),
    ({"signed_on": "9999-01-01"}, "signed_on", "between 1900 and 2100"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD)
def test_bad_value_is_named_on_its_field(change, field, message, client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"])
    bundle_entries = select(db.func.count()).where(AuditEntry.operation.like("bundle.%"))
    before = db.session.scalar(bundle_entries)
    auth.login(crew.nl_member.user)
    response = client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/edit",
        data=_form(COMPLETE["eio"] | change),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    assert f'id="f-{field}"' in page or f'name="{field}"' in page
    assert message in page
    db.session.refresh(bundle)
    assert bundle.values == COMPLETE["eio"]
    assert db.session.scalar(bundle_entries) == before


def test_bad_numbers_are_bounded(client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "eaw", COMPLETE["eaw"])
    auth.login(crew.nl_member.user)
    for raw in ("-5", "12.5", "99999999999999999999"):
        response = client.post(
            f"/t/{crew.team.code}/requests/{bundle.number}/edit",
            data=_form(COMPLETE["eaw"] | {"max_penalty_months": raw}),
        )
        assert response.status_code == 400
        assert "whole number" in response.get_data(as_text=True)


def test_eaw_penalty_thresholds(crew, make_bundle):
    from evidence.bundles import services

    # Under three years an offence is described, not ticked on the list (Art. 2(2)).
    off_the_list = COMPLETE["eaw"] | {"max_penalty_months": 11, "other_offences": "Theft."}
    off_the_list.pop("offence_categories")
    bundle = make_bundle(crew.nl_member, "eaw", off_the_list)
    assert any(p.field == "max_penalty_months" for p in services.problems(bundle))
    execution = COMPLETE["eaw"] | {
        "purpose": "execution",
        "sentence_months": 3,
        "remaining_months": 3,
        "appeared_in_person": "yes",
    }
    bundle = make_bundle(crew.nl_member, "eaw", execution)
    assert any(p.field == "sentence_months" for p in services.problems(bundle))
    bundle = make_bundle(crew.nl_member, "eaw", execution | {"sentence_months": 4})
    assert services.problems(bundle) == []


def test_instrument_territory_rules(crew, make_bundle):
    from evidence.bundles import services

    eio_to_serbia = COMPLETE["eio"] | {"executing_state": "other", "executing_state_other": "RS"}
    bundle = make_bundle(crew.nl_member, "eio", eio_to_serbia)
    assert any("mutual legal assistance" in p.message for p in services.problems(bundle))
    extradition_in_eu = COMPLETE["extradition"] | {"executing_state": "DE"}
    bundle = make_bundle(crew.nl_member, "extradition", extradition_in_eu)
    assert any("European Arrest Warrant" in p.message for p in services.problems(bundle))


def test_empty_evidence_for_a_type_that_needs_it(client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "tracing", COMPLETE["tracing"])
    auth.login(crew.nl_leader.user)
    client.post(f"/t/{crew.team.code}/requests/{bundle.number}/finalise")
    db.session.refresh(bundle)
    assert not bundle.is_final
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)
    assert "This type of request needs evidence" in page


def test_unknown_type_and_state_on_creation(client, auth, crew):
    auth.login(crew.nl_member.user)
    for data, message in [
        ({"request_type": "warrant"}, "Choose one of the types"),
        ({"request_type": "mla", "executing_state": "XX"}, "Choose a state"),
    ]:
        response = client.post(f"/t/{crew.team.code}/requests/new", data=data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Bundle)) == 0


def test_huge_numbers_in_urls_are_not_found(client, auth, crew):
    auth.login(crew.nl_member.user)
    assert client.get(f"/t/{crew.team.code}/requests/99999999999999999999/").status_code == 404


def test_saving_a_final_bundle_is_refused_by_the_service(crew, make_bundle):
    from evidence.bundles import forms, services
    from tests.bundles.conftest import finalise

    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    finalise(crew.nl_leader, bundle)
    with pytest.raises(services.BundleError, match="final"):
        services.save_values(
            access_of(crew.nl_member), bundle, forms.from_mapping(COMPLETE["mla"]), "en"
        )


@pytest.mark.parametrize("raw", ["²", "١٢", "12²", "⑫"])
def test_digits_other_than_ascii_are_named_not_a_server_error(raw, client, auth, crew, make_bundle):
    """str.isdigit() takes "²", which int() then refuses: once a 500."""
    bundle = make_bundle(crew.nl_member, "eaw", COMPLETE["eaw"])
    auth.login(crew.nl_member.user)
    response = client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/edit",
        data=_form(COMPLETE["eaw"] | {"max_penalty_months": raw}),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a whole number." in page
    assert "nothing was saved" in page
    db.session.refresh(bundle)
    assert bundle.values["max_penalty_months"] == COMPLETE["eaw"]["max_penalty_months"]


CHOOSE = "Choose one of the choices offered."


@pytest.mark.parametrize(
    ("request_type", "values", "field", "message"),
    [
        ("eio", {"person_status": ["suspect"]}, "person_status", CHOOSE),
        ("eio", {"is_urgent": ["yes", "no"]}, "is_urgent", CHOOSE),
        ("eio", {"executing_state": ["DE"]}, "executing_state", CHOOSE),
        ("eio", {"executing_state": 7}, "executing_state", CHOOSE),
        ("eaw", {"sex": ["male"]}, "sex", CHOOSE),
        ("eaw", {"max_penalty_months": "²"}, "max_penalty_months", "Enter a whole number."),
        ("eaw", {"max_penalty_months": ["12"]}, "max_penalty_months", "Enter a whole number."),
        ("eaw", {"max_penalty_months": "٣"}, "max_penalty_months", "Enter a whole number."),
        # A number, but not in the field's range: said so, typed with a sign or imported.
        ("eaw", {"max_penalty_months": "-3"}, "max_penalty_months", "Enter a whole number from"),
        ("eaw", {"max_penalty_months": -3}, "max_penalty_months", "Enter a whole number from"),
        (
            "eaw",
            {"max_penalty_months": "9" * 5000},
            "max_penalty_months",
            "Enter a whole number from",
        ),
    ],
)
def test_a_list_or_a_stray_digit_is_named_on_import(
    request_type, values, field, message, client, auth, crew
):
    """The import's schema lets an array through where the form has one choice (once a
    TypeError), and a string of any digits where it has a number (once a ValueError)."""
    from tests.bundles.test_json import _import

    auth.login(crew.nl_member.user)
    document = {
        "schema": "jit-workspace/request/v1",
        "type": request_type,
        "language": "en",
        "values": values,
    }
    response = _import(client, crew.team.code, document)
    assert response.status_code == 400
    assert f"values/{field}: {message}" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Bundle)) == 0
