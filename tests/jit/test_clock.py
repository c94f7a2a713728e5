"""The workspace's one "now" (jit.clock): frozen, shifted, and both at once."""

from datetime import UTC, datetime, timedelta

import pytest

from jit import clock


def test_a_frozen_clock_stands_still():
    at = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)
    with clock.frozen(at):
        assert clock.utcnow() == at
        assert clock.utcnow() == at


def test_a_shift_moves_the_running_clock():
    before = datetime.now(UTC)
    with clock.shifted(timedelta(days=2)):
        moved = clock.utcnow()
    assert moved - before >= timedelta(days=2)
    assert moved - before < timedelta(days=2, minutes=1)


def test_a_shift_moves_a_frozen_clock_and_ends_with_its_block():
    at = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)
    with clock.frozen(at):
        with clock.shifted(timedelta(seconds=45)):
            assert clock.utcnow() == datetime(2026, 3, 2, 0, 0, 15, tzinfo=UTC)
            with clock.shifted(timedelta(seconds=1)):
                assert clock.utcnow() == datetime(2026, 3, 2, 0, 0, 16, tzinfo=UTC)
        assert clock.utcnow() == at


def test_freezing_needs_a_time_zone():
    with pytest.raises(ValueError, match="aware"), clock.frozen(datetime(2026, 3, 1)):
        pass
