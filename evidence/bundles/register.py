"""The team's requests register: each visible request with its status and running deadline."""

from dataclasses import dataclass, replace
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
    arrested_on: date | None = None
    recognised_on: date | None = None
    previous: Bundle | None = None  # the version it replaces, if the reader sees it
    replaced_by: Bundle | None = None  # the version that replaces it, if the reader sees it

    @property
    def status_label(self) -> str:
        return tracking.LABELS[self.status]


def row_for(bundle: Bundle, changes: list[BundleStatusChange], today: date) -> RegisterRow:
    """Return the register row of one bundle from its status changes (oldest first)."""
    references = [change.reference for change in changes if change.reference]
    since = tracking.status_since(changes)
    if since is None and bundle.finalised_at is not None:
        since = tracking.today(bundle.finalised_at)
    return RegisterRow(
        bundle=bundle,
        status=tracking.current_status(bundle, changes),
        since=since,
        reference=references[-1] if references else "",
        deadline=tracking.deadline(bundle, changes, today),
        arrested_on=tracking.recorded_date(changes, "arrested_on"),
        recognised_on=tracking.recorded_date(changes, "recognised_on"),
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
    # Versions are linked among the rows only: a version the reader cannot open is not named.
    by_id = {bundle.id: bundle for bundle in bundles}
    following = {bundle.previous_id: bundle for bundle in bundles if bundle.previous_id}
    return [
        replace(
            row_for(bundle, changes[bundle.id], today),
            previous=by_id.get(bundle.previous_id),
            replaced_by=following.get(bundle.id),
        )
        for bundle in bundles
    ]
