"""The one place that decides which evidence items a member sees, and loads them.

Every list, count, page, download, report and CLI command goes through
:func:`visible_items_filter` (SQL) or :func:`load_item` (one item): an item a person may
not see does not exist for them (404), and its existence is not leaked.

Visibility (DESIGN.md §3): ``team`` — every member allowed to read evidence; ``party`` —
members of the originating party; ``leaders`` — the team's leaders. The person who
recorded an item always sees it. Participants read evidence only where the agreement
grants it; without a grant they see their own party's items (e.g. their analysis
products). Reviewers see only the items of bundles shared with them, which the bundles
package names through ``signals.shared_evidence``.
"""

from flask import abort, url_for
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from evidence.models import EvidenceItem, Visibility
from jit import signals
from jit.extensions import db
from jit.permissions import Permission, refusal
from jit.teams.access import TeamAccess, load_team


def participants_may_read(team, user) -> bool:
    """Whether the agreement lets this participant read the team's evidence.

    The agreements package answers through ``signals.participants_read_evidence``:
    yes only if a receiver says yes and none says no; with no answer, nobody is granted it.
    """
    answers = signals.values(signals.participants_read_evidence, team, user=user)
    return bool(answers) and all(answers)


def may_read_evidence(access: TeamAccess) -> bool:
    """Whether the member may read any of the team's evidence at all."""
    return access.can(Permission.READ_EVIDENCE) or access.can(Permission.READ_EVIDENCE_IF_AGREED)


def reads_evidence_of_the_team(access: TeamAccess) -> bool:
    """Whether the member reads the team's evidence, by role or by the agreement's grant."""
    if access.can(Permission.READ_EVIDENCE):
        return True
    return access.can(Permission.READ_EVIDENCE_IF_AGREED) and participants_may_read(
        access.team, access.user
    )


def shared_item_ids(access: TeamAccess) -> list:
    """Return SQL selects of the ids of the items shared with this reviewer (may be empty)."""
    if not access.can(Permission.READ_SHARED_EVIDENCE):
        return []
    return signals.values(signals.shared_evidence, access)


def visible_items_filter(access: TeamAccess):
    """Return a SQL condition on :class:`EvidenceItem` for the items ``access`` may see."""
    item = EvidenceItem
    if access.can(Permission.READ_SHARED_EVIDENCE):
        shared = [item.id.in_(ids) for ids in shared_item_ids(access)]
        return and_(item.team_id == access.team.id, or_(*shared)) if shared else false()
    if not may_read_evidence(access):
        return false()
    in_team = item.team_id == access.team.id
    own_party = item.party_id == access.party.id
    own_record = item.created_by_id == access.user.id
    if not reads_evidence_of_the_team(access):
        return and_(
            in_team, or_(and_(own_party, item.visibility != Visibility.LEADERS), own_record)
        )
    by_visibility = [
        item.visibility == Visibility.TEAM.value,
        and_(item.visibility == Visibility.PARTY.value, own_party),
        own_record,
    ]
    if access.can(Permission.READ_LEADERS_EVIDENCE):
        by_visibility.append(item.visibility == Visibility.LEADERS.value)
    return and_(in_team, or_(*by_visibility))


def openable_exhibits(access: TeamAccess, team_id: int, numbers: set[str]) -> set[str]:
    """Return which of ``numbers`` (exhibit numbers of the team) ``access`` may open: one query."""
    if not numbers:
        return set()
    return set(
        db.session.scalars(
            select(EvidenceItem.exhibit_number).where(
                EvidenceItem.team_id == team_id,
                EvidenceItem.exhibit_number.in_(numbers),
                visible_items_filter(access),
            )
        )
    )


def may_add_item(access: TeamAccess) -> bool:
    return access.can(Permission.ADD_EVIDENCE) or access.can(Permission.ADD_ANALYSIS)


def why_not_add_item(access: TeamAccess) -> str:
    """Say why ``access`` may not add an item (its role), for the page and the 403."""
    return refusal(access.role, Permission.ADD_EVIDENCE) + (
        " Participants add analysis products of their own."
    )


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


def visible_ids(access: TeamAccess, item_ids) -> set[int]:
    """Return those of ``item_ids`` that ``access`` may open, in one query."""
    wanted = {item_id for item_id in item_ids if item_id is not None}
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            select(EvidenceItem.id).where(EvidenceItem.id.in_(wanted), visible_items_filter(access))
        )
    )


def exhibit_links(access: TeamAccess, references: list[str]) -> dict[str, str]:
    """Link the referenced exhibits ``access`` may see; the others are left out.

    Connected to ``signals.exhibit_links`` in ``init_app``: the chat asks it, and an
    item the reader may not see gets the same answer as one that does not exist.
    """
    numbers = db.session.scalars(
        select(EvidenceItem.exhibit_number)
        .where(EvidenceItem.exhibit_number.in_([ref.upper() for ref in references]))
        .where(visible_items_filter(access))
    )
    return {
        number: url_for("evidence.item", code=access.team.code, exhibit=number)
        for number in numbers
    }
