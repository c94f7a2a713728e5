"""The one source of "now", so tests and demos can set the date the workspace sees."""

import contextlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jit.zones import canonical_names

_frozen_at: datetime | None = None
_offset = timedelta(0)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    if _frozen_at is not None:
        return _frozen_at + _offset
    return datetime.now(UTC) + _offset


@contextlib.contextmanager
def frozen(at: datetime):
    """Make :func:`utcnow` return ``at`` inside the block."""
    global _frozen_at
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen_at = _frozen_at, at.astimezone(UTC)
    try:
        yield
    finally:
        _frozen_at = previous


@contextlib.contextmanager
def shifted(by: timedelta):
    """Move the clock forward (or back) by ``by`` inside the block (a frozen clock too:
    it then stands still at the moved time)."""
    global _offset
    previous, _offset = _offset, _offset + by
    try:
        yield
    finally:
        _offset = previous


def local_today(zone: str | None) -> date:
    """Return the calendar day it is now in ``zone`` (an IANA name; UTC if unknown).

    A person's "today" is their own: a date signed in Zagreb just after midnight is not
    in the future because it is still yesterday in UTC.
    """
    try:
        where = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        where = UTC
    return utcnow().astimezone(where).date()


def time_zone_names() -> frozenset[str]:
    """Return the IANA zone names people may choose: canonical ones only (jit/zones.py)."""
    return canonical_names()
