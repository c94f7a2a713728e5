"""The one place that decides which evidence items a member sees, and loads them.

Every list, count, page, download, report and CLI command goes through
:func:`visible_items_filter` (SQL) or :func:`load_item` (one item): an item a person may
not see does not exist for them (404), and its existence is not leaked.

Visibility (DESIGN.md §3): ``team`` — every member allowed to read evidence; ``party`` —
members of the originating party; ``leaders`` — the team's leaders. The person who
recorded an item always sees it. Participants read evidence only where the agreement
grants it; without a grant they see their own party's items (e.g. their analysis
products). Reviewers see only items in bundles shared with them (none yet).
"""

from collections.abc import Callable

from flask import abort, current_app
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from evidence.models import EvidenceItem, Visibility
from jit.extensions import db
from jit.permissions import Permission, Role
from jit.teams.access import TeamAccess, load_team

ParticipantGrant = Callable[[object], bool]


def participants_may_read(team, user) -> bool:
    """Whether the agreement lets this participant read the team's evidence.

    The agreements package registers ``app.extensions["participants_read_evidence"]``
    (a callable taking the team and the person); until then nobody is granted it.
    """
    provider = current_app.extensions.get("participants_read_evidence")
    return bool(provider(team, user)) if provider else False


def may_read_evidence(access: TeamAccess) -> bool:
    """Whether the member may read any of the team's evidence at all."""
    if access.can(Permission.READ_EVIDENCE):
        return True
    return access.role is Role.PARTICIPANT


def visible_items_filter(access: TeamAccess):
    """Return a SQL condition on :class:`EvidenceItem` for the items ``access`` may see."""
    item = EvidenceItem
    if not may_read_evidence(access):
        return false()
    in_team = item.team_id == access.team.id
    own_party = item.party_id == access.party.id
    own_record = item.created_by_id == access.user.id
    if access.role is Role.PARTICIPANT and not participants_may_read(access.team, access.user):
        return and_(
            in_team, or_(and_(own_party, item.visibility != Visibility.LEADERS), own_record)
        )
    by_visibility = [
        item.visibility == Visibility.TEAM.value,
        and_(item.visibility == Visibility.PARTY.value, own_party),
        own_record,
    ]
    if access.role is Role.LEADER:
        by_visibility.append(item.visibility == Visibility.LEADERS.value)
    return and_(in_team, or_(*by_visibility))


def may_add_item(access: TeamAccess) -> bool:
    return access.can(Permission.ADD_EVIDENCE) or access.can(Permission.ADD_ANALYSIS)


def load_item(access: TeamAccess, exhibit_number: str) -> EvidenceItem:
    """Return the item with ``exhibit_number`` if ``access`` may see it, else abort 404."""
    item = db.session.scalar(
        select(EvidenceItem)
        .where(EvidenceItem.exhibit_number == exhibit_number.upper())
        .where(visible_items_filter(access))
        .options(
            joinedload(EvidenceItem.party),
            joinedload(EvidenceItem.created_by),
            selectinload(EvidenceItem.tags),
            selectinload(EvidenceItem.files),
        )
    )
    if item is None:
        abort(404)
    return item


def load_team_item(code: str, exhibit_number: str) -> tuple[TeamAccess, EvidenceItem]:
    """Load the team in the URL and one of its items for the signed-in person, or 404."""
    access = load_team(code)
    return access, load_item(access, exhibit_number)


def load_evidence_team(code: str) -> TeamAccess:
    """Load the team for an evidence page: 404 for non-members, 403 for who reads none."""
    access = load_team(code)
    if not may_read_evidence(access):
        abort(403)
    return access


def visible_item_by_id(access: TeamAccess, item_id: int) -> EvidenceItem | None:
    """Return the item with ``item_id`` if ``access`` may see it (for services)."""
    return db.session.scalar(
        select(EvidenceItem).where(EvidenceItem.id == item_id).where(visible_items_filter(access))
    )
