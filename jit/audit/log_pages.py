"""What the team's and the platform's log pages share: reading a page of the log from the URL."""

from zoneinfo import ZoneInfo

from flask import request
from flask_login import current_user

from jit.audit import reading
from jit.inputs import query_int


def filtered_page(chain: str):
    """Parse the page and filters of a log page; return what the template needs."""
    known = reading.choices(chain)
    page = query_int("page", 1)
    try:
        filters = reading.parse_filters(request.args, known)
    except reading.FilterError as refused:
        return {"known": known, "filters": reading.Filters(), "error": str(refused)}, 400, []
    entries, page, pages = reading.entries_page(
        chain, min(max(page, 1), 10**6), filters, ZoneInfo(current_user.time_zone)
    )
    context = {"known": known, "filters": filters, "page": page, "pages": pages, "error": None}
    return context, 200, entries
