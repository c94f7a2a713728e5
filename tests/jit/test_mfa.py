"""TOTP enrolment, sign-in with a code or a recovery code, and enforced enrolment."""

import re
import time

import pyotp
import pytest

from jit.accounts.models import RecoveryCode
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD


def _enrol_through_ui(client) -> tuple[str, list[str]]:
    page = client.get("/account/mfa").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code is rendered here, not fetched
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    previous_code = pyotp.TOTP(secret).at(time.time() - 30)
    response = client.post("/account/mfa", data={"code": previous_code})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.get_data(True))
    assert len(codes) == 10, response.get_data(True)
    return secret, codes


@pytest.fixture
def enrolled(client, auth, make_user):
    user = make_user()
    auth.login(user)
    secret, codes = _enrol_through_ui(client)
    auth.logout()
    return user, secret, codes


def test_enrolment_stores_secret_and_hashed_recovery_codes(client, auth, make_user):
    user = make_user()
    auth.login(user)
    secret, codes = _enrol_through_ui(client)
    assert user.has_mfa
    assert user.totp_secret == secret
    stored = db.session.scalars(db.select(RecoveryCode).where(RecoveryCode.user_id == user.id))
    hashes = [row.code_hash for row in stored]
    assert len(hashes) == 10
    assert not any(code.replace("-", "") in h for h in hashes for code in codes)
    assert db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.operation == "account.mfa_enabled")
    )


def test_enrolment_refuses_a_wrong_code(client, auth, make_user):
    user = make_user()
    auth.login(user)
    client.get("/account/mfa")
    response = client.post("/account/mfa", data={"code": "000000"})
    assert "That code does not match" in response.get_data(as_text=True)
    assert not user.has_mfa


def test_digits_of_other_scripts_are_a_wrong_code_not_a_500(client, auth, make_user, enrolled):
    """str.isdigit() takes "²²²²²²"; comparing it in constant time raised TypeError."""
    user, _secret, _codes = enrolled
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    for code in ("²²²²²²", "①②③④⑤⑥", "١٢٣٤٥٦"):
        response = client.post("/login/code", data={"code": code})
        assert response.status_code == 200, code
        assert "That code is not valid" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not signed in
    newcomer = make_user()
    auth.login(newcomer)
    client.get("/account/mfa")
    response = client.post("/account/mfa", data={"code": "²²²²²²"})
    assert "That code does not match" in response.get_data(as_text=True)
    assert not newcomer.has_mfa


def test_sign_in_needs_the_code_after_the_password(client, enrolled):
    user, secret, _codes = enrolled
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302  # not signed in yet
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_totp_code_works_once(client, auth, enrolled):
    user, secret, _codes = enrolled
    code = pyotp.TOTP(secret).now()
    auth.login(user, code=code)
    auth.logout()
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    response = client.post("/login/code", data={"code": code})
    assert "each code works once" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_expired_code_is_refused(client, enrolled):
    user, secret, _codes = enrolled
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    stale = pyotp.TOTP(secret).at(time.time() - 120)
    response = client.post("/login/code", data={"code": stale})
    assert "That code is not valid" in response.get_data(as_text=True)
    failed = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.operation == "auth.login_failed")
    ).all()
    assert failed
    assert failed[-1].new_values["reason"] == "wrong second-factor code"


def test_a_recovery_code_works_exactly_once(client, auth, enrolled):
    user, _secret, codes = enrolled
    response = auth.login(user, code=codes[3].upper())  # case and hyphen do not matter
    assert response.status_code == 302
    assert "9 remain" in client.get("/").get_data(as_text=True)
    auth.logout()
    response = auth.login(user, code=codes[3])
    assert response.status_code == 200
    assert "That code is not valid" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_the_password_step_expires(client, enrolled, app):
    user, secret, _codes = enrolled
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    with client.session_transaction() as session:
        pending = session["second_factor"]
        session["second_factor"] = {**pending, "started": pending["started"] - 301}
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/login"


def test_required_mfa_forces_enrolment_at_next_login(client, auth, make_user, app):
    app.config["REQUIRE_MFA"] = True  # what JIT_REQUIRE_MFA=1 sets (see test_config)
    user = make_user()
    auth.login(user)
    response = client.get("/")
    assert response.headers["Location"] == "/account/mfa"
    assert client.get("/account").headers["Location"] == "/account/mfa"
    assert client.get("/account/mfa").status_code == 200
    _enrol_through_ui(client)
    assert client.get("/").status_code == 200
