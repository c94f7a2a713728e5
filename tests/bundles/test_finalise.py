"""Finalising: the drafting party's leader, a complete request; then nothing changes it."""

import io

import pytest
from sqlalchemy import select

from evidence.bundles import services
from evidence.bundles.models import Bundle, FinalBundleError
from evidence.models import CustodyEvent
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise


def test_only_the_drafting_partys_leader_finalises(client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    url = f"/t/{crew.team.code}/requests/{bundle.number}/finalise"
    for membership in (crew.nl_member, crew.de_leader):
        auth.login(membership.user)
        client.post(url)
        auth.logout()
    db.session.refresh(bundle)
    assert not bundle.is_final
    auth.login(crew.nl_leader.user)
    assert client.post(url).status_code == 302
    db.session.refresh(bundle)
    assert bundle.is_final
    assert bundle.finalised_by_id == crew.nl_leader.user.id


def test_an_incomplete_request_is_refused(crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla")
    with pytest.raises(services.BundleError, match="not complete"):
        finalise(crew.nl_leader, bundle)


def test_finalising_records_the_agreement_hash_audit_and_custody(
    crew, make_bundle, make_item, monkeypatch
):
    from evidence import custody

    monkeypatch.setattr(custody, "agreement_version", lambda team: "v2 sha256:abc")
    item = make_item(crew.nl_member, files=[("a.txt", b"a")])
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[item])
    finalise(crew.nl_leader, bundle)
    assert bundle.agreement_version == "v2 sha256:abc"
    assert bundle.document["agreement"]["version"] == "v2 sha256:abc"
    assert len(bundle.content_hash) == 64
    assert len(bundle.pdf_sha256) == 64
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "bundle.finalise"))
    assert entry.new_values["content_hash"] == bundle.content_hash
    exported = db.session.scalar(
        select(CustodyEvent)
        .where(CustodyEvent.item_id == item.id)
        .order_by(CustodyEvent.seq.desc())
    )
    assert exported.event_type == "exported"
    assert exported.details["request_sha256"] == bundle.content_hash


def test_the_orm_refuses_to_change_a_final_bundle(crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    finalise(crew.nl_leader, bundle)
    bundle.values = {"purpose": "changed"}
    with pytest.raises(FinalBundleError):
        db.session.flush()
    db.session.rollback()


def _snapshot(bundle_id):
    db.session.expire_all()
    bundle = db.session.get(Bundle, bundle_id)
    return (
        bundle.status,
        bundle.values,
        bundle.language,
        bundle.content_hash,
        bundle.pdf_sha256,
        [(e.item_id, e.position) for e in bundle.items],
        [(c.item_id, c.purpose) for c in bundle.consents],
        [(t.language, t.filename, t.sha256) for t in bundle.translations],
    )


def test_no_route_changes_a_final_bundle(app, client, auth, crew, make_bundle, make_item):
    item = make_item(crew.nl_member)
    other = make_item(crew.nl_member, handling_code="H1")
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=[item])
    services.attach_translation(access_of(crew.nl_member), bundle, "sr", "sr.txt", b"Prevod")
    finalise(crew.nl_leader, bundle)
    before = _snapshot(bundle.id)
    assert before[-1] != []
    data = {
        "language": "de",
        "translation_language": "sr",
        "purpose": "changed",
        "item": [str(item.id), str(other.id)],
        "then": "edit",
    }
    walked = []
    for rule in app.url_map.iter_rules():
        if "number" not in rule.arguments:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            values = {"code": crew.team.code, "number": bundle.number, "item_id": other.id}
            url = rule.build(values, append_unknown=False)[1]
            for membership in (crew.nl_leader, crew.nl_member):
                auth.login(membership.user)
                # A fresh file each time: a translation attached to the final request.
                upload = {"translation": (io.BytesIO(b"Traduction"), "fr.txt")}
                client.open(url, method=method, data=data | upload if method == "POST" else None)
                auth.logout()
            walked.append((rule.endpoint, method))
    assert ("bundles.edit", "POST") in walked
    assert ("bundles.finalise", "POST") in walked
    assert ("bundles.attach_translation", "POST") in walked
    assert len(walked) >= 10
    assert _snapshot(bundle.id) == before


def test_a_change_after_finalising_is_a_new_linked_version(client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    finalise(crew.nl_leader, bundle)
    auth.login(crew.nl_member.user)
    response = client.post(f"/t/{crew.team.code}/requests/{bundle.number}/new-version")
    assert response.status_code == 302
    draft = db.session.scalar(select(Bundle).where(Bundle.previous_id == bundle.id))
    assert draft.version == 2
    assert not draft.is_final
    assert draft.values == bundle.values
    services.save_values(
        access_of(crew.nl_member),
        draft,
        lambda field: (draft.values | {"purpose": "Amended purpose"}).get(field.key),
        "en",
    )
    db.session.commit()
    assert bundle.values["purpose"] == COMPLETE["mla"]["purpose"]


def test_evidence_gc_keeps_the_signed_pdfs(runner, crew, make_bundle):
    import os

    from evidence import storage

    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    finalise(crew.nl_leader, bundle)
    path = storage.blob_path(bundle.pdf_sha256)
    os.utime(path, (path.stat().st_atime - 7200, path.stat().st_mtime - 7200))
    result = runner.invoke(args=["evidence", "gc"])
    assert result.exit_code == 0, result.output
    assert path.exists()
