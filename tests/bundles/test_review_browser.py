"""In a real Chromium: a leader finalises and shares a request; the judge verifies and decides."""

import pytest
from playwright.sync_api import expect

from tests.bundles.conftest import COMPLETE
from tests.bundles.test_browser import sign_in
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_leader_shares_and_the_judge_verifies_and_decides(
    live_server,
    browser,
    crew,
    make_item,
    make_bundle,
    make_membership,
    db_backend,
):
    item = make_item(crew.nl_member, title="Bank ledger", files=[("ledger.txt", b"ledger " * 50)])
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[item])
    judge = make_membership(crew.team, "reviewer", "NL")
    code, url = crew.team.code, live_server.url

    leader = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = leader.new_page()
    sign_in(page, url, crew.nl_leader.user)
    page.goto(f"{url}/t/{code}/requests/{bundle.number}/")
    page.get_by_role("button", name="Finalise and sign").click()
    expect(page.get_by_text("is final; its signed PDF is ready")).to_be_visible()
    page.get_by_label("Share with").select_option(str(judge.id))
    page.get_by_role("button", name="Share for review").click()
    expect(
        page.get_by_text(f"{bundle.label} is shared with {judge.user.display_name}")
    ).to_be_visible()

    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        judge_page = context.new_page()
        sign_in(judge_page, url, judge.user)
        judge_page.goto(f"{url}/t/{code}/")
        judge_page.get_by_role("link", name="Requests shared with you").click()
        screenshot(judge_page, f"review-index-{width}-{db_backend}")
        judge_page.get_by_role("link", name=bundle.label).click()
        expect(judge_page.get_by_role("link", name="Read the signed request (PDF)")).to_be_visible()
        expect(judge_page.get_by_role("link", name="Custody report (PDF)")).to_be_visible()
        screenshot(judge_page, f"review-request-{width}-{db_backend}")
        pdf = judge_page.request.get(
            url
            + judge_page.get_by_role("link", name="Read the signed request (PDF)").get_attribute(
                "href"
            )
        )
        assert pdf.headers["content-type"] == "application/pdf"
        judge_page.get_by_role("button", name="Verify the package").click()
        expect(
            judge_page.get_by_role("heading", name=f"Package of {bundle.label}: intact")
        ).to_be_visible()
        expect(judge_page.get_by_text("passed").first).to_be_visible()
        screenshot(judge_page, f"review-verification-{width}-{db_backend}")
        judge_page.get_by_role("link", name=bundle.label).click()
        if width == 1280:
            judge_page.get_by_role("radio", name="Questions").check()
            judge_page.get_by_role("textbox", name="Note").fill(
                "Who held the ledger between seizure and scanning?"
            )
            judge_page.get_by_role("button", name="Record the decision").click()
            expect(judge_page.get_by_text("Your decision on")).to_be_visible()
        screenshot(judge_page, f"review-decided-{width}-{db_backend}")
        context.close()

    page.goto(f"{url}/t/{code}/requests/{bundle.number}/")
    review = page.locator("#review")
    expect(review).to_contain_text("Questions")
    expect(review).to_contain_text(
        "Who held the ledger between seizure and scanning?", use_inner_text=True
    )
    leader.close()
