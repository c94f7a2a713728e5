"""A translation of the drafter's text goes with the request: PDF, JSON, package, audit."""

import hashlib
import html
import io
import json
import re
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from evidence import storage
from evidence.bundles import services
from evidence.bundles.document import request_document
from evidence.bundles.models import BundleTranslation, FinalBundleError
from evidence.bundles.package import package_file
from evidence.bundles.pdf import request_pdf
from evidence.bundles.verify import verify_package
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise

FRENCH = "Un réseau transforme des pistolets d'alarme et les vend à Rotterdam.\n".encode()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(pdf: bytes) -> str:
    return _flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _attach(client, crew, bundle, data, name="traduction-fr.txt", language="fr"):
    return client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/translations",
        data={"translation_language": language, "translation": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _written():
    """What an attempt could leave behind: rows, audit entries, blobs."""
    db.session.expire_all()
    rows = db.session.scalar(select(func.count(BundleTranslation.id)))
    audited = db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.operation.like("bundle.translation%"))
    )
    return rows, audited, sorted(path.name for path in storage.iter_blobs())


@pytest.fixture
def draft(crew, make_bundle, make_item):
    item = make_item(crew.nl_member, files=[("a.txt", b"a")])
    return make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[item], language="fr")


def test_a_translation_is_attached_listed_and_audited(client, auth, crew, draft):
    auth.login(crew.nl_member.user)
    response = _attach(client, crew, draft, FRENCH, name="../../etc/traduction-fr.txt")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Translation (French) attached to REQ-1: traduction-fr.txt." in page
    digest = hashlib.sha256(FRENCH).hexdigest()
    attached = db.session.scalar(select(BundleTranslation))
    assert (attached.language, attached.filename) == ("fr", "traduction-fr.txt")
    assert (attached.media_type, attached.size_bytes, attached.sha256) == (
        "text/plain",
        len(FRENCH),
        digest,
    )
    assert storage.blob_path(digest).read_bytes() == FRENCH
    assert digest[:8] in page
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "bundle.translation")
    )
    assert entry.new_values == {
        "bundle": "REQ-1",
        "language": "fr",
        "media_type": "text/plain",
        "size_bytes": len(FRENCH),
        "sha256": digest,
    }
    assert "traduction" not in json.dumps(entry.new_values)  # no text of the request

    document = client.get(f"/t/{crew.team.code}/requests/1/request.json").get_json()
    assert document["translations"] == [
        {
            "language": "fr",
            "filename": "traduction-fr.txt",
            "media_type": "text/plain",
            "size_bytes": len(FRENCH),
            "sha256": digest,
            "path": "data/request/translations/fr/traduction-fr.txt",
        }
    ]
    text = _pdf_text(request_pdf(request_document(draft), sign=False))
    assert _flat("Traductions jointes") in text
    assert _flat("français traduction-fr.txt") in text  # the language named in French
    assert digest in text
    assert str(len(FRENCH)) in text


def test_another_file_for_the_language_replaces_it_and_removal_is_audited(
    client, auth, crew, draft
):
    auth.login(crew.nl_member.user)
    _attach(client, crew, draft, FRENCH)
    _attach(client, crew, draft, PDF, name="traduction.pdf")
    rows = db.session.scalars(select(BundleTranslation)).all()
    assert [(r.language, r.filename, r.media_type) for r in rows] == [
        ("fr", "traduction.pdf", "application/pdf")
    ]
    replaced = db.session.scalars(
        select(AuditEntry).where(AuditEntry.operation == "bundle.translation")
    ).all()
    assert replaced[-1].old_values == {"sha256": hashlib.sha256(FRENCH).hexdigest()}
    response = client.post(
        f"/t/{crew.team.code}/requests/1/translations/remove",
        data={"translation_language": "fr"},
        follow_redirects=True,
    )
    assert "Translation (French) removed." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(BundleTranslation.id))) == 0
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "bundle.translation_remove")
    ).old_values == {"language": "fr", "sha256": hashlib.sha256(PDF).hexdigest()}


