"""Loading firearms, ammunition and tracing requests for a member, and nothing else.

Firearm and ammunition records are part of their evidence item: whoever may not see
the item does not see them (404), through :func:`evidence.access.visible_items_filter`.
Tracing requests are read by every member who reads the team's evidence.
"""

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from evidence.access import load_evidence_team, may_read_evidence, visible_items_filter
from evidence.firearms.models import Ammunition, Firearm, TracingRequest
from evidence.models import EvidenceItem
from jit.extensions import db
from jit.teams.access import TeamAccess


def visible_firearms(access: TeamAccess):
    """Return a query of the firearms ``access`` may see in its team."""
    return (
        select(Firearm)
        .join(EvidenceItem, EvidenceItem.id == Firearm.item_id)
        .where(Firearm.team_id == access.team.id, visible_items_filter(access))
    )


def visible_ammunition(access: TeamAccess):
    return (
        select(Ammunition)
        .join(EvidenceItem, EvidenceItem.id == Ammunition.item_id)
        .where(Ammunition.team_id == access.team.id, visible_items_filter(access))
    )


def load_firearm(access: TeamAccess, firearm_id: int) -> Firearm:
    """Return the firearm if ``access`` may see its item, else abort 404."""
    firearm = db.session.scalar(
        visible_firearms(access)
        .where(Firearm.id == firearm_id)
        .options(
            joinedload(Firearm.item),
            selectinload(Firearm.serials),
            selectinload(Firearm.photos),
        )
    )
    if firearm is None:
        abort(404)
    return firearm


def visible_tracing(access: TeamAccess):
    query = select(TracingRequest).where(TracingRequest.team_id == access.team.id)
    return query if may_read_evidence(access) else query.where(False)


def load_tracing(access: TeamAccess, request_id: int) -> TracingRequest:
    found = db.session.scalar(visible_tracing(access).where(TracingRequest.id == request_id))
    if found is None:
        abort(404)
    return found


def load_firearms_team(code: str) -> TeamAccess:
    """Load the team for a firearms page: 404 for non-members, 403 for who reads no evidence."""
    return load_evidence_team(code)
