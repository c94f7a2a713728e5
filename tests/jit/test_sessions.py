"""Sign-in sessions live on the server: signing out ends every copy of that cookie."""

from datetime import timedelta

from sqlalchemy import select

from jit import clock
from jit.accounts.models import UserSession
from jit.audit.models import AuditEntry
from jit.extensions import db
from jit.extensions import socketio as socketio_extension
from tests.conftest import Auth

COOKIE = "jit_session"


def _signed_in(app, user):
    client = app.test_client()
    assert Auth(client).login(user).status_code == 302
    return client


def _replay(app, cookie_value):
    """A client that holds nothing but a copy of another browser's session cookie."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie_value)
    return client


def _is_signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def test_a_cookie_copied_before_logout_opens_nothing_after(
    app, make_team, make_membership, make_item
):
    team = make_team()
    member = make_membership(team, "member", "NL")
    item = make_item(member, files=[("note.txt", b"seized ledger, page 4")])
    file_url = f"/t/{team.code}/evidence/{item.exhibit_number}/files/{item.files[0].id}"
    browser = _signed_in(app, member.user)
    copied = browser.get_cookie(COOKIE).value
    assert _replay(app, copied).get(file_url).data == b"seized ledger, page 4"

    assert browser.post("/logout").status_code == 302
    replay = _replay(app, copied)
    page = replay.get(f"/t/{team.code}/")
    assert page.status_code == 302
    assert "/login" in page.headers["Location"]
    download = replay.get(file_url)
    assert download.status_code == 302
    assert b"seized ledger" not in download.data
    sio = socketio_extension.test_client(
        app, namespace="/chat", flask_test_client=replay, auth={"team": team.code}
    )
    assert not sio.is_connected("/chat")


def test_logout_leaves_the_other_browsers_signed_in(app, make_user):
    user = make_user()
    laptop, phone = _signed_in(app, user), _signed_in(app, user)
    laptop_cookie = laptop.get_cookie(COOKIE).value
    laptop.post("/logout")
    assert _is_signed_in(phone)
    assert not _is_signed_in(_replay(app, laptop_cookie))
    ended = db.session.scalars(select(UserSession).where(UserSession.ended_at.is_not(None))).all()
    assert [s.end_reason for s in ended] == ["signed out"]
    logout = db.session.scalars(select(AuditEntry).where(AuditEntry.operation == "auth.logout"))
    assert [e.new_values["session"] for e in logout] == [ended[0].id]


def test_password_change_ends_every_other_session(app, make_user):
    user = make_user()
    here, elsewhere = _signed_in(app, user), _signed_in(app, user)
    response = here.post(
        "/account/password",
        data={
            "current_password": "correct horse battery staple",
            "new_password": "a brand new passphrase 2026",
            "confirm_password": "a brand new passphrase 2026",
        },
    )
    assert response.status_code == 302
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    live = db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).all()
    assert len(live) == 1


def test_disabling_ends_every_session(app, make_user):
    from jit.accounts import services

    admin, user = make_user(is_platform_admin=True), make_user()
    browsers = [_signed_in(app, user), _signed_in(app, user)]
    services.set_disabled(user, True, actor=admin)
    db.session.commit()
    assert not any(_is_signed_in(browser) for browser in browsers)
    assert all(s.ended_at for s in db.session.scalars(select(UserSession)))


def test_the_account_page_signs_out_another_browser(app, make_user):
    user, stranger = make_user(), make_user()
    here, elsewhere = _signed_in(app, user), _signed_in(app, user)
    strangers = _signed_in(app, stranger)
    page = here.get("/account").get_data(as_text=True)
    assert "This browser" in page
    assert page.count("Sign out</button>") == 2
    mine = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).all()
    theirs = db.session.scalar(select(UserSession).where(UserSession.user_id == stranger.id))
    assert here.post(f"/account/sessions/{theirs.id}/end").status_code == 404
    assert here.post(f"/account/sessions/{2**70}/end").status_code == 404
    assert here.post(f"/account/sessions/{mine[1].id}/end", csrf=False).status_code == 400
    assert _is_signed_in(strangers)
    assert _is_signed_in(elsewhere)
    assert here.post(f"/account/sessions/{mine[1].id}/end").status_code == 302
    assert not _is_signed_in(elsewhere)
    assert _is_signed_in(here)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "auth.session_ended")
    )
    assert entry.new_values["session"] == mine[1].id


def test_a_session_expires_on_the_server_too(app, make_user):
    browser = _signed_in(app, make_user())
    with clock.shifted(timedelta(hours=app.config["SESSION_HOURS"], minutes=1)):
        assert not _is_signed_in(browser)


def test_last_seen_is_written_at_most_every_few_minutes(app, make_user):
    user = make_user()
    browser = _signed_in(app, user)
    first = db.session.scalar(select(UserSession)).last_seen_at
    with clock.shifted(timedelta(minutes=2)):
        browser.get("/account")
    assert db.session.scalar(select(UserSession)).last_seen_at == first
    with clock.shifted(timedelta(minutes=6)):
        browser.get("/account")
    assert db.session.scalar(select(UserSession)).last_seen_at > first


def test_signing_in_forgets_finished_sessions(app, make_user):
    user = make_user()
    _signed_in(app, user).post("/logout")
    _signed_in(app, user)
    assert [s.ended_at for s in db.session.scalars(select(UserSession))] == [None]


def test_a_hostile_user_agent_is_kept_printable(app, make_user):
    user = make_user()
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "Evil\x00Agent\x1b[31m" + "x" * 500
    assert Auth(client).login(user).status_code == 302
    record = db.session.scalar(select(UserSession))
    assert record.user_agent.startswith("EvilAgent[31m")
    assert len(record.user_agent) == 200


def test_a_session_id_whose_user_is_no_plain_number_is_malformed():
    from jit.accounts.sessions import parse_session_id

    assert parse_session_id("12:token") == (12, "token")
    for session_id in ("²:token", "①:token", "١٢:token", "9" * 5000 + ":token", ":token"):
        assert parse_session_id(session_id) is None, session_id
