"""In a real Chromium: a ZIP listed member by member, a member made an item; an e-mail's headers."""

import hashlib

import pytest
from playwright.sync_api import expect

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
        expect(members.locator("caption")).to_contain_text("2 members")
        digest = hashlib.sha256(chat).hexdigest()
        expect(members.locator(f"code.hash[title='SHA-256 {digest}']")).to_be_visible()
        assert _serious_violations(page) == []
        screenshot(page, "evidence-container")

        row = members.locator("tr", has_text="phone/chat.txt")
        row.get_by_role("button", name="Make an item").click()
        page.wait_for_url(f"{live_server.url}/t/EVID-FMT/evidence/NL-0003")
        expect(page.locator(".flash")).to_contain_text(
            "“phone/chat.txt” is now item NL-0003", use_inner_text=True
        )
        custody = page.locator("#custody-1")
        expect(custody).to_contain_text("Extract of NL-0001")
        screenshot(page, "evidence-member-item")

        page.goto(f"{live_server.url}/t/EVID-FMT/evidence/NL-0002")
        expect(page.locator(".type-mismatch").first).to_have_text(
            "claimed image/jpeg", use_inner_text=True
        )
        headers = page.locator("dl.metadata")
        expect(headers).to_contain_text("dk@example.net")
        expect(headers).to_contain_text("Lieferung Dienstag")
        assert _serious_violations(page) == []
        screenshot(page, "evidence-email")
        headers.get_by_role("link", name="dk@example.net").click()
        page.wait_for_url("**/search?q=from*")
        expect(page.locator("main")).to_contain_text(
            "Mail seized from the haulier", use_inner_text=True
        )
        screenshot(page, "evidence-email-search")
    finally:
        context.close()
