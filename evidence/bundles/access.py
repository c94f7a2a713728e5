"""Who sees and who may change a bundle, and the one loader views use.

Drafts and final bundles are visible to the drafting party's members who may draft
bundles, and to every leader of the team (who may have to consent to their items
going out); the coordinator sees final bundles (to share them for review); a reviewer
sees the final bundles shared with them (and their items, through
:func:`shared_evidence`); everyone else gets 404, so a bundle's existence does not leak.
"""

from flask import abort
from sqlalchemy import and_, false, select

from evidence.bundles.models import Bundle, BundleItem, BundleShare, BundleStatus
from jit.extensions import db
from jit.permissions import Permission, Role
from jit.teams.access import TeamAccess, load_team


def visible_bundles_filter(access: TeamAccess):
    """Return a SQL condition on :class:`Bundle` for the bundles ``access`` may see."""
    if access.can(Permission.REVIEW_BUNDLE):
        return and_(Bundle.team_id == access.team.id, Bundle.id.in_(_shared_bundle_ids(access)))
    in_team = Bundle.team_id == access.team.id
    if not access.can(Permission.DRAFT_BUNDLE):
        if access.can(Permission.SHARE_BUNDLE):  # the coordinator: final ones, to share them
            return and_(in_team, Bundle.status == BundleStatus.FINAL.value)
        return false()
    if access.role is Role.LEADER:
        return in_team
    return and_(in_team, Bundle.party_id == access.party.id)


def may_edit(access: TeamAccess, bundle: Bundle) -> bool:
    """Whether the member may change the draft: a drafter of the drafting party."""
    return (
        not bundle.is_final
        and access.can(Permission.DRAFT_BUNDLE)
        and access.party.id == bundle.party_id
    )


def may_finalise(access: TeamAccess, bundle: Bundle) -> bool:
    """Whether the member may finalise: the drafting party's leader."""
    return (
        not bundle.is_final
        and access.can(Permission.RELEASE_BUNDLE)
        and access.party.id == bundle.party_id
    )


def load_bundle_for(access: TeamAccess, number: int) -> Bundle:
    """Return bundle ``number`` of the team if ``access`` may see it, else abort 404."""
    if not 0 < number < 2**31:  # beyond any stored number (and PostgreSQL's integer)
        abort(404)
    bundle = db.session.scalar(
        select(Bundle).where(Bundle.number == number).where(visible_bundles_filter(access))
    )
    if bundle is None:
        abort(404)
    return bundle


def load_bundle(code: str, number: int) -> tuple[TeamAccess, Bundle]:
    """Load the team in the URL and one of its bundles for the signed-in person, or 404."""
    access = load_team(code)
    return access, load_bundle_for(access, number)


def load_bundles_team(code: str) -> TeamAccess:
    """Load the team for the bundle pages: 404 for non-members, 403 for who drafts none.

    The coordinator, who drafts none, reaches the final requests to share them for review.
    """
    access = load_team(code)
    if not (access.can(Permission.DRAFT_BUNDLE) or access.can(Permission.SHARE_BUNDLE)):
        abort(403)
    return access


def _shared_bundle_ids(access: TeamAccess):
    return select(BundleShare.bundle_id).where(BundleShare.membership_id == access.membership.id)


def shared_evidence(access: TeamAccess):
    """Return a select of the ids of the items in bundles shared with this reviewer.

    Connected to ``signals.shared_evidence``: the evidence loader asks it.
    """
    return select(BundleItem.item_id).where(BundleItem.bundle_id.in_(_shared_bundle_ids(access)))


def may_share(access: TeamAccess, bundle: Bundle) -> bool:
    """Whether the member may share the bundle: the coordinator or the drafting party's leader."""
    if not bundle.is_final or not access.can(Permission.SHARE_BUNDLE):
        return False
    return access.role is Role.COORDINATOR or access.party.id == bundle.party_id


def may_track(access: TeamAccess, bundle: Bundle) -> bool:
    """Whether the member may record what happened to the sent request: its drafting party."""
    return (
        bundle.is_final
        and access.can(Permission.TRACK_BUNDLE)
        and access.party.id == bundle.party_id
    )


def may_review(access: TeamAccess) -> bool:
    return access.can(Permission.REVIEW_BUNDLE)


def load_drafting_team(code: str) -> TeamAccess:
    """Load the team for starting a request: 404 for non-members, 403 for who drafts none."""
    return load_team(code, Permission.DRAFT_BUNDLE)


def version_history(access: TeamAccess, bundle: Bundle, limit: int = 100) -> list[Bundle]:
    """Return the versions of ``bundle``'s request that ``access`` sees, oldest first."""
    first, seen = bundle, {bundle.id}
    while first.previous is not None and first.previous_id not in seen and len(seen) < limit:
        first = first.previous
        seen.add(first.id)
    # The walk back reads links, not rows the reader may open: keep only those they see.
    seen_before = set(
        db.session.scalars(
            select(Bundle.id).where(Bundle.id.in_(seen)).where(visible_bundles_filter(access))
        )
    )
    versions, current = [first], first
    while len(versions) < limit:
        current = db.session.scalar(
            select(Bundle)
            .where(Bundle.previous_id == current.id)
            .where(visible_bundles_filter(access))
            .order_by(Bundle.id)
            .limit(1)
        )
        if current is None:
            break
        versions.append(current)
    return [version for version in versions if version.id not in seen or version.id in seen_before]
