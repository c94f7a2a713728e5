"""Judicial review: sharing a final request with a reviewer, who sees that and nothing else."""

import pytest
from sqlalchemy import select

from evidence.bundles import review, services
from evidence.bundles.models import BundleReview, BundleShare
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise


@pytest.fixture
def shared_world(crew, make_bundle, make_item, make_membership):
    """A final EIO with one item, another item outside it, and an unshared final request."""
    inside = make_item(crew.nl_member, title="Bank ledger", files=[("ledger.txt", b"ledger " * 20)])
    outside = make_item(crew.nl_member, title="Wiretap log", files=[("tap.txt", b"tap " * 20)])
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[inside])
    finalise(crew.nl_leader, bundle)
    other = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[outside])
    finalise(crew.nl_leader, other)
    judge = make_membership(crew.team, "reviewer", "NL")
    return bundle, other, inside, outside, judge


def _share(crew, bundle, judge):
    review.share(access_of(crew.nl_leader), bundle, judge.id)
    db.session.commit()


def test_a_leader_shares_and_unshares_with_a_reviewer_audited(client, auth, crew, shared_world):
    bundle, _other, _inside, _outside, judge = shared_world
    auth.login(crew.nl_leader.user)
    base = f"/t/{crew.team.code}/requests/{bundle.number}"
    assert client.post(f"{base}/share", data={"membership": judge.id}).status_code == 302
    assert db.session.scalar(select(BundleShare).where(BundleShare.bundle_id == bundle.id))
    assert "Shared with" in client.get(f"{base}/").get_data(as_text=True)
    assert client.post(f"{base}/unshare", data={"membership": judge.id}).status_code == 302
    assert db.session.scalar(select(BundleShare).where(BundleShare.bundle_id == bundle.id)) is None
    operations = db.session.scalars(
        select(AuditEntry.operation).where(AuditEntry.operation.like("bundle.%share"))
    ).all()
    assert operations == ["bundle.share", "bundle.unshare"]


def test_sharing_with_a_non_reviewer_or_non_member_is_refused(
    client, auth, crew, shared_world, make_team, make_membership
):
    bundle, *_rest = shared_world
    stranger = make_membership(make_team(), "reviewer", "NL")
    auth.login(crew.nl_leader.user)
    base = f"/t/{crew.team.code}/requests/{bundle.number}"
    page = client.post(
        f"{base}/share", data={"membership": crew.de_member.id}, follow_redirects=True
    )
    assert "is a member here, not a reviewer" in page.get_data(as_text=True)
    page = client.post(f"{base}/share", data={"membership": stranger.id}, follow_redirects=True)
    assert "Choose a member of this team" in page.get_data(as_text=True)
    page = client.post(f"{base}/share", data={"membership": "x"}, follow_redirects=True)
    assert "Choose a member of this team" in page.get_data(as_text=True)
    # Digits str.isdigit() takes but int() refuses (once a 500), and digits int() reads.
    judge = shared_world[-1]
    arabic = str(judge.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for raw in ("²", "①", arabic):
        for action in ("share", "unshare"):
            page = client.post(f"{base}/{action}", data={"membership": raw}, follow_redirects=True)
            assert page.status_code == 200, (action, raw)
            assert "Choose a member of this team" in page.get_data(as_text=True), (action, raw)
    assert db.session.scalar(select(BundleShare)) is None


def test_only_the_coordinator_or_the_drafting_partys_leader_shares(crew, shared_world, make_bundle):
    bundle, _other, _inside, _outside, judge = shared_world
    for membership in (crew.nl_member, crew.de_leader):
        with pytest.raises(services.BundleError, match="Only the coordinator or a leader of NL"):
            review.share(access_of(membership), bundle, judge.id)
    draft = make_bundle(crew.nl_member, "mla")
    with pytest.raises(services.BundleError, match="only a final request"):
        review.share(access_of(crew.nl_leader), draft, judge.id)
    coordinator = crew.team.memberships[0]
    assert coordinator.role == "coordinator"
    review.share(access_of(coordinator), bundle, judge.id)
    db.session.commit()


def test_a_reviewer_sees_only_what_is_shared_404_elsewhere(client, auth, crew, shared_world):
    bundle, other, inside, outside, judge = shared_world
    code = crew.team.code
    auth.login(judge.user)
    # Nothing shared yet: the review page explains what will appear.
    page = client.get(f"/t/{code}/review/").get_data(as_text=True)
    assert "Nothing has been shared with you in this team yet." in page
    _share(crew, bundle, judge)
    page = client.get(f"/t/{code}/review/").get_data(as_text=True)
    assert bundle.label in page
    assert other.label not in page
    assert client.get(f"/t/{code}/requests/{bundle.number}/").status_code == 200
    assert client.get(f"/t/{code}/requests/{bundle.number}/request.pdf").status_code == 200
    assert client.get(f"/t/{code}/requests/{other.number}/").status_code == 404
    assert client.get(f"/t/{code}/requests/{other.number}/request.pdf").status_code == 404
    assert client.get(f"/t/{code}/requests/{other.number}/package.zip").status_code == 404
    assert client.post(f"/t/{code}/requests/{other.number}/verify").status_code == 404
    assert client.post(f"/t/{code}/requests/{other.number}/review").status_code == 404
    for item, expected in ((inside, 200), (outside, 404)):
        base = f"/t/{code}/evidence/{item.exhibit_number}"
        assert client.get(base).status_code == expected
        assert client.get(f"{base}/files/{item.files[0].id}").status_code == expected
        assert client.get(f"{base}/custody-report.pdf").status_code == expected
        assert client.get(f"{base}/custody.jsonl").status_code == expected
    item_page = client.get(f"/t/{code}/evidence/{inside.exhibit_number}").get_data(as_text=True)
    assert "Chain of custody" in item_page
    assert "exported" in item_page
    assert "matches its hash" in item_page  # the custody report above verified the files
    # Unsharing closes everything again.
    review.unshare(access_of(crew.nl_leader), bundle, judge.id)
    db.session.commit()
    assert client.get(f"/t/{code}/requests/{bundle.number}/").status_code == 404
    assert client.get(f"/t/{code}/evidence/{inside.exhibit_number}").status_code == 404


def test_the_team_overview_shows_a_reviewer_no_activity_or_members(
    client, auth, crew, shared_world
):
    bundle, _other, _inside, _outside, judge = shared_world
    _share(crew, bundle, judge)
    auth.login(judge.user)
    page = client.get(f"/t/{crew.team.code}/").get_data(as_text=True)
    assert "Recent activity" not in page
    assert crew.nl_member.user.display_name not in page
    assert "Requests shared with you" in page
    assert client.get(f"/t/{crew.team.code}/requests/").status_code == 403
    assert client.get(f"/t/{crew.team.code}/audit").status_code == 403


def test_a_reviewer_records_a_decision_shown_to_the_team(client, auth, crew, shared_world):
    bundle, _other, _inside, _outside, judge = shared_world
    _share(crew, bundle, judge)
    auth.login(judge.user)
    url = f"/t/{crew.team.code}/requests/{bundle.number}/review"
    refused = client.post(url, data={"decision": "questions", "note": ""})
    assert refused.status_code == 400
    assert "Say in the note" in refused.get_data(as_text=True)
    refused = client.post(url, data={"decision": "maybe", "note": "x"})
    assert refused.status_code == 400
    assert db.session.scalar(select(BundleReview)) is None
    note = "Was the <seal> number checked on arrival?"
    assert client.post(url, data={"decision": "questions", "note": note}).status_code == 302
    stored = db.session.scalar(select(BundleReview))
    assert (stored.decision, stored.reviewer_id) == ("questions", judge.user.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "bundle.review"))
    assert entry.new_values["decision"] == "questions"
    assert note not in str(entry.new_values)  # the audit log keeps a hash of the note
    auth.logout()
    auth.login(crew.nl_member.user)
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)
    assert "Questions" in page
    assert "Was the &lt;seal&gt; number checked" in page
    # A member of the drafting party records no decision.
    assert client.post(url, data={"decision": "admissible"}).status_code == 403


