"""Dates and numbers that cannot be true are named on their field, and nothing is saved.

A deadline already past, a warrant signed before its decision or in the future, a person
born after the decision or the offences, offences in the future or after the decision
they are judged or sought for, no offence at all, a firearm made before 1800, in the
future or after it was found.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from evidence.bundles import services
from jit.audit.models import AuditEntry
from jit.clock import local_today
from jit.extensions import db
from tests.bundles.conftest import COMPLETE

URGENT = {"is_urgent": "yes", "urgency_reasons": "The account is in use."}

REFUSED = [
    (
        "eio",
        URGENT | {"deadline": "2020-01-01"},
        "deadline",
        "The deadline for execution is in the past.",
    ),
    (
        "mla",
        URGENT | {"deadline": "2020-01-01"},
        "deadline",
        "The date by which execution is requested is in the past.",
    ),
    (
        "eaw",
        {"signed_on": "2026-09-30"},
        "signed_on",
        "The warrant is dated before the decision it is based on.",
    ),
    ("eaw", {"signed_on": "2099-01-01"}, "signed_on", "The date of signature is in the future."),
    (
        "eaw",
        {"date_of_birth": "2026-10-02"},
        "date_of_birth",
        "The date of birth is after the date of the decision.",
    ),
    (
        "eaw",
        {"date_of_birth": "2000-01-01", "offences_from": "1950-01-01"},
        "date_of_birth",
        "The date of birth is after the offences were committed.",
    ),
    (
        "eaw",
        {"offences_from": "2026-10-02"},
        "offences_from",
        "The offences start after the date of the decision.",
    ),
    ("eaw", {"offence_count": "0"}, "offence_count", "Enter a whole number from 1 to 999."),
    (
        "eio",
        {"offences_from": "2099-01-01"},
        "offences_from",
        "The offences are dated in the future.",
    ),
    ("mla", {"offences_to": "2099-12-31"}, "offences_to", "The offences are dated in the future."),
    (
        "extradition",
        {"offences_to": "2099-12-31"},
        "offences_to",
        "The offences are dated in the future.",
    ),
    (
        "extradition",
        {"offences_from": "2026-10-02", "offences_to": "2026-10-03"},
        "offences_from",
        "The offences start after the date of the decision.",
    ),
    (
        "tracing",
        {"year_of_manufacture": "0"},
        "year_of_manufacture",
        "Enter a whole number from 1800 to 2100.",
    ),
    (
        "tracing",
        {"year_of_manufacture": "2099"},
        "year_of_manufacture",
        "The year of manufacture is in the future.",
    ),
    (
        "tracing",
        {"year_of_manufacture": "2026", "recovered_on": "2025-12-31"},
        "year_of_manufacture",
        "The year of manufacture is after the date of recovery.",
    ),
]


def _post(client, crew, bundle, values):
    return client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/edit", data={"language": "en", **values}
    )


@pytest.mark.parametrize(("request_type", "change", "field", "message"), REFUSED)
def test_an_impossible_date_or_number_is_named_and_nothing_saved(
    request_type, change, field, message, client, auth, crew, make_bundle
):
    bundle = make_bundle(crew.nl_member, request_type, COMPLETE[request_type])
    entries = select(db.func.count()).where(AuditEntry.operation.like("bundle.%"))
    before = db.session.scalar(entries)
    auth.login(crew.nl_member.user)
    response = _post(client, crew, bundle, COMPLETE[request_type] | change)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    error = page.index(f'id="f-{field}"')  # the message follows its field
    assert message in page[error : error + 3000]
    db.session.refresh(bundle)
    assert bundle.values == COMPLETE[request_type]
    assert db.session.scalar(entries) == before
    if not message.startswith("Enter"):  # a rule, not the number's bounds
        # The completeness check says the same of a draft that holds it (saved before).
        bundle.values = COMPLETE[request_type] | {
            key: int(value) if key == "year_of_manufacture" else value
            for key, value in change.items()
        }
        assert (field, message) in [(p.field, p.message) for p in services.problems(bundle)]


def test_what_may_be_true_is_saved(client, auth, crew, make_bundle):
    # The drafter's own day: between midnight in their zone and midnight UTC the two differ.
    today = local_today(crew.nl_member.user.time_zone)
    auth.login(crew.nl_member.user)
    accepted = [
        ("eio", URGENT | {"deadline": today.isoformat()}),
        ("mla", URGENT | {"deadline": (today + timedelta(days=30)).isoformat()}),
        # A deadline left in a field that no longer applies is not checked.
        ("eio", {"is_urgent": "no", "deadline": "2020-01-01"}),
        ("eaw", {"signed_on": "2026-10-01", "offences_to": "2026-10-01"}),
        ("eaw", {"date_of_birth": "2000-01-01", "offences_from": "2000-01-01"}),
        ("tracing", {"year_of_manufacture": "1800"}),
        ("tracing", {"year_of_manufacture": "2026", "recovered_on": "2026-04-02"}),
    ]
    for request_type, change in accepted:
        bundle = make_bundle(crew.nl_member, request_type, COMPLETE[request_type])
        response = _post(client, crew, bundle, COMPLETE[request_type] | change)
        assert response.status_code == 302, (change, response.get_data(as_text=True)[:2000])


@pytest.mark.parametrize(("zone", "saved"), [("Europe/Zagreb", True), ("UTC", False)])
def test_today_is_the_drafters_own(zone, saved, client, auth, crew, make_bundle):
    """At 23:30 UTC it is already tomorrow in Zagreb: a warrant signed there on that day
    is not "in the future" for its drafter, and is for one whose day has not turned."""
    from datetime import UTC, datetime

    from jit.clock import frozen

    signed = {"signed_on": "2026-12-06"}
    crew.nl_member.user.time_zone = zone
    db.session.commit()
    with frozen(datetime(2026, 12, 5, 23, 30, tzinfo=UTC)):
        bundle = make_bundle(crew.nl_member, "eaw", COMPLETE["eaw"])
        auth.login(crew.nl_member.user)
        response = _post(client, crew, bundle, COMPLETE["eaw"] | signed)
        db.session.refresh(bundle)
        # The completeness check before finalising reads the date the same way.
        bundle.values = COMPLETE["eaw"] | signed
        reader = services.TeamAccess(team=crew.team, membership=crew.nl_member)
        found = {p.field: p.message for p in services.problems(bundle, reader)}
    assert (response.status_code == 302) is saved, response.get_data(as_text=True)[:2000]
    future = "The date of signature is in the future."
    assert (found.get("signed_on") == future) is not saved
