"""Drafting an MLA request in a real Chromium: missing fields, completing, finalising, the PDF."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from evidence.bundles import pades, services
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of
from tests.conftest import DEFAULT_PASSWORD, screenshot

pytestmark = pytest.mark.browser


def sign_in(page, url, user):
    page.goto(f"{url}/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_draft_check_complete_finalise_and_open_the_pdf(
    live_server, browser, crew, make_item, db_backend
):
    item = make_item(crew.nl_leader, files=[("export-records.pdf", b"%PDF-1.4 records")])
    code = crew.team.code
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server.url, crew.nl_leader.user)
    page.goto(f"{live_server.url}/t/{code}/")
    page.get_by_role("navigation", name="Team").get_by_role("link", name="Requests").click()
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Request for mutual legal assistance in criminal matters").check()
    page.get_by_label("Executing (requested) state").select_option("RS")
    page.get_by_role("button", name="Start the draft").click()

    # Save as it stands: the check names what is missing, by section.
    page.get_by_role("button", name="Save and check").click()
    check = page.locator("section", has=page.get_by_role("heading", name="Completeness check"))
    expect(check).to_contain_text(
        "Art. 18(15)(f) — Purpose for which the evidence", use_inner_text=True
    )
    expect(check).to_contain_text("Purpose and relevance: Required.")
    assert page.get_by_role("button", name="Finalise and sign").is_disabled()
    screenshot(page, f"bundle-missing-{db_backend}")

    page.get_by_role("link", name="Edit the form").click()
    values = COMPLETE["mla"]
    for key in (
        "requested_authority",
        "proceedings_subject",
        "proceedings_authority",
        "facts_summary",
        "offences",
        "assistance_description",
        "persons",
        "purpose",
        "contact_name",
        "contact_email",
        "signatory_name",
        "signatory_function",
        "signed_place",
    ):
        page.locator(f"#f-{key}").fill(values[key])
    page.locator("#f-signed_on").fill(values["signed_on"])
    for key in ("is_urgent", "is_confidential"):
        page.locator(f"input[name={key}][value=no]").check()
    page.locator("input[name=speciality_undertaking][value=yes]").check()
    page.locator("input[name=assistance_types][value=f]").check()
    page.get_by_role("button", name="Save and check").click()
    expect(page.get_by_text("Complete: every required field is filled")).to_be_visible()

    page.get_by_role("link", name="Select evidence").click()
    page.get_by_label(item.exhibit_number).check()
    page.get_by_role("button", name="Save the selection").click()
    page.get_by_role("button", name="Finalise and sign").click()
    expect(page.get_by_text("is final; its signed PDF is ready")).to_be_visible()
    screenshot(page, f"bundle-final-{db_backend}")

    link = page.get_by_role("link", name="Signed PDF")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert values["purpose"] in text
    assert "Serbia" in text
    with live_server.app.app_context():  # Playwright runs an event loop in this thread
        assert pades.validate(pdf).bottom_line
    context.close()


def test_request_pages_have_no_serious_accessibility_violations(
    live_server, browser, crew, make_bundle, make_item
):
    from tests.browser.test_accessibility import AXE, _serious_violations

    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: scripts/test installs axe-core from npm")
    item = make_item(crew.nl_member, handling_code="H1")
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[item])
    # The translations table and its form are checked too.
    services.attach_translation(
        access_of(crew.nl_member), bundle, "de", "uebersetzung.txt", b"Sachverhalt.\n"
    )
    db.session.commit()
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, crew.nl_leader.user)
    code = crew.team.code
    for path in [
        f"/t/{code}/requests/",
        f"/t/{code}/requests/new",
        f"/t/{code}/requests/{bundle.number}/",
        f"/t/{code}/requests/{bundle.number}/edit",
        f"/t/{code}/requests/{bundle.number}/evidence",
        f"/t/{code}/requests/import",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert _serious_violations(page) == [], path
    context.close()
