"""H1/H2 items, and another party's items, go out only with their leader's recorded consent."""

import pytest
from sqlalchemy import select

from evidence.bundles import services
from evidence.bundles.models import BundleConsent
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise


@pytest.mark.parametrize("code", ["H1", "H2"])
def test_restricted_item_blocks_finalising_until_its_leader_consents(
    code, client, auth, crew, make_bundle, make_item
):
    item = make_item(crew.nl_member, handling_code=code, title="Informant debrief")
    bundle = make_bundle(crew.nl_member, "tracing", COMPLETE["tracing"], items=[item])
    problems = [p.message for p in services.problems(bundle)]
    assert any(item.exhibit_number in m and "consent" in m for m in problems)
    with pytest.raises(services.BundleError):
        finalise(crew.nl_leader, bundle)
    db.session.rollback()

    # A member cannot consent, nor can another party's leader.
    for membership in (crew.nl_member, crew.de_leader):
        auth.login(membership.user)
        client.post(
            f"/t/{crew.team.code}/requests/{bundle.number}/consent/{item.id}",
            data={"purpose": "Use in the Serbian proceedings"},
        )
        auth.logout()
    assert db.session.scalar(select(BundleConsent)) is None

    auth.login(crew.nl_leader.user)
    response = client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/consent/{item.id}",
        data={"purpose": "For the tracing of the pistol only"},
    )
    assert response.status_code == 302
    consent = db.session.scalar(select(BundleConsent))
    assert consent.purpose == "For the tracing of the pistol only"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "bundle.consent"))
    assert entry.new_values["purpose"] == "For the tracing of the pistol only"
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)
    assert "For the tracing of the pistol only" in page
    assert services.problems(bundle) == []
    finalise(crew.nl_leader, bundle)
    assert bundle.is_final


def test_consent_needs_a_stated_purpose(crew, make_bundle, make_item):
    item = make_item(crew.nl_member, handling_code="H1")
    bundle = make_bundle(crew.nl_member, "tracing", items=[item])
    with pytest.raises(services.BundleError) as refused:
        services.record_consent(access_of(crew.nl_leader), bundle, item, "   ")
    assert refused.value.field == "purpose"
    with pytest.raises(services.BundleError):
        services.record_consent(access_of(crew.nl_leader), bundle, item, "x" * 2001)


def test_a_nul_in_the_consent_purpose_is_refused(crew, make_bundle, make_item):
    item = make_item(crew.nl_member, handling_code="H1")
    bundle = make_bundle(crew.nl_member, "tracing", items=[item])
    # PostgreSQL refuses NUL in text: a DataError (a 500) there, once.
    with pytest.raises(services.BundleError) as refused:
        services.record_consent(access_of(crew.nl_leader), bundle, item, "a\x00b")
    assert refused.value.field == "purpose"


def test_another_partys_item_needs_its_own_leader(crew, make_bundle, make_item):
    german = make_item(crew.de_member, title="German seizure record")
    bundle = make_bundle(crew.nl_member, "tracing", COMPLETE["tracing"], items=[german])
    assert services.problems(bundle)
    with pytest.raises(services.BundleError):
        services.record_consent(access_of(crew.nl_leader), bundle, german, "Tracing")
    services.record_consent(access_of(crew.de_leader), bundle, german, "Tracing the pistol")
    db.session.commit()
    assert services.problems(bundle) == []


def test_own_h0_items_need_no_consent(crew, make_bundle, make_item):
    item = make_item(crew.nl_member)
    bundle = make_bundle(crew.nl_member, "tracing", COMPLETE["tracing"], items=[item])
    assert services.problems(bundle) == []


def test_h3_conditions_are_shown(client, auth, crew, make_bundle, make_item):
    item = make_item(crew.nl_member, handling_code="H3", handling_conditions="Not to Interpol.")
    bundle = make_bundle(crew.nl_member, "tracing", items=[item])
    auth.login(crew.nl_member.user)
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)
    assert "H3 conditions: Not to Interpol." in page
