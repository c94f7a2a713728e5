"""The request JSON: same content as the PDF, a versioned schema, importable into a draft."""

import io
import json

import pytest

from evidence.bundles.document import request_document, request_text
from evidence.bundles.instruments import INSTRUMENTS
from evidence.bundles.models import Bundle
from jit.extensions import db
from tests.bundles.conftest import COMPLETE


def _import(client, code, document):
    body = json.dumps(document).encode() if not isinstance(document, bytes) else document
    return client.post(
        f"/t/{code}/requests/import",
        data={"document": (io.BytesIO(body), "request.json")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("request_type", sorted(INSTRUMENTS))
def test_json_round_trips(request_type, client, auth, crew, make_bundle, make_item):
    item = make_item(crew.nl_member, files=[("a.txt", b"a")])
    bundle = make_bundle(crew.nl_member, request_type, COMPLETE[request_type], items=[item])
    auth.login(crew.nl_member.user)
    exported = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/request.json")
    document = exported.get_json()
    assert document["schema"] == "jit-workspace/request/v1"
    assert document["values"] == COMPLETE[request_type]
    assert document["evidence"][0]["files"][0]["sha256"] == item.files[0].sha256
    response = _import(client, crew.team.code, document)
    assert response.status_code == 302, response.get_data(as_text=True)
    copy = db.session.scalar(db.select(Bundle).where(Bundle.id != bundle.id))
    again = request_document(copy)
    assert again["values"] == document["values"]
    assert [row["exhibit_number"] for row in again["evidence"]] == [item.exhibit_number]
    assert again["type"] == document["type"]
    assert again["language"] == document["language"]


def test_bad_documents_are_named_and_nothing_is_written(client, auth, crew, make_item):
    hidden = make_item(crew.de_member, visibility="party")
    auth.login(crew.nl_member.user)
    good = {"schema": "jit-workspace/request/v1", "type": "mla", "language": "en", "values": {}}
    cases = [
        (b"not json", "not JSON"),
        (good | {"schema": "something/else"}, "schema"),
        (good | {"type": "warrant"}, "type"),
        (good | {"values": {"purpose": 7.5}}, "values/purpose"),
        (good | {"values": {"no_such_field": "x"}}, "values/no_such_field"),
        (good | {"values": {"assistance_types": ["z"]}}, "values/assistance_types"),
        (good | {"values": {"purpose": "x" * 20_001}}, "values/purpose"),
        (
            good | {"values": {"offences_from": "2026-05-01", "offences_to": "2026-04-01"}},
            "values/offences_to",
        ),
        (good | {"evidence": [{"exhibit_number": hidden.exhibit_number}]}, "not visible"),
    ]
    for document, named in cases:
        response = _import(client, crew.team.code, document)
        assert response.status_code == 400, named
        assert named in response.get_data(as_text=True), named
    assert db.session.scalar(db.select(db.func.count()).select_from(Bundle)) == 0


def test_request_text_is_the_plain_text_of_the_request(crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    text = request_text(request_document(bundle))
    assert "Request for mutual legal assistance in criminal matters" in text
    assert COMPLETE["mla"]["facts_summary"] in text
    assert "Executing State (not a party to the team): Serbia" in text


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000])
def test_a_deeply_nested_import_is_refused_with_a_message(body, client, auth, crew):
    auth.login(crew.nl_member.user)
    response = _import(client, crew.team.code, body)
    assert response.status_code == 400  # json's RecursionError: once a 500
    assert "nest too deep" in response.get_data(as_text=True)
