"""In Chromium: record a firearm through the form, see it matched and charted; the pages
pass axe-core's serious checks and the content security policy reports nothing."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import AXE, _serious_violations
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: scripts/test installs axe-core from npm")
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_record_match_and_chart_in_the_browser(
    live_server, page, make_team, make_membership, make_firearm_item, make_firearm
):
    team = make_team(code="FA-BROWSER")
    member = make_membership(team, "member", "NL")
    make_firearm(member, make_firearm_item(member, title="Pistol from box 7"))
    item = make_firearm_item(member, title="Pistol from the warehouse")
    problems = []
    page.on("console", lambda message: problems.append(message.text))
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail address").fill(member.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/t/FA-BROWSER/evidence/{item.exhibit_number}/firearms")
    page.get_by_role("link", name="Record a weapon or part").click()
    page.get_by_label("Manufacturer (make)").fill("zastava")
    page.get_by_label("Type *").select_option("pistol")
    page.get_by_label("Calibre *").fill("7.62×25")
    page.get_by_label("Country of manufacture").select_option("RS")
    page.get_by_label("Serial on the frame or receiver").fill("I2 M57 4822I")
    page.get_by_label("Condition *").select_option("converted")
    page.get_by_role("button", name="Record").click()
    page.wait_for_url("**/firearms/2")
    expect(page.get_by_role("heading", name="Same serial and make elsewhere")).to_be_visible()
    page.get_by_role("navigation", name="Firearms").get_by_role(
        "link", name="Seizures chart"
    ).click()
    chart = page.get_by_role("img", name="Weapons seized by country of manufacture")
    expect(chart).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()
    assert problems == []  # no CSP violation, no script error


def test_firearms_pages_pass_axe(
    live_server,
    axe_page,
    make_team,
    make_membership,
    make_firearm_item,
    make_firearm,
):
    team = make_team(code="FA-A11Y")
    member = make_membership(team, "member", "NL")
    item = make_firearm_item(member)
    firearm = make_firearm(member, item)
    page = axe_page
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail address").fill(member.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    for path in [
        "/t/FA-A11Y/firearms/",
        "/t/FA-A11Y/firearms/chart",
        f"/t/FA-A11Y/firearms/{firearm.id}",
        f"/t/FA-A11Y/evidence/{item.exhibit_number}/firearms",
        f"/t/FA-A11Y/evidence/{item.exhibit_number}/firearms/new",
        "/t/FA-A11Y/tracing/",
        "/t/FA-A11Y/tracing/new",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert _serious_violations(page) == [], path