def test_the_coordinator_reaches_final_requests_to_share_them_but_no_drafts(
    client, auth, crew, shared_world, make_bundle
):
    bundle, _other, _inside, _outside, judge = shared_world
    draft = make_bundle(crew.nl_member, "mla")
    coordinator = crew.team.memberships[0]
    assert coordinator.role == "coordinator"
    auth.login(coordinator.user)
    code = crew.team.code
    listing = client.get(f"/t/{code}/requests/").get_data(as_text=True)
    assert f">{bundle.label}<" in listing
    assert f">{draft.label}<" not in listing
    assert "New request" not in listing
    assert client.get(f"/t/{code}/requests/{draft.number}/").status_code == 404
    assert client.get(f"/t/{code}/requests/new").status_code == 403
    assert client.get(f"/t/{code}/requests/import").status_code == 403
    base = f"/t/{code}/requests/{bundle.number}"
    assert client.post(f"{base}/share", data={"membership": judge.id}).status_code == 302
    assert db.session.scalar(select(BundleShare).where(BundleShare.membership_id == judge.id))
    # Tracking stays with the drafting party.
    assert client.post(f"{base}/status", data={"status": "sent"}).status_code == 403


def test_review_and_tracking_outside_a_request_are_attributed_to_the_acting_member(
    crew, shared_world
):
    # The demo and the command line call the services with no signed-in user: the audit
    # entries must still name who shared, decided, verified and tracked.
    from evidence.bundles import tracking, tracking_services
    from jit.clock import utcnow

    bundle, _other, _inside, _outside, judge = shared_world
    leader, reviewer = access_of(crew.nl_leader), access_of(judge)
    review.share(leader, bundle, judge.id)
    review.record_review(reviewer, bundle, "admissible", "")
    review.verify_package(reviewer, bundle)
    tracking_services.change_status(leader, bundle, "sent", occurred_on=tracking.today(utcnow()))
    review.unshare(leader, bundle, judge.id)
    db.session.commit()
    actors = dict(
        db.session.execute(
            select(AuditEntry.operation, AuditEntry.user_id).where(
                AuditEntry.operation.in_(
                    ("bundle.share", "bundle.review", "bundle.status", "bundle.unshare")
                )
            )
        ).all()
    )
    assert actors == {
        "bundle.share": crew.nl_leader.user.id,
        "bundle.review": judge.user.id,
        "bundle.status": crew.nl_leader.user.id,
        "bundle.unshare": crew.nl_leader.user.id,
    }
