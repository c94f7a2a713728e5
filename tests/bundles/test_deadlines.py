"""Deadlines of sent requests: legal defaults, settings, month ends and time zones."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from evidence.bundles import tracking


def _change(status, on, arrested_on=None, recognised_on=None):
    return SimpleNamespace(
        status=status,
        occurred_on=on,
        arrested_on=arrested_on,
        recognised_on=recognised_on,
        reference="",
    )


def _bundle(request_type):
    return SimpleNamespace(request_type=request_type, status="final")


@pytest.fixture
def config(app):
    with app.app_context():
        yield app.config


def test_eio_recognition_runs_30_days_from_sending_across_a_short_february(config):
    changes = [_change("sent", date(2026, 1, 31))]
    due = tracking.deadline(_bundle("eio"), changes, date(2026, 2, 27))
    assert due.due_on == date(2026, 3, 2)  # 31 Jan + 30 days in a 28-day February
    assert (due.days_left, due.is_overdue) == (3, False)
    assert "recognition" in due.what
    late = tracking.deadline(_bundle("eio"), changes, date(2026, 3, 3))
    assert (late.days_left, late.is_overdue) == (-1, True)


def test_eio_execution_runs_90_days_from_the_decision_on_recognition(config):
    changes = [_change("sent", date(2026, 11, 2)), _change("acknowledged", date(2026, 11, 5))]
    # The acknowledgement of receipt (Annex B) is not the decision on recognition: the
    # 30 days of art. 12(3) still run from sending.
    due = tracking.deadline(_bundle("eio"), changes, date(2026, 11, 20))
    assert (due.due_on, "recognition" in due.what) == (date(2026, 12, 2), True)
    changes.append(_change("acknowledged", date(2026, 11, 30), recognised_on=date(2026, 11, 30)))
    due = tracking.deadline(_bundle("eio"), changes, date(2026, 12, 1))
    assert due.due_on == date(2027, 2, 28)
    assert "execution" in due.what


def test_the_status_dates_from_its_first_change_not_a_date_recorded_later():
    changes = [
        _change("sent", date(2026, 11, 2)),
        _change("acknowledged", date(2026, 11, 5)),
        _change("acknowledged", date(2026, 11, 30), recognised_on=date(2026, 11, 30)),
    ]
    assert tracking.status_since(changes) == date(2026, 11, 5)


def test_eaw_decision_runs_60_days_from_the_arrest_extendable_by_30(config):
    changes = [_change("sent", date(2026, 12, 1))]
    assert tracking.deadline(_bundle("eaw"), changes, date(2026, 12, 2)) is None
    changes.append(_change("acknowledged", date(2026, 12, 31), arrested_on=date(2026, 12, 31)))
    due = tracking.deadline(_bundle("eaw"), changes, date(2027, 1, 1))
    assert due.due_on == date(2027, 3, 1)
    assert due.extendable_to == date(2027, 3, 31)


def test_other_types_take_their_days_from_the_settings(config):
    changes = [_change("sent", date(2026, 4, 30))]
    assert tracking.deadline(_bundle("mla"), changes, date(2026, 5, 1)) is None  # 0: none
    config["DEADLINE_MLA_DAYS"] = 31
    assert tracking.deadline(_bundle("mla"), changes, date(2026, 5, 1)).due_on == date(2026, 5, 31)
    config["DEADLINE_EIO_RECOGNITION_DAYS"] = 10
    assert tracking.deadline(_bundle("eio"), changes, date(2026, 5, 1)).due_on == date(2026, 5, 10)


def test_closed_requests_have_no_deadline(config):
    changes = [_change("sent", date(2026, 1, 1)), _change("executed", date(2026, 1, 20))]
    assert tracking.deadline(_bundle("eio"), changes, date(2026, 6, 1)) is None


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Zagreb", date(2026, 2, 1)),  # 00:30 on 1 February there
        ("UTC", date(2026, 1, 31)),
        ("America/New_York", date(2026, 1, 31)),
    ],
)
def test_today_is_the_calendar_day_in_the_request_time_zone(config, zone, expected):
    config["REQUEST_TIME_ZONE"] = zone
    assert tracking.today(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == expected


def test_the_transitions_table_has_a_label_for_every_status_and_no_way_back_to_draft():
    assert set(tracking.TRANSITIONS) == set(tracking.LABELS)
    assert all(tracking.DRAFT not in following for following in tracking.TRANSITIONS.values())
    assert tracking.EXECUTED not in tracking.TRANSITIONS[tracking.FINAL]
    assert {"executed", "refused", "withdrawn"} == tracking.CLOSED
