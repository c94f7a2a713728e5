"""The team's requests register: each visible request with its status and running deadline."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from evidence.bundles import tracking
from evidence.bundles.access import visible_bundles_filter
from evidence.bundles.models import Bundle, BundleStatusChange
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.access import TeamAccess


@dataclass(frozen=True)
class RegisterRow:
    bundle: Bundle
    status: str
    since: date | None
    reference: str
    deadline: tracking.Deadline | None

    @property
    def status_label(self) -> str:
        return tracking.LABELS[self.status]


def row_for(bundle: Bundle, changes: list[BundleStatusChange], today: date) -> RegisterRow:
    """Return the register row of one bundle from its status changes (oldest first)."""
    references = [change.reference for change in changes if change.reference]
    since = changes[-1].occurred_on if changes else None
    if since is None and bundle.finalised_at is not None:
        since = tracking.today(bundle.finalised_at)
    return RegisterRow(
        bundle=bundle,
        status=tracking.current_status(bundle, changes),
        since=since,
        reference=references[-1] if references else "",
        deadline=tracking.deadline(bundle, changes, today),
    )


def register_rows(access: TeamAccess) -> list[RegisterRow]:
    """Return a row for every request ``access`` may see, newest first (two queries)."""
    bundles = db.session.scalars(
        select(Bundle).where(visible_bundles_filter(access)).order_by(Bundle.number.desc())
    ).all()
    changes: dict[int, list[BundleStatusChange]] = {bundle.id: [] for bundle in bundles}
    if bundles:
        for change in db.session.scalars(
            select(BundleStatusChange)
            .where(BundleStatusChange.bundle_id.in_(list(changes)))
            .order_by(BundleStatusChange.id)
        ):
            changes[change.bundle_id].append(change)
    today = tracking.today(utcnow())
    return [row_for(bundle, changes[bundle.id], today) for bundle in bundles]
