import hashlib

from sqlalchemy import select

from evidence.models import CustodyEvent, EvidenceFile, EvidenceItem
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.evidence.conftest import blob_root, item_fields, stored_blobs, upload


def _events(item):
    return list(
        db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
        )
    )


def test_upload_and_download_round_trip_with_hashes(client, auth, nl_member):
    auth.login(nl_member.user)
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 4000
    text = "Zapisnik o pretrazi — Bajakovo\n".encode() * 100
    code = nl_member.team.code
    response = upload(
        client,
        f"/t/{code}/evidence/new",
        item_fields(),
        [("files", "report.pdf", pdf), ("files", "zapisnik.txt", text)],
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/t/{code}/evidence/NL-0001")

    item = db.session.scalar(select(EvidenceItem))
    assert item.exhibit_number == "NL-0001"
    assert item.collected_time_zone == "Europe/Zagreb"
    assert item.collected_at.isoformat() == "2026-03-14T08:30:00+00:00"  # 09:30 CET
    assert item.tag_names == ["border", "phone"]
    files = {f.original_filename: f for f in item.files}
    assert files["report.pdf"].sha256 == hashlib.sha256(pdf).hexdigest()
    assert files["report.pdf"].size_bytes == len(pdf)
    assert files["report.pdf"].media_type == "application/pdf"
    assert files["zapisnik.txt"].media_type == "text/plain"
    # Stored under the hash, never under the given name.
    for stored in item.files:
        path = (
            blob_root(client.application) / stored.sha256[:2] / stored.sha256[2:4] / stored.sha256
        )
        assert path.read_bytes() == (pdf if stored.media_type == "application/pdf" else text)
    assert not any("report" in path.name for path in stored_blobs(client.application))

    download = client.get(f"/t/{code}/evidence/NL-0001/files/{files['report.pdf'].id}")
    assert download.status_code == 200
    assert download.data == pdf
    assert hashlib.sha256(download.data).hexdigest() == files["report.pdf"].sha256
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["X-Evidence-SHA256"] == files["report.pdf"].sha256
    text_download = client.get(f"/t/{code}/evidence/NL-0001/files/{files['zapisnik.txt'].id}")
    assert text_download.mimetype == "application/octet-stream"

    types = [event.event_type for event in _events(item)]
    assert types == ["collected", "uploaded", "uploaded", "downloaded", "downloaded"]
    uploaded = _events(item)[1]
    assert uploaded.details["sha256"] in {f.sha256 for f in item.files}
    operations = set(db.session.scalars(select(AuditEntry.operation)))
    assert {"evidence.item_created", "evidence.file_uploaded", "evidence.file_downloaded"} <= (
        operations
    )


def test_item_page_view_is_an_audit_entry_not_a_custody_event(client, auth, nl_member, make_item):
    item = make_item(nl_member, files=[("a.txt", b"hello")])
    auth.login(nl_member.user)
    page = client.get(f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}")
    assert page.status_code == 200
    assert "a.txt" in page.get_data(as_text=True)
    assert [e.event_type for e in _events(item)] == ["collected", "uploaded"]
    viewed = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "evidence.item_viewed")
    )
    assert viewed.user_id == nl_member.user.id


def test_more_files_can_be_added_to_an_item(client, auth, nl_member, make_item):
    item = make_item(nl_member)
    auth.login(nl_member.user)
    response = upload(
        client,
        f"/t/{nl_member.team.code}/evidence/{item.exhibit_number}/files",
        {},
        [("files", "photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)],
    )
    assert response.status_code == 303
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.media_type == "image/png"
    assert [e.event_type for e in _events(item)] == ["collected", "uploaded"]


def test_exhibit_numbers_count_per_party(client, make_team, make_membership, make_item):
    team = make_team()
    nl = make_membership(team, "member", "NL")
    de = make_membership(team, "member", "DE")
    numbers = [make_item(m).exhibit_number for m in (nl, nl, de, nl)]
    assert numbers == ["NL-0001", "NL-0002", "DE-0001", "NL-0003"]


def test_same_content_uploaded_twice_is_stored_once(client, auth, nl_member):
    auth.login(nl_member.user)
    data = b"identical bytes " * 1000
    url = f"/t/{nl_member.team.code}/evidence/new"
    for name in ("first.bin", "second.bin"):
        assert upload(client, url, item_fields(), [("files", name, data)]).status_code == 303
    rows = db.session.scalars(select(EvidenceFile)).all()
    assert len(rows) == 2
    assert rows[0].sha256 == rows[1].sha256 == hashlib.sha256(data).hexdigest()
    assert len(stored_blobs(client.application)) == 1


def test_json_clients_get_the_item_address(client, auth, nl_member):
    auth.login(nl_member.user)
    response = upload(
        client,
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(),
        [("files", "a.txt", b"x")],
        csrf=False,
        headers={"X-Requested-With": "XMLHttpRequest", "X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 201
    assert response.json["exhibit"] == "NL-0001"
    assert response.json["redirect"].endswith("/evidence/NL-0001")
