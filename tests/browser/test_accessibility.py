"""Pages are usable with the keyboard alone and pass axe-core's serious checks."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jit.extensions import db
from search import outbox
from tests.conftest import DEFAULT_PASSWORD, screenshot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(
    os.environ.get(
        "JIT_TEST_AXE", ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
    )
)


def test_sign_in_with_the_keyboard_only(live_server, page, make_user):
    person = make_user(name="Keyboard User")
    page.goto(f"{live_server.url}/login")
    # The e-mail field has focus on arrival (waited for: keys typed before the page has
    # applied it are lost on a loaded machine); then type, tab, type, enter.
    expect(page.locator("input[name=email]")).to_be_focused()
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Your teams")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: scripts/test installs axe-core from npm")
    # axe is injected through the DevTools protocol; the app's CSP allows no foreign script.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _serious_violations(page) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_core_pages_have_no_serious_accessibility_violations(
    app, live_server, axe_page, make_team, make_membership, make_user, make_item, db_backend
):
    coordinator = make_user(name="Ana Coordinator", is_platform_admin=True)
    team = make_team(code="A11Y-1", coordinator=coordinator)
    leader = make_membership(team, "leader", "NL")
    # Something for the evidence list and a search hit, with its facets and highlights.
    make_item(leader, title="Seized pistol", description="A pistol found in the van")
    db.session.commit()
    outbox.drain(app)
    page = axe_page
    page.goto(f"{live_server.url}/login")
    assert _serious_violations(page) == []
    page.get_by_label("E-mail address").fill(coordinator.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    for path in [
        "/",
        "/t/A11Y-1/",
        "/t/A11Y-1/members",
        "/t/A11Y-1/audit",
        "/t/A11Y-1/closeout",
        "/t/A11Y-1/evidence/",
        "/t/A11Y-1/search?q=pistol",
        "/account",
        "/account/mfa",
        "/admin/users",
        "/admin/teams",
        "/admin/audit",
    ]:
        page.goto(f"{live_server.url}{path}")
        if "search" in path:  # the page under check holds a hit, not just the form
            expect(page.locator("mark").first).to_be_visible()
        assert _serious_violations(page) == [], path
    screenshot(page, f"admin-audit-{db_backend}")
