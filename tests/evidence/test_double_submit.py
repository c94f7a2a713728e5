"""A new-item or custody form sent twice (double click, resend, race) records once."""

import threading

import pytest
from sqlalchemy import func, select

from evidence.models import CustodyEvent, EvidenceItem
from jit.extensions import db
from jit.submissions import new_token
from tests.conftest import Auth
from tests.evidence.conftest import item_fields, upload


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _event_form(token) -> dict:
    return {
        "event_type": "transferred",
        "occurred_at": "2026-04-01T10:00",
        "time_zone": "Europe/Amsterdam",
        "location": "Landelijk Parket, Rotterdam",
        "purpose": "Handed to the prosecutor",
        "released_by": "Sanne Jansen",
        "released_by_party": "NL — Politie",
        "received_by": "Pieter de Vries",
        "received_by_party": "NL — OM",
        "packaging": "Sealed evidence bag NL-4471",
        "condition": "Seal intact",
        "receipt_number": "OM-ROT-2026-118",
        "submission_token": token,
    }


def _race(app, cookie, csrf, send):
    """Run ``send(client)`` twice at the same moment; return the two answers' statuses."""
    start, statuses, errors = threading.Barrier(2), [], []

    def run():
        try:
            with app.app_context():
                client = app.test_client()
                client.set_cookie("jit_session", cookie)
                start.wait(timeout=10)
                statuses.append(send(client, csrf).status_code)
                db.session.remove()
        except Exception as failure:  # reported by the test
            errors.append(failure)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return sorted(statuses)


def test_the_new_item_form_carries_a_token(client, auth, nl_member):
    auth.login(nl_member.user)
    page = client.get(f"/t/{nl_member.team.code}/evidence/new").get_data(as_text=True)
    assert 'name="submission_token" type="hidden" value="' in page


@pytest.mark.parametrize("ajax", [False, True])
def test_an_item_form_sent_twice_records_one_item(client, auth, nl_member, ajax):
    auth.login(nl_member.user)
    url = f"/t/{nl_member.team.code}/evidence/new"
    fields = item_fields(submission_token=new_token())
    headers = {"X-Requested-With": "XMLHttpRequest"} if ajax else {}
    first = upload(client, url, fields, [("files", "a.txt", b"ledger")], headers=headers)
    again = upload(client, url, fields, [("files", "a.txt", b"ledger")], headers=headers)
    item_url = f"/t/{nl_member.team.code}/evidence/NL-0001"
    if ajax:
        assert first.status_code == 201
        assert again.status_code == 200
        assert again.get_json() == {"redirect": item_url, "duplicate": True}
    else:
        assert first.status_code == 303
        assert again.status_code == 303
        assert again.headers["Location"] == item_url
    assert _count(EvidenceItem) == 1
    assert "already sent and saved once" in client.get(item_url).get_data(as_text=True)


def test_two_racing_item_posts_record_one_item(app, nl_member):
    browser = app.test_client()
    Auth(browser).login(nl_member.user)
    url, fields = (
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(submission_token=new_token()),
    )
    csrf = browser.csrf_token()

    def send(client, token):
        return upload(
            client, url, {"csrf_token": token} | fields, [("files", "a.txt", b"x")], csrf=False
        )

    statuses = _race(app, browser.get_cookie("jit_session").value, csrf, send)
    assert statuses == [303, 303]
    assert _count(EvidenceItem) == 1


def test_a_custody_form_sent_twice_records_one_event(client, auth, nl_member, make_item):
    item = make_item(nl_member, files=[("a.txt", b"content")])
    auth.login(nl_member.user)
    url = f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}/custody"
    form = _event_form(new_token())
    assert client.post(url, data=form).status_code == 303
    again = client.post(url, data=form)
    assert again.status_code == 303
    assert again.headers["Location"] == f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}"
    assert _count(CustodyEvent, CustodyEvent.event_type == "transferred") == 1


def test_two_racing_custody_posts_record_one_event(app, nl_member, make_item):
    item = make_item(nl_member, files=[("a.txt", b"content")])
    browser = app.test_client()
    Auth(browser).login(nl_member.user)
    url = f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}/custody"
    form = _event_form(new_token())

    def send(client, csrf):
        return client.post(url, data=form | {"csrf_token": csrf})

    csrf = browser.csrf_token()  # first: it stores the token in the session cookie
    statuses = _race(app, browser.get_cookie("jit_session").value, csrf, send)
    assert statuses == [303, 303]
    assert _count(CustodyEvent, CustodyEvent.event_type == "transferred") == 1
