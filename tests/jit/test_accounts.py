"""Accounts: creation by the platform admin, disabling, password change, sessions."""

from jit.accounts.models import User
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD, WorkspaceClient


def _second_client(app) -> WorkspaceClient:
    return app.test_client()


def test_passwords_are_stored_as_argon2id(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in user.password_hash


def test_admin_creates_an_account_in_the_ui(client, auth, make_user):
    admin = make_user(is_platform_admin=True)
    auth.login(admin)
    response = client.post(
        "/admin/users",
        data={
            "email": "Lena.Vogel@BKA.example",
            "display_name": "Lena Vogel",
            "password": "a long enough passphrase",
            "time_zone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(db.select(User).where(User.email == "lena.vogel@bka.example"))
    assert created.display_name == "Lena Vogel"
    assert created.time_zone == "Europe/Berlin"
    entry = db.session.scalar(
        db.select(AuditEntry).where(
            AuditEntry.operation == "account.created", AuditEntry.object_id == str(created.id)
        )
    )
    assert entry.user_id == admin.id
    assert entry.new_values["email"] == "lena.vogel@bka.example"


def test_account_creation_refuses_bad_input_and_writes_nothing(client, auth, make_user):
    admin = make_user(is_platform_admin=True)
    existing = make_user(email="taken@example.org")
    auth.login(admin)
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    cases = [
        (
            {"email": existing.email, "display_name": "X", "password": "long enough password"},
            "already exists",
        ),
        (
            {"email": "x@example.org", "display_name": "X", "password": "short"},
            "Use 12 to 1024 characters.",
        ),
        (
            {"email": "not-an-address", "display_name": "X", "password": "long enough password"},
            "Enter a valid e-mail address",
        ),
    ]
    for data, message in cases:
        response = client.post("/admin/users", data={"time_zone": "UTC", **data})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before


def test_only_platform_admins_reach_administration(client, auth, make_user):
    auth.login(make_user())
    for path in ("/admin/users", "/admin/teams", "/admin/audit"):
        assert client.get(path).status_code == 404


def test_disabling_ends_sessions_at_the_next_request(app, client, auth, make_user):
    admin, person = make_user(is_platform_admin=True), make_user()
    theirs = _second_client(app)
    theirs.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert theirs.get("/").status_code == 200

    auth.login(admin)
    assert client.post(f"/admin/users/{person.id}/disable").status_code == 302

    assert theirs.get("/").status_code == 302
    refused = theirs.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert "This account is disabled" in refused.get_data(as_text=True)
    assert client.post(f"/admin/users/{person.id}/enable").status_code == 302
    again = theirs.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert again.status_code == 302


def test_admin_cannot_disable_themselves(client, auth, make_user):
    admin = make_user(is_platform_admin=True)
    auth.login(admin)
    response = client.post(f"/admin/users/{admin.id}/disable", follow_redirects=True)
    assert "You cannot disable your own account" in response.get_data(as_text=True)
    assert not admin.is_disabled


def test_password_change_keeps_this_session_and_ends_the_others(app, client, auth, make_user):
    person = make_user()
    elsewhere = _second_client(app)
    elsewhere.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    auth.login(person)
    response = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    auth.logout()
    assert auth.login(person, password="a brand new passphrase").status_code == 302


def test_password_change_refusals_are_clear(client, auth, make_user):
    person = make_user()
    auth.login(person)
    wrong = client.post(
        "/account/password",
        data={
            "current_password": "not my password",
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert "Your current password is not correct." in wrong.get_data(as_text=True)
    mismatch = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "another passphrase!!",
        },
    )
    assert "The two entries differ." in mismatch.get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert auth.login(person).status_code == 302  # the old password still works


def test_time_zone_change_is_recorded_and_used(client, auth, make_user):
    person = make_user(time_zone="UTC")
    auth.login(person)
    response = client.post("/account/time-zone", data={"time_zone": "Europe/Zagreb"})
    assert response.status_code == 302
    assert person.time_zone == "Europe/Zagreb"
    assert "Times are shown in Europe/Zagreb" in client.get("/").get_data(as_text=True)
    bad = client.post("/account/time-zone", data={"time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    assert person.time_zone == "Europe/Zagreb"


def test_cli_creates_an_account(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "ops@example.org",
            "--name",
            "Ops Person",
            "--password",
            "a long enough password",
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.email == "ops@example.org"))
    assert user.is_platform_admin
    duplicate = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "ops@example.org",
            "--name",
            "Again",
            "--password",
            "a long enough password",
        ]
    )
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output


def test_next_parameter_cannot_redirect_off_site(client, make_user):
    person = make_user()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post(
            f"/login?next={target}", data={"email": person.email, "password": DEFAULT_PASSWORD}
        )
        assert response.headers["Location"] == "/"
        client.post("/logout")
