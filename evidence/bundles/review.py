"""Judicial review: share a final bundle with a reviewer, check its package, record a decision.

Every write here has its audit entry in the same transaction; a refusal raises
:class:`BundleError` before anything is written.
"""

from sqlalchemy import select

from evidence.bundles import package_adapter
from evidence.bundles.access import may_review, may_share
from evidence.bundles.models import Bundle, BundleReview, BundleShare, ReviewDecision
from evidence.bundles.services import BundleError
from jit.audit.services import record
from jit.canonical import sha256_hex
from jit.extensions import db
from jit.permissions import Role
from jit.teams.access import TeamAccess
from jit.teams.models import Membership

MAX_NOTE = 10_000


def shares_of(bundle: Bundle) -> list[BundleShare]:
    return list(
        db.session.scalars(
            select(BundleShare).where(BundleShare.bundle_id == bundle.id).order_by(BundleShare.id)
        )
    )


def reviews_of(bundle: Bundle) -> list[BundleReview]:
    return list(
        db.session.scalars(
            select(BundleReview)
            .where(BundleReview.bundle_id == bundle.id)
            .order_by(BundleReview.id)
        )
    )


def _membership(bundle: Bundle, membership_id) -> Membership:
    membership = None
    if isinstance(membership_id, int) and 0 < membership_id < 2**31:
        membership = db.session.get(Membership, membership_id)
    if membership is None or membership.team_id != bundle.team_id:
        raise BundleError("Choose a member of this team to share with.", "membership")
    return membership


def _only_sharers(bundle: Bundle, verb: str) -> str:
    party = bundle.party.short_label
    return f"Only the coordinator or a leader of {party} may {verb} {bundle.label}."


def share(access: TeamAccess, bundle: Bundle, membership_id) -> BundleShare:
    """Let a reviewer of the team read ``bundle`` and its items."""
    if not bundle.is_final:
        raise BundleError(f"{bundle.label} is a draft; only a final request is shared for review.")
    if not may_share(access, bundle):
        raise BundleError(_only_sharers(bundle, "share"))
    membership = _membership(bundle, membership_id)
    if membership.role != Role.REVIEWER.value:
        raise BundleError(
            f"{membership.user.display_name} is a {membership.role} here, not a reviewer; "
            "requests are shared for review with reviewers only.",
            "membership",
        )
    if any(shared.membership_id == membership.id for shared in shares_of(bundle)):
        raise BundleError(f"{bundle.label} is already shared with {membership.user.display_name}.")
    shared = BundleShare(
        bundle_id=bundle.id, membership_id=membership.id, shared_by_id=access.user.id
    )
    db.session.add(shared)
    db.session.flush()
    record(
        "bundle.share",
        team=access.team,
        actor=access.user,
        target=bundle,
        new={"bundle": bundle.label, "reviewer": membership.user.display_name},
    )
    return shared


def unshare(access: TeamAccess, bundle: Bundle, membership_id) -> None:
    """Take ``bundle`` back from a reviewer; their earlier decisions stay on record."""
    if not may_share(access, bundle):
        raise BundleError(_only_sharers(bundle, "unshare"))
    membership = _membership(bundle, membership_id)
    shared = next((s for s in shares_of(bundle) if s.membership_id == membership.id), None)
    if shared is None:
        raise BundleError(f"{bundle.label} is not shared with {membership.user.display_name}.")
    db.session.delete(shared)
    record(
        "bundle.unshare",
        team=access.team,
        actor=access.user,
        target=bundle,
        old={"bundle": bundle.label, "reviewer": membership.user.display_name},
    )


def record_review(access: TeamAccess, bundle: Bundle, decision: str, note: str) -> BundleReview:
    """Record the reviewer's decision on ``bundle`` with their note."""
    if not may_review(access):
        raise BundleError("Only a reviewer records a review decision.")
    if decision not in ReviewDecision.__members__.values():
        raise BundleError("Choose admissible, questions or not admissible.", "decision")
    note = (note or "").strip()
    if "\x00" in note:
        raise BundleError("The note contains a NUL character; type it again.", "note")
    if len(note) > MAX_NOTE:
        raise BundleError(f"The note is longer than {MAX_NOTE:,} characters.", "note")
    if decision != ReviewDecision.ADMISSIBLE.value and not note:
        raise BundleError("Say in the note what the questions or the objections are.", "note")
    review = BundleReview(
        bundle_id=bundle.id,
        reviewer_id=access.user.id,
        reviewer_name=access.user.display_name,
        decision=decision,
        note=note,
    )
    db.session.add(review)
    db.session.flush()
    record(
        "bundle.review",
        team=access.team,
        actor=access.user,
        target=bundle,
        new={
            "bundle": bundle.label,
            "decision": decision,
            "note_sha256": sha256_hex(note.encode()),
        },
    )
    return review


def verify_package(access: TeamAccess, bundle: Bundle) -> list[package_adapter.Check] | None:
    """Check the bundle's package on the server and audit the outcome; None if it has none."""
    path = package_adapter.package_file(bundle)
    if path is None or not path.exists():
        return None
    checks = package_adapter.verify(path, bundle)
    record(
        "bundle.verify",
        team=access.team,
        actor=access.user,
        target=bundle,
        new={
            "bundle": bundle.label,
            "intact": bool(checks) and all(check.ok for check in checks),
            "failed": [check.name for check in checks if not check.ok],
        },
    )
    return checks
