"""In a real Chromium: search from the team's navigation, narrow by a facet, open a hit."""

import pytest
from playwright.sync_api import expect

from tests.conftest import DEFAULT_PASSWORD, screenshot

pytestmark = pytest.mark.browser


def test_search_click_a_facet_and_open_a_hit(live_server, page, case, make_item, chat, index):
    make_item(case.nl_member, title="Harbour surveillance", description="Blue van at the terminal")
    make_item(
        case.de_member,
        title="Van rental contract",
        description="Rented van, paid in cash",
        item_type="financial-record",
    )
    chat.post(case.de_member, "The van is parked behind the <b>warehouse</b>")
    index()

    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail address").fill(case.nl_member.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/t/{case.team.code}/")

    box = page.get_by_role("search", name="Search this team").get_by_role("searchbox")
    box.fill("van")
    box.press("Enter")
    page.wait_for_url(f"**/t/{case.team.code}/search?q=van")
    expect(page.locator("#search-total")).to_have_text("3 results", use_inner_text=True)
    assert page.locator(".hit__fragment mark").first.inner_text().lower() == "van"
    # The message's markup is shown as text, never rendered.
    assert page.locator(".hit__fragment b").count() == 0
    screenshot(page, "search-results")

    page.locator('[data-facet="kind"]').get_by_role("link", name="Evidence item").click()
    page.wait_for_url("**kind=item**")
    expect(page.locator("#search-total")).to_have_text("2 results", use_inner_text=True)
    expect(page.locator('[data-facet="kind"] strong')).to_have_text(
        "Evidence item", use_inner_text=True
    )
    screenshot(page, "search-facet")

    page.get_by_role("link", name="NL-0001 Harbour surveillance").click()
    page.wait_for_url(f"**/t/{case.team.code}/evidence/NL-0001")
    expect(page.locator("h1")).to_contain_text("Harbour surveillance")


def test_cross_team_search_from_the_dashboard(live_server, page, case, make_item, index):
    make_item(case.nl_member, title="Harbour surveillance", description="Blue van")
    index()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail address").fill(case.nl_member.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Search all your teams").fill("blue")
    page.get_by_label("Search all your teams").press("Enter")
    page.wait_for_url("**/search?q=blue")
    expect(page.locator("#search-total")).to_have_text("1 result", use_inner_text=True)
    expect(page.locator(".hit .badge.code")).to_have_text(case.team.code, use_inner_text=True)
    screenshot(page, "search-everywhere")


def test_narrow_by_identifier_type(live_server, page, case, make_item, index):
    make_item(case.nl_member, title="Burner phone", description="Van driver: +31 6 1234 5678")
    make_item(case.nl_member, title="Router", description="The van's hotspot leased 10.0.0.7")
    make_item(case.nl_member, title="Van photo", description="A blue van")
    index()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail address").fill(case.nl_member.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/t/{case.team.code}/search?q=van")
    expect(page.locator("#search-total")).to_have_text("3 results", use_inner_text=True)
    facet = page.locator('[data-facet="idtype"]')
    expect(facet.get_by_role("heading", name="Identifier type")).to_be_visible()
    facet.get_by_role("link", name="IP address").click()
    page.wait_for_url("**idtype=ip**")
    expect(page.locator("#search-total")).to_have_text("1 result", use_inner_text=True)
    expect(page.locator(".hit__title")).to_have_text("NL-0002 Router", use_inner_text=True)
    expect(facet.locator("strong")).to_have_text("IP address", use_inner_text=True)
