"""Loading firearms, ammunition and tracing requests for a member, and nothing else.

Firearm and ammunition records are part of their evidence item: whoever may not see
the item does not see them (404), through :func:`evidence.access.visible_items_filter`.
Tracing requests are read by members who read the team's evidence: an incoming one by
all of them; an outgoing one only by who may see both its firearm (through the item) and
the request bundle it was drafted as (:func:`evidence.bundles.access.visible_bundles_filter`).
"""

from flask import abort
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from evidence.access import load_evidence_team, may_read_evidence, visible_items_filter
from evidence.bundles.access import visible_bundles_filter
from evidence.bundles.models import Bundle
from evidence.firearms.models import Ammunition, Direction, Firearm, TracingRequest
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


def visible_tracing_filter(access: TeamAccess):
    """Return a SQL condition on :class:`TracingRequest` for the requests ``access`` sees."""
    if not may_read_evidence(access):
        return false()
    firearms = visible_firearms(access).with_only_columns(Firearm.id)
    bundles = select(Bundle.id).where(visible_bundles_filter(access))
    return and_(
        TracingRequest.team_id == access.team.id,
        or_(
            TracingRequest.direction != Direction.OUTGOING.value,
            and_(TracingRequest.firearm_id.in_(firearms), TracingRequest.bundle_id.in_(bundles)),
        ),
    )


def visible_tracing(access: TeamAccess):
    return select(TracingRequest).where(visible_tracing_filter(access))


def load_tracing(access: TeamAccess, request_id: int) -> TracingRequest:
    found = db.session.scalar(visible_tracing(access).where(TracingRequest.id == request_id))
    if found is None:
        abort(404)
    return found


def load_firearms_team(code: str) -> TeamAccess:
    """Load the team for a firearms page: 404 for non-members, 403 for who reads no evidence."""
    return load_evidence_team(code)
