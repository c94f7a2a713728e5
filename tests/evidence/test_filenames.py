"""Hostile and unusual file names are stored as text, shown escaped and offered safely."""

from urllib.parse import quote

import pytest
from sqlalchemy import select

from evidence.models import EvidenceFile
from jit.extensions import db
from tests.evidence.conftest import item_fields, stored_blobs, upload

LONG = "Zapisnik_" + "o" * 300 + ".pdf"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd", "../../etc/passwd"),
        ('<img src=x onerror="alert(1)">.txt', '<img src=x onerror="alert(1)">.txt'),
        ("Снимок экрана 2026-03-14 — 證據 ščćžđ.png", "Снимок экрана 2026-03-14 — 證據 ščćžđ.png"),
        ("tab\tand\x07bell.txt", "tabandbell.txt"),
        (LONG, "Zapisnik_" + "o" * 241 + "….pdf"),
    ],
)
def test_file_names_are_kept_safely(client, auth, nl_member, given, stored):
    auth.login(nl_member.user)
    code = nl_member.team.code
    response = upload(client, f"/t/{code}/evidence/new", item_fields(), [("files", given, b"x1")])
    assert response.status_code == 303
    row = db.session.scalar(select(EvidenceFile))
    assert row.original_filename == stored
    assert len(row.original_filename) <= 255
    # On disk the file has its hash for a name, inside the blob store.
    (path,) = stored_blobs(client.application)
    assert path.name == row.sha256
    assert not (client.application.instance_path + "/etc").endswith("passwd")

    page = client.get(f"/t/{code}/evidence/NL-0001").get_data(as_text=True)
    assert "<img src=x" not in page
    if "<img" in stored:
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;.txt" in page
    download = client.get(f"/t/{code}/evidence/NL-0001/files/{row.id}")
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "/" not in disposition.split("filename*=")[1]
    assert quote(stored.replace("/", "_"), safe="") in disposition
    assert "\n" not in disposition
    assert "\r" not in disposition
    assert download.headers["Content-Security-Policy"].startswith("sandbox")
