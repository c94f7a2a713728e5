"""In a real Chromium: a ZIP listed member by member, a member made an item; an e-mail's headers."""

import hashlib

import pytest

from evidence import extraction
from jit.extensions import db
from search import outbox
from tests.browser.test_accessibility import _serious_violations
from tests.conftest import DEFAULT_PASSWORD, screenshot
from tests.evidence import samples

pytestmark = pytest.mark.browser


def test_a_container_and_an_email_on_the_item_page(
    live_server, browser, make_team, make_membership, make_item, db_backend
):
    team = make_team(code="EVID-FMT", name="Operation Formats")
    member = make_membership(team, "member", "NL")
    chat = b"Sastanak u Splitu u utorak u 10 sati"
    container = make_item(
        member,
        title="Phone extraction report",
        files=[
            (
                "extraction.zip",
                samples.zip_bytes(
                    {"phone/chat.txt": chat, "phone/report.docx": samples.docx_bytes()}
                ),
            )
        ],
    )
    mail = make_item(
        member,
        title="Mail seized from the haulier",
        files=[("lieferung.jpg", samples.eml_bytes())],  # a name its bytes contradict
    )
    extraction.schedule([f.id for item in (container, mail) for f in item.files])
    extraction.wait_idle(live_server.app)
    db.session.commit()
    outbox.drain(live_server.app)  # the search worker is off in tests
    # Axe needs its script injected past the CSP; the page itself is the app's.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login")
        page.get_by_label("E-mail address").fill(member.user.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/t/EVID-FMT/evidence/NL-0001")
        members = page.locator("table.members")
        assert "2 members" in members.locator("caption").inner_text()
        digest = hashlib.sha256(chat).hexdigest()
        assert members.locator(f"code.hash[title='SHA-256 {digest}']").is_visible()
        assert _serious_violations(page) == []
        screenshot(page, "evidence-container")

        row = members.locator("tr", has_text="phone/chat.txt")
        row.get_by_role("button", name="Make an item").click()
        page.wait_for_url(f"{live_server.url}/t/EVID-FMT/evidence/NL-0003")
        assert "“phone/chat.txt” is now item NL-0003" in page.locator(".flash").inner_text()
        custody = page.locator("#custody-1")
        assert "Extract of NL-0001" in custody.inner_text()
        screenshot(page, "evidence-member-item")

        page.goto(f"{live_server.url}/t/EVID-FMT/evidence/NL-0002")
        assert page.locator(".type-mismatch").first.inner_text() == "claimed image/jpeg"
        headers = page.locator("dl.metadata")
        assert "dk@example.net" in headers.inner_text()
        assert "Lieferung Dienstag" in headers.inner_text()
        assert _serious_violations(page) == []
        screenshot(page, "evidence-email")
        headers.get_by_role("link", name="dk@example.net").click()
        page.wait_for_url("**/search?q=from*")
        assert "Mail seized from the haulier" in page.locator("main").inner_text()
        screenshot(page, "evidence-email-search")
    finally:
        context.close()
