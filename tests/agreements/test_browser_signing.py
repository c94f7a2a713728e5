"""Two leaders sign the agreement in a real Chromium; the team comes into force."""

import pytest
from playwright.sync_api import expect

from tests.conftest import DEFAULT_PASSWORD, screenshot

pytestmark = pytest.mark.browser


def sign_in(page, url, user):
    page.goto(f"{url}/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_leaders_sign_in_the_browser_and_the_agreement_enters_into_force(
    live_server, browser, jit, db_backend
):
    jit.draft()
    code = jit.team.code
    for leader, party in ((jit.nl_leader, "NL"), (jit.de_leader, "DE")):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_server.url, leader.user)
        page.goto(f"{live_server.url}/t/{code}/")
        page.get_by_role("navigation", name="Team").get_by_role("link", name="Agreement").click()
        page.get_by_role("link", name="Version 1 (original agreement)").first.click()
        page.get_by_role("link", name=f"Sign for {party}").click()
        page.get_by_label("Place of signature").fill("The Hague")
        page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name=f"Sign for {party}").click()
        expect(page.get_by_text("You signed version 1")).to_be_visible()
        context.close()
    page = browser.new_page()
    sign_in(page, live_server.url, jit.nl_member.user)
    page.goto(f"{live_server.url}/t/{code}/")
    banner = page.locator(".agreement-banner")
    expect(banner).to_contain_text("In force")
    path = screenshot(page, f"agreement-in-force-{db_backend}")
    assert path.stat().st_size > 10_000
    page.close()
