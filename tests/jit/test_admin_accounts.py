"""The platform administrator's account list: landing, search, password and MFA resets."""

import re

import pytest

from jit.accounts import security
from jit.accounts.models import RecoveryCode, User
from jit.audit.models import AuditEntry
from jit.clock import utcnow
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD


def _with_second_factor(user: User) -> User:
    user.totp_secret = security.new_totp_secret()
    user.totp_enabled_at = utcnow()
    user.recovery_codes.append(RecoveryCode(code_hash=security.hash_password("abcdeabcde")))
    db.session.commit()
    return user


def _entries(operation: str, user: User) -> list[AuditEntry]:
    return db.session.scalars(
        db.select(AuditEntry).where(
            AuditEntry.operation == operation, AuditEntry.object_id == str(user.id)
        )
    ).all()


def test_an_admin_in_no_team_lands_on_the_account_list(client, auth, make_user):
    admin = make_user(is_platform_admin=True)
    response = auth.login(admin)
    assert client.get(response.location).location == "/admin/users"


def test_an_admin_who_is_a_member_still_sees_their_teams(client, auth, make_user, make_team):
    admin = make_user(is_platform_admin=True)
    make_team(coordinator=admin)
    auth.login(admin)
    response = client.get("/")
    assert response.status_code == 200
    assert "Your teams" in response.get_data(as_text=True)


def test_the_account_list_finds_by_name_or_address(client, auth, make_user):
    admin = make_user(is_platform_admin=True)
    make_user(email="lena.vogel@bka.example", name="Lena Vogel")
    make_user(email="marko@dorh.example", name="Marko Horvat")
    auth.login(admin)
    by_name = client.get("/admin/users?q=vogel").get_data(as_text=True)
    assert "lena.vogel@bka.example" in by_name
    assert "marko@dorh.example" not in by_name
    by_address = client.get("/admin/users?q=DORH").get_data(as_text=True)
    assert "Marko Horvat" in by_address
    assert "Lena Vogel" not in by_address
    # LIKE's wildcards are taken literally, and a NUL is no 500.
    wildcard = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "Lena Vogel" not in wildcard
    assert "0 accounts match" in wildcard
    assert client.get("/admin/users?q=a%00b").status_code == 200


def test_a_password_reset_ends_sessions_and_shows_the_new_password_once(
    app, client, auth, make_user
):
    admin, person = make_user(is_platform_admin=True), make_user()
    theirs = app.test_client()
    theirs.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert theirs.get("/").status_code == 200
    auth.login(admin)

    response = client.post(f"/admin/users/{person.id}/reset-password")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r"<code>([^<]+)</code>", page).group(1)
    assert "What to do next" in page
    assert "Change password" in page
    assert theirs.get("/").status_code == 302  # their session ended
    old = theirs.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert "not correct" in old.get_data(as_text=True)
    new = theirs.post("/login", data={"email": person.email, "password": password})
    assert new.status_code == 302
    (entry,) = _entries("account.password_reset", person)
    assert entry.user_id == admin.id
    assert password not in str(entry.new_values)
    assert password not in str(entry.old_values)


def test_a_second_factor_reset_lets_the_person_enrol_again(client, auth, make_user):
    admin, person = make_user(is_platform_admin=True), _with_second_factor(make_user())
    auth.login(admin)
    assert "Reset second factor" in client.get("/admin/users").get_data(as_text=True)

    response = client.post(f"/admin/users/{person.id}/reset-second-factor", follow_redirects=True)

    assert "set up their authenticator app again" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert not person.has_mfa
    assert person.totp_secret is None
    assert not person.recovery_codes
    (entry,) = _entries("account.mfa_reset", person)
    assert entry.user_id == admin.id
    assert entry.new_values == {"second_factor": "off"}
    refused = client.post(f"/admin/users/{person.id}/reset-second-factor", follow_redirects=True)
    assert "has no second factor to reset" in refused.get_data(as_text=True)


@pytest.mark.parametrize("action", ["reset-password", "reset-second-factor"])
def test_resets_need_an_admin_a_csrf_token_and_another_account(client, auth, make_user, action):
    admin, person = make_user(is_platform_admin=True), _with_second_factor(make_user())
    password_hash = person.password_hash
    auth.login(make_user())
    assert client.post(f"/admin/users/{person.id}/{action}").status_code == 404
    auth.logout()
    auth.login(admin)
    assert client.post(f"/admin/users/{person.id}/{action}", csrf=False).status_code == 400
    assert client.post(f"/admin/users/999999/{action}").status_code == 404
    own = client.post(f"/admin/users/{admin.id}/{action}", follow_redirects=True)
    assert "Reset your own account from your account page" in own.get_data(as_text=True)
    db.session.refresh(person)
    assert person.password_hash == password_hash
    assert person.has_mfa
    assert not _entries("account.password_reset", person)
    assert not _entries("account.mfa_reset", person)
