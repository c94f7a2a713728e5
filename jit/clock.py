"""The one source of "now", so tests and demos can set the date the workspace sees."""

import contextlib
from datetime import UTC, datetime, timedelta

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


def time_zone_names() -> frozenset[str]:
    """Return the IANA zone names people may choose: canonical ones only (jit/zones.py)."""
    return canonical_names()