@pytest.mark.parametrize(
    ("data", "language", "message"),
    [
        (PNG, "fr", "The file is image/png, not a PDF, DOCX, ODT or plain text file; nothing"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), "fr", "not a PDF, DOCX, ODT or plain text"),
        (b"", "fr", "Choose a translation file; nothing was attached."),
        (FRENCH, "xx", "Choose the language the translation is in."),
        (b"a" * (1024 * 1024 + 1), "fr", "The file is larger than 1 MiB; nothing was attached."),
    ],
    ids=["png", "executable", "empty", "language", "oversize"],
)
def test_a_wrong_file_is_refused_with_nothing_written(
    app, client, auth, crew, draft, data, language, message
):
    app.config["MAX_TRANSLATION_MB"] = 1
    auth.login(crew.nl_member.user)
    before = _written()
    response = _attach(client, crew, draft, data, language=language)
    assert message in response.get_data(as_text=True)
    assert _written() == before


def test_only_the_drafting_party_attaches(client, auth, crew, draft):
    auth.login(crew.de_leader.user)  # sees the draft, as a leader of the team
    before = _written()
    response = _attach(client, crew, draft, FRENCH)
    page = html.unescape(response.get_data(as_text=True))
    assert "Only the drafting party's members may change this draft." in page
    assert _written() == before


def test_a_final_request_takes_no_translation(client, auth, crew, draft):
    auth.login(crew.nl_member.user)
    _attach(client, crew, draft, FRENCH)
    finalise(crew.nl_leader, draft)
    before = _written()
    response = _attach(client, crew, draft, PDF, name="late.pdf")
    assert "REQ-1 is final; start a new version to change it." in response.get_data(as_text=True)
    response = client.post(
        f"/t/{crew.team.code}/requests/1/translations/remove",
        data={"translation_language": "fr"},
        follow_redirects=True,
    )
    assert "REQ-1 is final" in response.get_data(as_text=True)
    assert _written() == before
    draft.translations[0].filename = "changed.txt"
    with pytest.raises(FinalBundleError):  # nor any other path through the ORM
        db.session.flush()
    db.session.rollback()


def test_the_package_carries_the_translation_and_verifies(client, auth, crew, draft):
    auth.login(crew.nl_member.user)
    _attach(client, crew, draft, FRENCH)
    finalise(crew.nl_leader, draft)
    assert draft.document["translations"][0]["sha256"] == hashlib.sha256(FRENCH).hexdigest()
    path = package_file(draft)
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if "/data/request/translations/" in n]
        assert name.endswith("/data/request/translations/fr/traduction-fr.txt")
        assert archive.read(name) == FRENCH
        listed = json.loads(archive.read(name.split("/data/")[0] + "/data/request/request.json"))
    assert listed["translations"][0]["path"] == "data/request/translations/fr/traduction-fr.txt"
    assert verify_package(path).is_intact
    # A new version starts with the same translation, which it may change.
    newer = services.new_version(access_of(crew.nl_member), draft)
    db.session.commit()
    assert [(t.language, t.sha256) for t in newer.translations] == [
        ("fr", hashlib.sha256(FRENCH).hexdigest())
    ]


def test_evidence_gc_keeps_the_translations(runner, crew, draft):
    import os

    attached = services.attach_translation(access_of(crew.nl_member), draft, "fr", "t.txt", FRENCH)
    db.session.commit()
    path = storage.blob_path(attached.sha256)
    os.utime(path, (path.stat().st_atime - 7200, path.stat().st_mtime - 7200))
    result = runner.invoke(args=["evidence", "gc"])
    assert result.exit_code == 0, result.output
    assert path.exists()


def _zipped(first: tuple[str, str], *members: tuple[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, as the formats want
        for name, text in members:
            archive.writestr(name, text)
    return out.getvalue()


DOCX = _zipped(
    (
        "[Content_Types].xml",
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    ("_rels/.rels", "<Relationships/>"),
    ("word/document.xml", "<w:document/>"),
)
ODT = _zipped(
    ("mimetype", "application/vnd.oasis.opendocument.text"),
    ("content.xml", "<office:document-content/>"),
)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (ODT, "application/vnd.oasis.opendocument.text"),
        (PDF, "application/pdf"),
    ],
    ids=["docx", "odt", "pdf"],
)
def test_each_accepted_format_is_attached(crew, draft, data, media_type):
    attached = services.attach_translation(access_of(crew.nl_member), draft, "nl", "v.bin", data)
    assert attached.media_type == media_type


def test_the_limit_is_a_setting_within_the_request_limit(app):
    from evidence.bundles import translations

    assert app.config["MAX_TRANSLATION_MB"] == 10
    assert translations.limit_bytes() == 10 * 2**20
    app.config["MAX_TRANSLATION_MB"] = 100
    assert translations.limit_bytes() == app.config["MAX_CONTENT_LENGTH"]
