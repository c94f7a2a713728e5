"""PDF and JSON exports of a version; the PDF renderer fetches nothing outside the app."""

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from agreements import services
from agreements.content import ARTICLES
from jit.audit.models import AuditEntry
from jit.clock import frozen
from jit.extensions import db
from jit.pdf import BASE_URL, RefusedFetch, static_fetcher
from tests.agreements.conftest import TODAY, access_of, at


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_contains_every_article_party_signature_and_the_version_hash(
    client, auth, in_force
):
    jit = in_force
    auth.login(jit.nl_member.user)
    response = client.get(f"/t/{jit.team.code}/agreement/v1.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{jit.team.code}-agreement-v1.pdf"'
    )
    text = pdf_text(response.data)
    for article in ARTICLES:
        assert article.heading in text, article.title
    for party in jit.team.parties:
        assert party.name in text
        assert party.authority in text
    assert f"SHA-256 {jit.version.content_hash}" in text  # the running footer, on every page
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert all(jit.version.content_hash in page.extract_text() for page in pages)
    for leader in (jit.nl_leader, jit.de_leader):
        assert leader.user.display_name in text
    assert "The Hague, 2026-06-01" in text
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "agreement.exported")
    )
    assert entry.new_values == {
        "version": 1,
        "format": "pdf",
        "content_hash": jit.version.content_hash,
    }


def test_a_draft_pdf_says_it_is_not_signed(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    auth.login(jit.coordinator.user)
    text = pdf_text(client.get(f"/t/{jit.team.code}/agreement/v1.pdf").data)
    assert "Draft — not signed" in text
    assert "Not signed" in text
    assert services.current_hash(version) in text


def test_json_export_round_trips_into_another_draft(client, auth, jit, make_team, make_membership):
    with frozen(TODAY):
        version = jit.draft()
        jit.sign(version, jit.nl_leader)
    auth.login(jit.coordinator.user)
    response = client.get(f"/t/{jit.team.code}/agreement/v1.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    exported = json.loads(response.data)
    assert exported["format"] == "jit-agreement-export/1"
    assert exported["version"]["content_hash"] == version.content_hash
    assert exported["content"] == version.content
    assert exported["signatures"][0]["party"] == "NL"

    # Back into a fresh draft (after withdrawing the frozen one): the same text, the same hash.
    with frozen(TODAY):
        services.withdraw(access_of(jit.coordinator), version, "Redo")
        db.session.commit()
        replacement = services.start_version(access_of(jit.coordinator), "original")
        services.save_draft(
            access_of(jit.coordinator),
            replacement,
            {**replacement.content, "schema": "jit-agreement/1", "title": "Blank"},
        )
        db.session.commit()
    response = client.post(
        f"/t/{jit.team.code}/agreement/v2/import",
        data={"file": (io.BytesIO(response.data), "agreement.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    replacement = services.version_by_number(jit.team, 2)
    assert replacement.content == version.content
    assert services.current_hash(replacement) == version.content_hash


def test_an_altered_json_file_is_refused_and_nothing_changes(client, auth, in_force):
    jit = in_force
    auth.login(jit.coordinator.user)
    exported = json.loads(client.get(f"/t/{jit.team.code}/agreement/v1.json").data)
    exported["content"]["purpose"]["text"] = "Something else entirely."
    with frozen(at("2026-07-01")):
        amendment = jit.start("amendment")
        before = dict(amendment.content)
        response = client.post(
            f"/t/{jit.team.code}/agreement/v2/import",
            data={"file": (io.BytesIO(json.dumps(exported).encode()), "a.json")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
    assert "does not match the SHA-256 it states" in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.version_by_number(jit.team, 2).content == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"schema": "something-else"}', "not an agreement in the format"),
    ],
)
def test_files_that_are_not_agreements_are_refused(client, auth, jit, payload, message):
    with frozen(TODAY):
        jit.draft()
    auth.login(jit.coordinator.user)
    response = client.post(
        f"/t/{jit.team.code}/agreement/v1/import",
        data={"file": (io.BytesIO(payload), "a.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://example.org/static/css/app.css",
        "http://jit-workspace.invalid/static/css/app.css",
        f"{BASE_URL}static/../jit/config.py",
        f"{BASE_URL}static/%2e%2e/jit/config.py",
        f"{BASE_URL}instance/secret_key",
        f"{BASE_URL}static/css/missing.css",
        "data:text/css,body{}",
    ],
)
def test_the_pdf_fetcher_refuses_anything_but_the_apps_static_files(app, url):
    fetcher = static_fetcher(app.static_folder)
    with pytest.raises(RefusedFetch):
        fetcher.fetch(url)


def test_the_pdf_fetcher_serves_the_print_stylesheet(app):
    response = static_fetcher(app.static_folder).fetch(f"{BASE_URL}static/css/agreements-print.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
