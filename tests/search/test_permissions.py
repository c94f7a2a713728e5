"""Results, totals and facets count only what the caller may read at its source."""

import pytest
from sqlalchemy import select

from evidence.access import visible_items_filter
from evidence.models import EvidenceItem
from jit.extensions import db
from jit.teams.access import TeamAccess
from search import services


def _search(access, text, **filters):
    from flask import current_app

    with current_app.test_request_context():
        outcome = services.run([access], services.SearchRequest(text=text, filters=filters))
    db.session.commit()
    assert outcome.error is None, outcome.error
    return outcome


def _access(membership):
    return TeamAccess(team=membership.team, membership=membership)


def test_a_party_item_is_absent_from_other_parties_results_and_counts(
    app, case, make_item, index, search_as
):
    make_item(case.nl_member, title="Wiretap summary", description="Heroin route via Antwerp")
    make_item(
        case.nl_member,
        title="Informant debrief",
        description="Heroin stash named by the informant",
        visibility="party",
        handling_code="H2",
    )
    index()

    _status, nl = search_as(case.nl_member.user, "heroin", team=case.team.code)
    assert nl["total"] == 2
    assert nl["facets"]["handling"] == {"H0": 1, "H2": 1}

    _status, de = search_as(case.de_member.user, "heroin", team=case.team.code)
    assert de["total"] == 1
    assert [hit["title"] for hit in de["hits"]] == ["NL-0001 Wiretap summary"]
    assert de["facets"]["handling"] == {"H0": 1}
    assert de["facets"]["kind"] == {"item": 1}
    # Its custody notes are kept from DE's counts too.
    _status, de_all = search_as(case.de_member.user, "exhibit:NL-0002", team=case.team.code)
    assert de_all["total"] == 0


def test_a_leaders_only_item_is_found_by_leaders_only(app, case, make_item, index, search_as):
    make_item(case.nl_member, title="Undercover plan", description="Falcon", visibility="leaders")
    index()
    assert search_as(case.nl_leader.user, "falcon", team=case.team.code)[1]["total"] == 1
    assert search_as(case.de_member.user, "falcon", team=case.team.code)[1]["total"] == 0


def test_a_reviewer_finds_only_the_items_of_requests_shared_with_them(
    app, case, make_item, make_membership, index, search_as
):
    from evidence.bundles import forms, review
    from evidence.bundles import services as bundles
    from evidence.bundles.pdf import request_pdf
    from tests.bundles.conftest import COMPLETE

    reviewer = make_membership(case.team, "reviewer", "EUROJUST")
    shared = make_item(case.nl_member, title="Ledger", description="Falcon shipment")
    make_item(case.nl_member, title="Wiretap", description="Falcon call")
    make_item(case.nl_member, title="Plan", description="Falcon raid", visibility="leaders")
    index()
    status, body = search_as(reviewer.user, "falcon", team=case.team.code)
    assert (status, body["total"]) == (200, 0)  # nothing shared yet: nothing found

    leader = _access(case.nl_leader)
    bundle = bundles.create_bundle(leader, "eio")
    bundles.save_values(leader, bundle, forms.from_mapping(COMPLETE["eio"]), "en")
    bundles.select_evidence(leader, bundle, [shared.id])
    bundles.finalise(leader, bundle, lambda document: request_pdf(document, sign=True))
    review.share(leader, bundle, reviewer.id)
    db.session.commit()
    index()
    status, body = search_as(reviewer.user, "falcon", team=case.team.code)
    assert status == 200
    assert [hit["title"] for hit in body["hits"]] == ["NL-0001 Ledger"]
    assert body["total"] == 1
    assert body["facets"]["kind"] == {"item": 1}
    _status, everywhere = search_as(reviewer.user, "falcon")
    assert everywhere["total"] == 1
    # The shared item's custody events are found too; the others' are not.
    _status, own = search_as(reviewer.user, "exhibit:NL-0001", team=case.team.code)
    assert own["facets"]["kind"].get("custody", 0) >= 2  # collected/uploaded, exported
    _status, custody = search_as(reviewer.user, "exhibit:NL-0002", team=case.team.code)
    assert custody["total"] == 0


def test_search_tokens_give_the_same_items_as_the_evidence_register(
    app, case, make_item, make_membership, index
):
    """Every role and party finds exactly the items the evidence register shows them."""
    from jit.teams.models import Membership

    participant = make_membership(case.team, "participant", "DE")
    coordinator = db.session.scalar(
        select(Membership).where(
            Membership.team_id == case.team.id, Membership.role == "coordinator"
        )
    )
    recorders = [case.nl_member, case.de_member, case.nl_leader]
    for recorder in recorders:
        for visibility in ("team", "party", "leaders"):
            make_item(recorder, title=f"Matrix {visibility}", description="matrixword")
    make_item(
        participant,
        title="Analysis",
        description="matrixword",
        parent_exhibit="DE-0001",
        derivation="analysis",
        visibility="leaders",
    )
    index()
    readers = [*recorders, participant, coordinator]
    for membership in readers:
        access = _access(membership)
        expected = set(
            db.session.scalars(
                select(EvidenceItem.exhibit_number).where(visible_items_filter(access))
            )
        )
        found = _search(access, "matrixword", kind="item")
        assert {hit.exhibit for hit in found.results.hits} == expected, membership.role
        assert found.results.total == len(expected)


@pytest.mark.parametrize(
    ("visibility", "finders"),
    [("team", {"NL", "NL leader", "DE leader"}), ("party", {"NL", "NL leader"})],
)
def test_a_request_quoting_restricted_evidence_is_found_only_by_who_may_open_it(
    app, case, make_item, make_membership, index, search_as, visibility, finders
):
    """A tracing request copies its firearm's serial; leaders see every request, but the
    text of one holding an NL party-only item is not for the DE leader."""
    from evidence.bundles import forms
    from evidence.bundles import services as bundles
    from tests.bundles.conftest import COMPLETE

    de_leader = make_membership(case.team, "leader", "DE")
    pistol = make_item(case.nl_member, title="Pistol", visibility=visibility)
    member = _access(case.nl_member)
    bundle = bundles.create_bundle(member, "tracing")
    values = COMPLETE["tracing"] | {"serial_frame": "ZX778899"}
    bundles.save_values(member, bundle, forms.from_mapping(values), "en")
    bundles.select_evidence(member, bundle, [pistol.id])
    db.session.commit()
    index()
    people = {
        "NL": case.nl_member,
        "NL leader": case.nl_leader,
        "DE leader": de_leader,
        "DE": case.de_member,
    }
    found = {
        name
        for name, membership in people.items()
        if search_as(membership.user, "ZX778899", team=case.team.code)[1]["total"]
    }
    assert found == finders
