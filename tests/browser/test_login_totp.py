"""A person signs in with a TOTP code in a real Chromium and opens their team."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from jit.accounts import services
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD, screenshot

pytestmark = pytest.mark.browser


def _enrol(user) -> str:
    secret = services.pending_totp_secret(user)
    # Enrol with the previous period's code (within the allowed drift), so the current
    # code is still unused for the sign-in below.
    services.confirm_mfa_enrolment(user, pyotp.TOTP(secret).at(time.time() - 30))
    db.session.commit()
    return secret


def test_sign_in_with_totp_and_open_team(live_server, page, make_team, make_membership, db_backend):
    team = make_team(code="IRON-TEST", name="Operation Iron Test")
    leader = make_membership(team, "leader", "NL").user
    make_membership(team, "member", "DE")
    secret = _enrol(leader)

    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail address").fill(leader.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()

    page.get_by_role("link", name="Operation Iron Test").click()
    page.wait_for_url(f"{live_server.url}/t/IRON-TEST/")
    header = page.get_by_label("Current team")
    expect(header).to_contain_text("IRON-TEST")
    expect(header).to_contain_text("Leader")
    expect(header).to_contain_text("for NL")
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    expect(page.get_by_text(leader.display_name).first).to_be_visible()
    path = screenshot(page, f"team-overview-{db_backend}")
    assert path.stat().st_size > 10_000
