"""In a real Chromium: upload evidence with the progress bar, then open the item."""

import hashlib
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from evidence.models import EvidenceFile
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD, screenshot

pytestmark = pytest.mark.browser


def test_upload_with_progress_bar_and_open_the_item(
    live_server, page, make_team, make_membership, tmp_path, db_backend
):
    team = make_team(code="EVID-UP", name="Operation Upload")
    member = make_membership(team, "member", "NL").user
    data = bytes(range(256)) * (6 * 1024 * 1024 // 256)  # 6 MiB
    evidence_file = tmp_path / "Zapisnik — telefon.bin"
    evidence_file.write_bytes(data)

    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail address").fill(member.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/t/EVID-UP/evidence/")
    page.get_by_role("link", name="Add evidence").click()

    page.get_by_label("Title *").fill("Handset image from the border")
    page.get_by_label("Type *").select_option("device-image")
    page.get_by_label("Collected or seized by *").fill("Insp. T. Babić")
    page.get_by_label("Where *").fill("Bajakovo")
    page.get_by_label("Collected at *").fill("2026-03-14T09:30")
    page.get_by_label("Legal basis *").fill("Art. 261 ZKP")
    page.get_by_label("Tags").fill("phone, border")
    page.get_by_label("Files").set_input_files(str(evidence_file))

    # Slow the upload down so the progress bar can be seen moving.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 3 << 20},
    )
    page.get_by_role("button", name="Record the item").click()
    progress = page.locator("[data-upload-progress] progress")
    status = page.locator("[data-upload-status]")
    status.filter(has_text=re.compile(r"MiB of 6\.0 MiB sent \(\d+ %\)")).wait_for(timeout=15000)
    value = float(progress.get_attribute("value") or progress.evaluate("p => p.value"))
    assert 0 < progress.evaluate("p => p.value") <= 100, value
    screenshot(page, "evidence-upload-progress")

    page.wait_for_url(f"{live_server.url}/t/EVID-UP/evidence/NL-0001", timeout=30000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^NL-0001"))
    expect(page.get_by_role("link", name="Zapisnik — telefon.bin")).to_be_visible()
    digest = hashlib.sha256(data).hexdigest()
    expect(page.locator(f"code.hash[title='SHA-256 {digest}']").first).to_be_visible()
    expect(page.get_by_text("NL-0001 is recorded with 1 file.")).to_be_visible()
    screenshot(page, "evidence-item")

    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert (stored.sha256, stored.size_bytes) == (digest, len(data))
