"""A search hit's link (#message-<id>) loads the page of history holding it and shows it."""

import uuid

import pytest
from playwright.sync_api import expect

from jit.extensions import db
from tests.conftest import screenshot
from tests.jit.chat.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_linked_old_message_is_loaded_and_scrolled_into_view(
    app, browser, chat_team, chat_server
):
    from jit.chat import services
    from jit.teams.access import team_access_for

    access = team_access_for(chat_team.nl, chat_team.code)
    posted = []
    for number in range(130):  # three pages of history (50 a page)
        message, _new = services.post_message(
            access,
            chat_team.general,
            client_id=uuid.uuid4().hex,
            draft=services.Draft(
                body=f"Report {number:03d}", handling_code="H0", handling_conditions=""
            ),
        )
        posted.append(message)
    db.session.commit()
    sought = posted[3]
    server = chat_server()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies(
        [{"name": "jit_session", "value": session_cookie(app, chat_team.de), "url": server.url}]
    )
    page = context.new_page()
    try:
        page.goto(
            f"{server.url}/t/{chat_team.code}/chat?channel={chat_team.general.id}"
            f"#message-{sought.id}"
        )
        target = page.locator(f"#message-{sought.id}")
        target.wait_for(timeout=30_000)
        expect(target).to_contain_text("Report 003")
        page.wait_for_selector(f"#message-{sought.id}.chat-message--sought")
        expect(target).to_be_visible()
        box, log = target.bounding_box(), page.locator("#chat-log").bounding_box()
        assert log["y"] <= box["y"] <= log["y"] + log["height"]  # in view, not just loaded
        screenshot(page, "chat-sought-message")
    finally:
        context.close()
