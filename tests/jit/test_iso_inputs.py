"""Dates and times are typed and shown as ISO (YYYY-MM-DD HH:MM, 24-hour) in every locale."""

from datetime import date, datetime

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from jit.inputs import BoundedDateField, BoundedDateTimeLocalField


class _Form(FlaskForm):
    class Meta:
        csrf = False

    when = BoundedDateTimeLocalField("When")
    day = BoundedDateField("Day")


def _form(**values) -> _Form:
    return _Form(formdata=MultiDict(values))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-14 09:30", datetime(2026, 3, 14, 9, 30)),
        ("2026-03-14T21:05", datetime(2026, 3, 14, 21, 5)),
        (" 2026-03-14 21:05:07 ", datetime(2026, 3, 14, 21, 5, 7)),
    ],
)
def test_iso_date_times_are_read(app, text, expected):
    with app.test_request_context():
        form = _form(when=text)
        assert form.validate(), form.errors
        assert form.when.data == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("14/03/2026 09:30", "Write the date and time as YYYY-MM-DD HH:MM on the 24-hour clock"),
        ("2026-03-14 9:30 PM", "Write the date and time as YYYY-MM-DD HH:MM"),
        ("2026-02-30 10:00", "There is no such date or time as 2026-02-30 10:00."),
        ("2026-03-14 24:00", "There is no such date or time"),
        ("1850-01-01 10:00", "Give a date between 1900-01-01 and 2100-12-31."),
        # Digits of another script, which int() reads: not the format the field shows.
        ("٢٠٢٦-٠٣-١٤ ٠٩:٣٠", "Write the date and time as YYYY-MM-DD HH:MM"),
    ],
)
def test_other_date_times_are_refused_with_the_format_to_use(app, text, message):
    with app.test_request_context():
        form = _form(when=text)
        assert not form.validate()
        assert form.when.data is None
        assert message in form.when.errors[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("03/14/2026", "Write the date as YYYY-MM-DD"),
        ("2026-13-01", "There is no such day as 2026-13-01."),
        ("2200-01-01", "Give a date between 1900-01-01 and 2100-12-31."),
        ("٢٠٢٦-٠٣-١٤", "Write the date as YYYY-MM-DD"),
        ("2026-0²-14", "Write the date as YYYY-MM-DD"),
    ],
)
def test_dates_are_iso_only(app, text, message):
    with app.test_request_context():
        form = _form(day=text)
        assert not form.validate()
        assert message in form.day.errors[0]


def test_the_inputs_are_text_with_the_format_shown(app):
    with app.test_request_context():
        form = _Form(data={"when": datetime(2026, 3, 14, 9, 5), "day": date(2026, 3, 14)})
        when, day = form.when(), form.day()
        assert 'type="text"' in when
        assert 'value="2026-03-14 09:05"' in when
        assert 'placeholder="YYYY-MM-DD HH:MM"' in when
        assert 'value="2026-03-14"' in day
        assert "datetime-local" not in when
        assert 'type="date"' not in day
        assert form.when.description == "Format YYYY-MM-DD HH:MM, 24-hour clock."


def test_no_template_asks_for_a_date_through_the_browser_s_locale_picker():
    # A native date input shows 03/14/2026 or 14.03.2026 depending on the browser's
    # locale; every date field is the ISO text input instead.
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    native = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if any(
            kind in path.read_text(encoding="utf-8")
            for kind in ('type="date"', 'type="datetime-local"', "type='date'")
        )
    ]
    assert native == []
