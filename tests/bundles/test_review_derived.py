"""A reviewer reads a shared item without learning the numbers of items made from it."""

from sqlalchemy import select

from evidence import extraction
from evidence.models import EvidenceFile, EvidenceItem
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise
from tests.evidence import samples
from tests.evidence.conftest import item_fields, upload


def test_a_reviewer_is_not_told_the_extract_made_of_a_shared_container(
    client, auth, crew, make_bundle, make_membership
):
    from evidence.bundles import review

    auth.login(crew.nl_member.user)
    response = upload(
        client,
        f"/t/{crew.team.code}/evidence/new",
        item_fields(),
        [("files", "phone.zip", samples.zip_bytes({"phone/chat.txt": b"Sastanak u Splitu"}))],
    )
    assert response.status_code == 303
    extraction.wait_idle(client.application)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile).order_by(EvidenceFile.id.desc()))
    container = stored.item
    member = stored.members[0]
    url = f"/t/{crew.team.code}/evidence/{container.exhibit_number}"
    assert client.post(f"{url}/members/{member.id}/extract").status_code == 303
    extraction.wait_idle(client.application)
    db.session.expire_all()
    extract = db.session.scalar(select(EvidenceItem).where(EvidenceItem.parent_id == container.id))
    page = client.get(url).get_data(as_text=True)
    assert f">{extract.exhibit_number}</a>" in page  # its maker's team sees the link
    auth.logout()

    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[container])
    finalise(crew.nl_leader, bundle)
    judge = make_membership(crew.team, "reviewer", "NL")
    review.share(access_of(crew.nl_leader), bundle, judge.id)
    db.session.commit()
    auth.login(judge.user)
    assert client.get(f"/t/{crew.team.code}/evidence/{extract.exhibit_number}").status_code == 404
    page = client.get(url).get_data(as_text=True)
    assert "phone/chat.txt" in page  # the member is listed
    assert extract.exhibit_number not in page
    assert "Extract made: an item you may not open" in page


def test_an_item_s_export_names_the_request_only_to_who_may_open_it(
    client, auth, crew, make_bundle, make_item
):
    """DE's team item went out in NL's EIO: DE's members, who may not open it, are not told
    its number, in the custody table or the chain's lines (held back, still linked)."""
    import json

    from evidence.bundles import services

    item = make_item(crew.de_member, title="Port CCTV stills", files=[("a.txt", b"a")])
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[item])
    services.record_consent(access_of(crew.de_leader), bundle, item, "The Rotterdam case")
    db.session.commit()
    finalise(crew.nl_leader, bundle)
    url = f"/t/{crew.team.code}/evidence/{item.exhibit_number}"
    auth.login(crew.nl_member.user)
    assert f"{bundle.label}" in client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login(crew.de_member.user)
    assert client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").status_code == 404
    page = client.get(url).get_data(as_text=True)
    assert bundle.label not in page
    assert bundle.package_sha256[:12] not in page
    assert "Annexed to a request you may not open" in page
    body = client.get(f"{url}/custody.jsonl").get_data(as_text=True)
    assert bundle.label not in body
    assert bundle.package_sha256 not in body
    lines = [json.loads(line) for line in body.splitlines()]
    held = [line["seq"] for line in lines if line.get("is_held_back")]
    assert held == [3]  # collected, uploaded, then exported
    assert [line.get("event_type") for line in lines[:2]] == ["collected", "uploaded"]
