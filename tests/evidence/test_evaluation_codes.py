"""An item's 4x4 evaluation: "not evaluated" is a value of its own, shown in words."""

from sqlalchemy import select

from evidence.models import EvidenceItem
from jit.extensions import db
from tests.evidence.conftest import item_fields, upload


def test_an_item_left_unevaluated_is_stored_and_shown_as_not_evaluated(client, auth, nl_member):
    auth.login(nl_member.user)
    code = nl_member.team.code
    fields = item_fields(source_reliability="", information_accuracy="")
    response = upload(client, f"/t/{code}/evidence/new", fields, [("files", "a.txt", b"x")])
    assert response.status_code == 303, response.get_data(as_text=True)
    item = db.session.scalar(select(EvidenceItem))
    assert item.source_reliability is None
    assert item.information_accuracy is None
    page = client.get(f"/t/{code}/evidence/{item.exhibit_number}").get_data(as_text=True)
    assert "Not evaluated" in page


def test_an_evaluated_item_shows_the_4x4_meaning(client, auth, nl_member):
    auth.login(nl_member.user)
    code = nl_member.team.code
    fields = item_fields(source_reliability="C", information_accuracy="4")
    upload(client, f"/t/{code}/evidence/new", fields, [("files", "a.txt", b"x")])
    page = client.get(f"/t/{code}/evidence/NL-0001").get_data(as_text=True)
    assert "C4" in page
    assert "in most instances proved unreliable" in page


def test_an_unknown_evaluation_is_refused_with_a_message(client, auth, nl_member):
    auth.login(nl_member.user)
    fields = item_fields(source_reliability="D")
    response = upload(
        client, f"/t/{nl_member.team.code}/evidence/new", fields, [("files", "a.txt", b"x")]
    )
    assert response.status_code == 400
    assert "leave it not evaluated" in response.get_data(as_text=True)
    assert db.session.scalar(select(EvidenceItem)) is None
