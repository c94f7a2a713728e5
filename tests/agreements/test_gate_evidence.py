"""The gate through the evidence routes: an upload outside the period is refused with the reason."""

import pytest
from sqlalchemy import func, select

from evidence.models import CustodyEvent, EvidenceItem
from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import TODAY, access_of, at
from tests.evidence.conftest import item_fields, upload


@pytest.fixture(autouse=True)
def _finish_extractions(app):
    yield
    from evidence import extraction

    extraction.wait_idle(app)


def items() -> int:
    return db.session.scalar(select(func.count()).select_from(EvidenceItem))


def post_item(client, jit):
    files = [("files", "note.txt", b"Seizure record, Waalhaven 12.\n")]
    return upload(client, f"/t/{jit.team.code}/evidence/new", item_fields(), files)


def test_an_upload_before_the_agreement_is_in_force_is_refused_with_the_reason(client, auth, jit):
    with frozen(TODAY):
        jit.draft()
        auth.login(jit.nl_member.user)
        response = post_item(client, jit)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The agreement is still a draft" in page
    assert items() == 0


def test_an_upload_after_expiry_is_refused_and_says_an_extension_would_allow_it(
    client, auth, in_force
):
    with frozen(at("2027-06-01")):
        auth.login(in_force.nl_member.user)
        response = post_item(client, in_force)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The agreement expired on 2027-05-31" in page
    assert "can sign an extension to continue working" in page
    assert items() == 0


def test_an_upload_in_force_records_the_version_with_its_custody_events(client, auth, in_force):
    with frozen(at("2026-07-01")):
        auth.login(in_force.nl_member.user)
        response = post_item(client, in_force)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert items() == 1
    labels = set(db.session.scalars(select(CustodyEvent.agreement_version)))
    assert labels == {f"v1 sha256:{in_force.version.content_hash[:30]}"}


def test_the_agreement_says_whether_participants_read_evidence(app, jit, make_membership):
    from evidence.access import participants_may_read as grant
    from tests.agreements.conftest import person

    analyst = make_membership(jit.team, "participant", "EUROJUST")
    other = make_membership(jit.team, "participant", "EUROJUST")
    assert not grant(jit.team, None)  # no agreement: nothing granted
    named = [
        person(analyst, scope="Analysis", may_read_evidence=True),
        person(other, scope="Liaison", may_read_evidence=False),
    ]
    with frozen(TODAY):
        jit.sign_all(jit.draft(participants=named))
        assert grant(jit.team, analyst.user)
        assert not grant(jit.team, other.user)
        assert not grant(jit.team, None)  # not every participant may read
    with frozen(at("2027-06-01")):  # after expiry the last text in force still decides
        assert grant(jit.team, analyst.user)


def test_the_custody_report_and_item_page_give_the_agreements_full_hash(client, auth, in_force):
    """Events store a shortened label ("v1 sha256:" and 30 hex digits); what a reader sees
    is the version and its text's full SHA-256, as the agreement's PDF prints it."""
    import io
    import re

    from pypdf import PdfReader

    full = in_force.version.content_hash
    with frozen(at("2026-07-01")):
        auth.login(in_force.nl_member.user)
        post_item(client, in_force)
        base = f"/t/{in_force.team.code}/evidence/NL-0001"
        report = client.get(f"{base}/custody-report.pdf")
        page = client.get(base).get_data(as_text=True)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report.data)).pages)
    squeezed = re.sub(r"\s+", "", text)
    assert "agreement version 1" in text
    assert f"Version1:SHA-256ofitstext{full}" in squeezed
    assert f"sha256:{full[:30]}" not in squeezed  # the label is never passed off as the hash
    assert f'title="SHA-256 {full}"' in page
    assert f"sha256:{full[:30]}" not in page


def test_a_final_requests_pages_give_the_agreements_full_hash(client, auth, in_force):
    """A request records the agreement's shortened label at finalising; its page (the
    drafter's and the reviewer's) shows the version and its text's full SHA-256."""
    from evidence.bundles import forms, services
    from evidence.bundles.pdf import request_pdf
    from evidence.reports import hash_groups
    from tests.bundles.conftest import COMPLETE

    full = in_force.version.content_hash
    with frozen(at("2026-12-01")):
        auth.login(in_force.nl_member.user)
        post_item(client, in_force)
        leader = access_of(in_force.nl_leader)
        bundle = services.create_bundle(leader, "eio")
        services.save_values(leader, bundle, forms.from_mapping(COMPLETE["eio"]), "en")
        services.select_evidence(leader, bundle, list(db.session.scalars(select(EvidenceItem.id))))
        services.finalise(leader, bundle, lambda document: request_pdf(document, sign=True))
        db.session.commit()
        auth.login(in_force.nl_leader.user)
        page = client.get(f"/t/{in_force.team.code}/requests/{bundle.number}/").get_data(
            as_text=True
        )
    assert bundle.agreement_version == f"v1 sha256:{full[:30]}"
    assert f'version 1, SHA-256 of its text <span class="hash">{hash_groups(full)}' in page
    assert f"sha256:{full[:30]}" not in page
    # So does the signed PDF's cover; its attached JSON keeps the label it was hashed with.
    import io
    import re

    from pypdf import PdfReader

    from evidence import storage

    pdf = PdfReader(io.BytesIO(storage.blob_path(bundle.pdf_sha256).read_bytes()))
    cover = re.sub(r"\s+", "", pdf.pages[0].extract_text())
    assert f"version1,SHA-256{full}" in cover
    assert f"sha256:{full[:30]}" not in cover
