"""Failed sign-ins are counted per account and per address, with a temporary lock-out."""

from datetime import timedelta

from jit import clock
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD


def _attempt(client, email, password="wrong password!!", ip="198.51.100.7"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def _operations(name):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.operation == name)).all()


def test_wrong_password_and_unknown_user_get_the_same_clear_message(client, make_user):
    user = make_user()
    wrong = _attempt(client, user.email)
    unknown = _attempt(client, "nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "The e-mail address or password is not correct." in response.get_data(True)
    failures = _operations("auth.login_failed")
    assert [f.new_values["email"] for f in failures] == [user.email, "nobody@example.org"]
    assert failures[0].user_id is None
    assert failures[0].object_id == str(user.id)
    assert failures[0].ip_address == "198.51.100.7"


def test_account_locks_after_five_failures_then_opens_again(client, make_user):
    user = make_user()
    for _ in range(5):
        _attempt(client, user.email)
    locked = _attempt(client, user.email, password=DEFAULT_PASSWORD)
    assert locked.status_code == 429
    text = locked.get_data(as_text=True)
    assert "Too many failed sign-in attempts" in text
    assert "15 more minutes" in text
    assert client.get("/").status_code == 302  # still signed out
    assert _operations("auth.login_refused_locked")

    with clock.shifted(timedelta(minutes=16)):
        opened = _attempt(client, user.email, password=DEFAULT_PASSWORD)
    assert opened.status_code == 302
    assert client.get("/").status_code == 200


def test_lock_is_per_account_not_per_person_guessing_elsewhere(client, make_user):
    target, bystander = make_user(), make_user()
    for _ in range(5):
        _attempt(client, target.email, ip="198.51.100.8")
    response = _attempt(client, bystander.email, password=DEFAULT_PASSWORD, ip="198.51.100.9")
    assert response.status_code == 302


def test_an_address_spraying_many_accounts_is_locked(client, app, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 6
    victims = [make_user() for _ in range(3)]
    for victim in victims:
        _attempt(client, victim.email, ip="203.0.113.5")
        _attempt(client, victim.email, ip="203.0.113.5")
    fresh = make_user()
    refused = _attempt(client, fresh.email, password=DEFAULT_PASSWORD, ip="203.0.113.5")
    assert refused.status_code == 429
    elsewhere = _attempt(client, fresh.email, password=DEFAULT_PASSWORD, ip="203.0.113.6")
    assert elsewhere.status_code == 302


def test_a_success_clears_the_account_count(client, make_user):
    user = make_user()
    for _ in range(4):
        _attempt(client, user.email)
    assert _attempt(client, user.email, password=DEFAULT_PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        _attempt(client, user.email)
    assert _attempt(client, user.email, password=DEFAULT_PASSWORD).status_code == 302
