"""At 390 px (a phone) no demo role's main pages are wider than the screen."""

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.browser

PASSWORD = "demo password for narrow screens"
TEAM = "/t/IRON-MERIDIAN"
PHONE_WIDTH = 390
# Each demo role and the pages it works in most.
ROLE_PAGES = {
    "admin@demo.example": ["/admin/users", "/admin/teams", "/admin/audit", "/admin/directory/"],
    "coordinator@demo.example": [
        "/",
        f"{TEAM}/",
        f"{TEAM}/members",
        f"{TEAM}/audit",
        f"{TEAM}/evidence/",
        f"{TEAM}/agreement",
        f"{TEAM}/closeout",
        "/account",
    ],
    "hr.member@demo.example": [
        f"{TEAM}/evidence/",
        f"{TEAM}/evidence/HR-0001",
        f"{TEAM}/evidence/HR-0001/custody",
        f"{TEAM}/evidence/new",
        f"{TEAM}/firearms/",
        f"{TEAM}/chat",
    ],
    "nl.leader@demo.example": [
        "/",
        f"{TEAM}/",
        f"{TEAM}/requests/",
        f"{TEAM}/requests/1/",  # the final EIO: its hashes, tracking and review
        f"{TEAM}/evidence/NL-0001",
        f"{TEAM}/members",
    ],
    "europol@demo.example": [f"{TEAM}/", f"{TEAM}/evidence/"],
    "judge@demo.example": [
        "/",
        f"{TEAM}/",
        f"{TEAM}/agreement",
        f"{TEAM}/review/",
        f"{TEAM}/requests/1/",
    ],
}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEMO_PASSWORD": PASSWORD}


def _phone_context(browser):
    return browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 844},
        has_touch=True,
        is_mobile=True,
        locale="en-US",
    )


@pytest.fixture
def phone(browser):
    context = _phone_context(browser)
    yield context
    context.close()


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def test_no_main_page_is_wider_than_a_phone(live_server, browser, demo):
    too_wide = []
    for email, paths in ROLE_PAGES.items():
        # A phone of its own for each role: clearing one context's cookies raced with a
        # late answer of the previous role's page, which set its session cookie again.
        context = _phone_context(browser)
        page = context.new_page()
        page.goto(f"{live_server.url}/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, (email, path, response.status)
            # Against the phone's 390 px, not innerWidth: a mobile browser widens its
            # layout viewport to fit a page that overflows, and would hide the overflow.
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE_WIDTH:
                too_wide.append((email, path, width))
                screenshot(page, "too-wide-" + email.split("@")[0] + path.replace("/", "_"))
        context.close()
    assert too_wide == []


def test_a_phone_shows_utc_beside_times_and_a_scrolling_tab_bar(live_server, phone, demo):
    page = phone.new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#email", "coordinator@demo.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}{TEAM}/audit")
    # No hover on a touch screen: the UTC time is written beside the local one.
    after = page.evaluate(
        "getComputedStyle(document.querySelector('time[data-utc]'), '::after').content"
    )
    assert "UTC" in after
    nav = page.locator(".teamnav")
    assert "is-scrollable" in nav.get_attribute("class")
    # Table rows are stacked, each cell named by its column.
    first_cell = page.locator("table.audit tbody tr td").first
    assert first_cell.get_attribute("data-label") == "When"
    assert page.evaluate("getComputedStyle(document.querySelector('table.audit tr')).display") == (
        "block"
    )


# The width a select needs for an option's text: the text in the select's own font, plus
# its padding and the arrow (16 px: Chromium's arrow beside the text). Every option of a
# short menu (codes, sort orders, filters: sentences to read whole) must fit; of a long
# list (time zones, countries) the option shown.
_CLIPPED_SELECTS = """() => {
  const context = document.createElement('canvas').getContext('2d');
  const clipped = [];
  for (const select of document.querySelectorAll('main select, .page select')) {
    const style = getComputedStyle(select);
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight) - 16;
    const shown = select.options.length <= 12 ? [...select.options]
      : [select.options[select.selectedIndex]].filter(Boolean);
    for (const option of shown) {
      if (context.measureText(option.text).width > room) {
        clipped.push(`${select.name}: ${option.text}`);
      }
    }
  }
  return clipped;
}"""


def test_no_text_is_clipped_on_a_desktop_screen(live_server, browser, demo):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#email", "eurojust.analyst@demo.example")  # the longest demo address
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/account")
    address = page.get_by_text("eurojust.analyst@demo.example").first
    assert address.evaluate("e => e.scrollWidth <= e.clientWidth")
    clipped = {}
    for path in (f"{TEAM}/evidence/", f"{TEAM}/evidence/new", f"{TEAM}/search?q=pistol"):
        page.goto(live_server.url + path)
        clipped[path] = page.evaluate(_CLIPPED_SELECTS)
    context.close()
    assert clipped == {path: [] for path in clipped}


def test_the_coordinators_whole_tab_bar_fits_a_desktop_screen(live_server, browser, demo):
    # The coordinator has the most tabs (nine and the search box); at 1280 px none of
    # them may hide behind the bar's scroll.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#email", "coordinator@demo.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}{TEAM}/")
    nav = page.locator(".teamnav")
    tabs = nav.get_by_role("link").all_inner_texts()
    widths = nav.evaluate("n => [n.scrollWidth, n.clientWidth]")
    context.close()
    assert len(tabs) == 9, tabs
    assert widths[0] <= widths[1], widths
