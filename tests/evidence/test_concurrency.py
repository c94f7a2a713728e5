"""Concurrent writers neither fork a custody chain nor take the same exhibit number."""

import threading

from sqlalchemy import func, select

from evidence import custody
from evidence.models import CustodyEvent, EvidenceItem
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.evidence.conftest import item_fields, old_view, upload


def _parallel(app, count, work):
    errors = []

    def run(index):
        try:
            with app.app_context():
                client = app.test_client()
                work(client, index)
                db.session.remove()
        except Exception as failure:  # collected and reported by the test
            errors.append(failure)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_simultaneous_downloads_keep_one_chain(app, nl_member, make_item):
    item = make_item(nl_member, files=[("a.txt", b"x")])
    email = nl_member.user.email
    path = f"/t/{nl_member.team.code}/evidence/NL-0001/files/{item.files[0].id}"

    def download(client, _index):
        client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
        for _ in range(4):
            assert client.get(path).status_code == 200

    assert _parallel(app, 6, download) == []
    downloads = db.session.scalar(
        select(func.count(CustodyEvent.id)).where(
            CustodyEvent.item_id == item.id, CustodyEvent.event_type == "downloaded"
        )
    )
    assert downloads == 24
    assert custody.verify_items([item]).is_intact


def test_simultaneous_uploads_get_distinct_exhibit_numbers(app, nl_member):
    email, url = nl_member.user.email, f"/t/{nl_member.team.code}/evidence/new"

    def add(client, index):
        client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
        response = upload(client, url, item_fields(), [("files", f"{index}.txt", b"%d" % index)])
        assert response.status_code == 303, response.get_data(as_text=True)[:500]

    assert _parallel(app, 5, add) == []
    numbers = sorted(db.session.scalars(select(EvidenceItem.exhibit_number)))
    assert numbers == [f"NL-000{n}" for n in range(1, 6)]


def test_simultaneous_first_views_of_an_old_chain_add_one_note(app, nl_member, make_item):
    item = make_item(nl_member, files=[("a.txt", b"x")])
    old_view(item, nl_member.user)
    db.session.commit()
    email, path = nl_member.user.email, f"/t/{nl_member.team.code}/evidence/NL-0001"

    def view(client, _index):
        client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
        assert client.get(path).status_code == 200

    assert _parallel(app, 4, view) == []
    notes = db.session.scalar(
        select(func.count(CustodyEvent.id)).where(
            CustodyEvent.item_id == item.id, CustodyEvent.event_type == "note"
        )
    )
    assert notes == 1
    assert custody.verify_items([item]).is_intact
