"""Jinja helpers: times in the reader's zone, with the zone always shown."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_login import current_user
from markupsafe import Markup, escape

from jit import codes
from jit.audit import labels
from jit.permissions import Permission, Role
from jit.teams.reference import BODIES, countries


def _reader_zone() -> ZoneInfo:
    # Outside a request (a package written by a command or a test) nobody reads: UTC.
    reader = current_user._get_current_object() if current_user else None
    name = reader.time_zone if reader is not None and reader.is_authenticated else "UTC"
    return ZoneInfo(name)


def local_time(value: datetime | None, *, with_seconds: bool = False) -> str:
    """Format ``value`` in the reader's zone with the zone's abbreviation."""
    if value is None:
        return ""
    local = value.astimezone(_reader_zone())
    pattern = "%Y-%m-%d %H:%M:%S %Z" if with_seconds else "%Y-%m-%d %H:%M %Z"
    return local.strftime(pattern)


def time_tag(value: datetime | None, with_seconds: bool = False) -> Markup:
    """Return a ``<time>`` element: the local time shown, the exact UTC time in the title."""
    if value is None:
        return Markup("")
    utc = value.isoformat(timespec="seconds")
    shown_utc = value.astimezone(UTC).strftime("%H:%M UTC" if not with_seconds else "%H:%M:%S UTC")
    if value.astimezone(UTC).date() != value.astimezone(_reader_zone()).date():
        shown_utc = value.astimezone(UTC).strftime("%Y-%m-%d ") + shown_utc
    # The title shows UTC on hover; data-utc shows it beside the time on a touch screen.
    return Markup('<time datetime="{0}" title="{0}" data-utc="{1}">{2}</time>').format(
        escape(utc), shown_utc, local_time(value, with_seconds=with_seconds)
    )


_EMPTY = (None, "", [], {})


def audit_value(value) -> str:
    """Render a recorded value for reading: in words, lists joined, empty parts left out."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(audit_value(item) for item in value) or "none"
    if isinstance(value, dict):
        parts = [
            f"{labels.words(str(key))}: {audit_value(item)}"
            for key, item in value.items()
            if item not in _EMPTY
        ]
        return "; ".join(parts) or "none"
    return str(value)


_DIGEST = re.compile(r"^(?:sha256:)?[0-9a-f]{64}$")


def audit_cell(value) -> Markup:
    """Render a recorded value for a page: a digest shortened, whole on hover (on demand)."""
    text = audit_value(value)
    if _DIGEST.match(text):
        return Markup('<span class="audit__hash" title="{0}">{1}…</span>').format(
            text, text[: text.index(":") + 13 if ":" in text else 12]
        )
    return escape(text)


def register(app: Flask) -> None:
    app.jinja_env.filters["audit_value"] = audit_value
    app.jinja_env.filters["audit_cell"] = audit_cell
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["time_tag"] = time_tag

    @app.context_processor
    def navigation_context():
        return {
            "team_access": g.get("team_access"),
            "Permission": Permission,
            "Role": Role,
            "BODIES": BODIES,
            "codes": codes,
            "countries": countries,
        }
