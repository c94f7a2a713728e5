"""A request's life after it leaves the team: its statuses, the allowed steps, its deadlines.

The steps allowed are data (:data:`TRANSITIONS`); a change is one row of
:class:`BundleStatusChange`, dated, attributed and audited in the same transaction.
Deadlines count calendar days in ``JIT_REQUEST_TIME_ZONE`` (a ``date`` plus days
crosses month ends by itself); their lengths are settings with the legal defaults.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from evidence.bundles.models import Bundle, BundleStatusChange

DRAFT, FINAL, SENT, ACKNOWLEDGED = "draft", "final", "sent", "acknowledged"
MORE_INFORMATION, EXECUTED, PARTIALLY_EXECUTED = "more_information", "executed", "partially"
REFUSED, WITHDRAWN = "refused", "withdrawn"

LABELS = {
    DRAFT: "Draft",
    FINAL: "Final",
    SENT: "Sent",
    ACKNOWLEDGED: "Acknowledged",
    MORE_INFORMATION: "More information requested",
    EXECUTED: "Executed",
    PARTIALLY_EXECUTED: "Partially executed",
    REFUSED: "Refused",
    WITHDRAWN: "Withdrawn",
}
_ANSWERS = {MORE_INFORMATION, EXECUTED, PARTIALLY_EXECUTED, REFUSED, WITHDRAWN}
# Which status may follow which. Draft → final is finalising (services.finalise).
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset(),
    FINAL: frozenset({SENT, WITHDRAWN}),
    SENT: frozenset({ACKNOWLEDGED} | _ANSWERS),
    ACKNOWLEDGED: frozenset(_ANSWERS),
    MORE_INFORMATION: frozenset({ACKNOWLEDGED} | _ANSWERS),
    PARTIALLY_EXECUTED: frozenset({EXECUTED, WITHDRAWN}),
    EXECUTED: frozenset(),
    REFUSED: frozenset(),
    WITHDRAWN: frozenset(),
}
CLOSED = frozenset(status for status, following in TRANSITIONS.items() if not following) - {DRAFT}


def deadline_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("REQUEST_TIME_ZONE") or "UTC")


def today(now: datetime) -> date:
    """Return the calendar day ``now`` (aware, UTC) falls on in the deadline time zone."""
    return now.astimezone(deadline_zone()).date()


def _days(name: str) -> int:
    return max(int(current_app.config.get(name, 0) or 0), 0)


def changes_of(bundle: Bundle) -> list[BundleStatusChange]:
    from jit.extensions import db

    return list(
        db.session.scalars(
            select(BundleStatusChange)
            .where(BundleStatusChange.bundle_id == bundle.id)
            .order_by(BundleStatusChange.id)
        )
    )


def current_status(bundle: Bundle, changes: list[BundleStatusChange]) -> str:
    return changes[-1].status if changes else bundle.status


def status_since(changes: list[BundleStatusChange]) -> date | None:
    """The day the current status began (a change recording only a date keeps it)."""
    if not changes:
        return None
    first = changes[-1]
    for change in reversed(changes):
        if change.status != first.status:
            break
        first = change
    return first.occurred_on


# The date that starts a type's time limit, recorded with any step once it is known.
STARTING_DATES = {"eaw": "arrested_on", "eio": "recognised_on"}
STARTING_DATE_LABELS = {
    "arrested_on": "date of arrest",
    "recognised_on": "date of the decision on recognition",
}


def recorded_date(changes: list[BundleStatusChange], field: str) -> date | None:
    return next((getattr(c, field) for c in changes if getattr(c, field) is not None), None)


def date_to_record(bundle: Bundle, changes: list[BundleStatusChange]) -> str | None:
    """The starting date (a field name) not yet recorded for ``bundle``, if its type has one.

    It is recorded with a step, or alone while the request is under way (the status kept:
    an arrest is often learned after the acknowledgement, with nothing else new).
    """
    field = STARTING_DATES.get(bundle.request_type)
    return field if field and recorded_date(changes, field) is None else None


def may_record_date_alone(bundle: Bundle, changes: list[BundleStatusChange]) -> bool:
    status = current_status(bundle, changes)
    return (
        date_to_record(bundle, changes) is not None
        and status not in CLOSED
        and status not in (DRAFT, FINAL)
    )


@dataclass(frozen=True)
class Deadline:
    """What is due next, by when, and how many days are left (negative once overdue)."""

    what: str
    due_on: date
    days_left: int
    extendable_to: date | None = None

    @property
    def is_overdue(self) -> bool:
        return self.days_left < 0


def _first(changes, status) -> BundleStatusChange | None:
    return next((change for change in changes if change.status == status), None)


def deadline(bundle: Bundle, changes: list[BundleStatusChange], on: date) -> Deadline | None:
    """Return the running deadline of ``bundle`` as seen on the day ``on``, or None."""
    status = current_status(bundle, changes)
    if status in CLOSED or status in (DRAFT, FINAL):
        return None
    sent = _first(changes, SENT)
    due, what, extendable = None, "", None
    if bundle.request_type == "eio":
        # Art. 12(3): 30 days from receipt, counted here from sending (receipt is not
        # earlier). Art. 12(4): 90 days from the decision on recognition, which is not
        # the acknowledgement of receipt (Annex B): its own date, recorded when known.
        recognised = recorded_date(changes, "recognised_on")
        if recognised is None:
            what = "decision on recognition (Directive 2014/41/EU art. 12(3))"
            due = sent.occurred_on + timedelta(days=_days("DEADLINE_EIO_RECOGNITION_DAYS"))
        else:
            what = "execution (Directive 2014/41/EU art. 12(4))"
            due = recognised + timedelta(days=_days("DEADLINE_EIO_EXECUTION_DAYS"))
    elif bundle.request_type == "eaw":
        arrest = recorded_date(changes, "arrested_on")
        if arrest is None:
            return None  # the time limit runs from the arrest, not yet recorded
        what = "final decision on execution (FD 2002/584/JHA art. 17(3))"
        due = arrest + timedelta(days=_days("DEADLINE_EAW_DECISION_DAYS"))
        extendable = due + timedelta(days=_days("DEADLINE_EAW_EXTENSION_DAYS"))
    else:
        days = _days(f"DEADLINE_{bundle.request_type.upper()}_DAYS")
        if not days or sent is None:
            return None
        what = "answer"
        due = sent.occurred_on + timedelta(days=days)
    return Deadline(what, due, (due - on).days, extendable)
