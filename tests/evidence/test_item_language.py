"""An item's language: stated by its recorder, or left for the search to detect."""

from sqlalchemy import select

from evidence.models import EvidenceItem
from jit.extensions import db
from tests.evidence.conftest import item_fields, upload


def test_the_stated_language_is_kept_shown_and_recorded(client, auth, nl_member):
    auth.login(nl_member.user)
    code = nl_member.team.code
    page = client.get(f"/t/{code}/evidence/new").get_data(as_text=True)
    assert '<option value="nl">Dutch</option>' in page
    response = upload(
        client, f"/t/{code}/evidence/new", item_fields(language="nl"), [("files", "a.txt", b"x")]
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    item = db.session.scalar(select(EvidenceItem))
    assert item.language == "nl"
    page = client.get(f"/t/{code}/evidence/{item.exhibit_number}").get_data(as_text=True)
    assert "<dt>Language</dt><dd>Dutch</dd>" in page
    # The audit entry of its creation holds it, as every other descriptive field.
    from jit.audit.models import AuditEntry

    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "evidence.item_created")
    )
    assert entry.new_values["language"] == "nl"


def test_a_language_left_unstated_is_detected_by_the_search(client, auth, nl_member):
    auth.login(nl_member.user)
    code = nl_member.team.code
    upload(client, f"/t/{code}/evidence/new", item_fields(), [("files", "a.txt", b"x")])
    item = db.session.scalar(select(EvidenceItem))
    assert item.language == ""
    page = client.get(f"/t/{code}/evidence/{item.exhibit_number}").get_data(as_text=True)
    assert "Not stated" in page


def test_an_unknown_language_is_refused_with_a_message(client, auth, nl_member):
    auth.login(nl_member.user)
    response = upload(
        client,
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(language="xx"),
        [("files", "a.txt", b"x")],
    )
    assert response.status_code == 400
    assert "Unknown language “xx”" in response.get_data(as_text=True)
    assert db.session.scalar(select(EvidenceItem)) is None
