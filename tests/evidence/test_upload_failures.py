"""A failed upload leaves no item, no file row, no blob — whatever made it fail."""

import io

import pytest

from jit import gates, signals
from tests.evidence.conftest import counts, item_fields, multipart_body, stored_blobs, upload

NOTHING = {"evidence_items": 0, "evidence_files": 0, "custody_events": 0}


@pytest.fixture
def app_config(app_config):
    return app_config | {"MAX_UPLOAD_MB": 1}


@pytest.fixture
def signed_in(client, auth, nl_member):
    auth.login(nl_member.user)
    return f"/t/{nl_member.team.code}/evidence/new"


def _assert_nothing_left(client):
    assert counts() == NOTHING
    assert stored_blobs(client.application) == []


def test_an_upload_cut_off_mid_body_leaves_nothing(client, signed_in):
    fields = {"csrf_token": client.csrf_token()} | item_fields()
    body, content_type = multipart_body(fields, [("files", "big.bin", b"x" * 300_000)])
    cut = body[: len(body) - 100_000]  # the connection drops inside the file
    response = client.post(
        signed_in,
        input_stream=io.BytesIO(cut),
        content_type=content_type,
        environ_overrides={"CONTENT_LENGTH": str(len(body))},
        csrf=False,
    )
    assert response.status_code == 400
    assert "The upload was cut off before it was complete" in response.get_data(as_text=True)
    _assert_nothing_left(client)


def test_a_body_that_ends_without_its_closing_boundary_leaves_nothing(client, signed_in):
    fields = {"csrf_token": client.csrf_token()} | item_fields()
    body, content_type = multipart_body(fields, [("files", "a.bin", b"y" * 5000)])
    truncated = body[:-60]
    response = client.post(signed_in, data=truncated, content_type=content_type, csrf=False)
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    _assert_nothing_left(client)


def test_an_upload_declared_too_large_gets_413_and_leaves_nothing(client, signed_in):
    fields = {"csrf_token": client.csrf_token()} | item_fields()
    body, content_type = multipart_body(fields, [("files", "huge.bin", b"z" * 100)])
    response = client.post(
        signed_in,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        environ_overrides={"CONTENT_LENGTH": str(3 * 1024 * 1024)},
        csrf=False,
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than this workspace accepts (1 MB per upload)" in page
    assert "JIT_MAX_UPLOAD_MB" in page
    _assert_nothing_left(client)


@pytest.mark.parametrize("length", ["²", "①", "9" * 5000])
def test_a_content_length_that_is_no_number_is_refused_and_leaves_nothing(
    client, signed_in, length
):
    """Digits str.isdigit() takes but int() refuses were a 500."""
    fields = {"csrf_token": client.csrf_token()} | item_fields()
    body, content_type = multipart_body(fields, [("files", "a.bin", b"y" * 100)])
    response = client.post(
        signed_in,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        environ_overrides={"CONTENT_LENGTH": length},
        csrf=False,
    )
    assert response.status_code == 411  # as if no length were given
    _assert_nothing_left(client)


def test_a_file_over_the_limit_gets_413_and_leaves_nothing(client, signed_in):
    response = upload(
        client, signed_in, item_fields(), [("files", "big.bin", b"q" * (1024 * 1024 + 10))]
    )
    assert response.status_code == 413
    _assert_nothing_left(client)


def test_the_upload_script_gets_413_as_json(client, signed_in):
    response = upload(
        client,
        signed_in,
        item_fields(),
        [("files", "big.bin", b"q" * (1024 * 1024 + 10))],
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 413
    assert "larger than this workspace accepts" in response.json["error"]


def test_a_second_file_failing_removes_the_first_files_blob(client, signed_in):
    files = [("files", "ok.bin", b"fine" * 100), ("files", "big.bin", b"q" * (1024 * 1024 + 1))]
    assert upload(client, signed_in, item_fields(), files).status_code == 413
    _assert_nothing_left(client)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Give the item a title."),
        ({"legal_basis": "  "}, "Give the legal basis for the collection."),
        ({"collected_at": ""}, "Give the date and time of collection."),
        ({"handling_code": "H9"}, "Unknown handling code “H9”; use H0, H1, H2 or H3."),
        ({"handling_code": "H3"}, "Handling code H3 needs its conditions written out."),
        ({"item_type": "rumour"}, "Unknown type “rumour”."),
        ({"collected_time_zone": "Mars/Olympus"}, "is not a time zone name"),
        ({"collected_at": "2031-01-01T10:00"}, "The collection time is in the future."),
        ({"derivation": "copy"}, "A derived item needs its parent item."),
    ],
)
def test_invalid_input_is_explained_and_nothing_is_written(client, signed_in, overrides, message):
    response = upload(client, signed_in, item_fields(**overrides), [("files", "a.txt", b"data")])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message.replace("“", "&#8220;") in page or message in page
    assert "Nothing was saved" in page
    _assert_nothing_left(client)


def test_invalid_input_is_returned_as_json_to_the_upload_script(client, signed_in):
    response = upload(
        client,
        signed_in,
        item_fields(title="", handling_code="H7"),
        [("files", "a.txt", b"data")],
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 400
    assert response.json["errors"]["title"] == ["Give the item a title."]
    assert "H7" in response.json["errors"]["handling_code"][0]
    _assert_nothing_left(client)


def test_a_derived_item_whose_parent_is_in_another_team_is_refused(
    client, signed_in, make_team, make_membership, make_item
):
    other = make_membership(make_team(), "member", "NL")
    foreign = make_item(other, files=[("x.txt", b"other team")])
    before = counts()
    blobs_before = stored_blobs(client.application)
    response = upload(
        client,
        signed_in,
        item_fields(parent_exhibit=foreign.exhibit_number, derivation="copy"),
        [("files", "copy.txt", b"a copy")],
    )
    assert response.status_code == 400
    assert f"There is no item {foreign.exhibit_number} in this team" in response.get_data(
        as_text=True
    )
    assert counts() == before
    assert stored_blobs(client.application) == blobs_before


def test_an_upload_without_csrf_token_writes_nothing(client, signed_in):
    response = upload(client, signed_in, item_fields(), [("files", "a.txt", b"x")], csrf=False)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    _assert_nothing_left(client)


def test_a_token_after_the_file_is_too_late(client, signed_in):
    body, content_type = multipart_body(item_fields(), [("files", "a.txt", b"x" * 1000)])
    token_part, _ = multipart_body({"csrf_token": client.csrf_token()})
    response = client.post(signed_in, data=body, content_type=content_type, csrf=False)
    assert response.status_code == 400
    assert token_part  # the token exists; it just did not come first
    _assert_nothing_left(client)


def test_the_agreement_gate_refuses_with_its_reason(client, signed_in):
    refuse = lambda team, action: gates.Decision(False, "The agreement expired.")  # noqa: E731
    with signals.gate.connected_to(refuse):
        response = upload(client, signed_in, item_fields(), [("files", "a.txt", b"x")])
        page = client.get(signed_in).get_data(as_text=True)
        assert response.status_code == 409
        assert "The agreement expired." in response.get_data(as_text=True)
        assert "The agreement expired." in page
        _assert_nothing_left(client)


def test_a_failing_commit_removes_the_new_blob(client, signed_in, monkeypatch):
    from evidence import services

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "create_item", broken)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    response = upload(client, signed_in, item_fields(), [("files", "a.txt", b"x" * 100)])
    assert response.status_code == 500
    _assert_nothing_left(client)
