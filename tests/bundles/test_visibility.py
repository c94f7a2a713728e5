"""Who sees a request, and which evidence a drafter may put in it (form and crafted POST)."""

from sqlalchemy import func, select

from evidence.bundles.models import BundleItem
from jit.extensions import db


def _items_in(bundle) -> int:
    return db.session.scalar(select(func.count()).where(BundleItem.bundle_id == bundle.id))


def test_drafts_are_seen_by_the_drafting_party_and_leaders_only(
    client, auth, crew, make_bundle, make_membership, make_user
):
    bundle = make_bundle(crew.nl_member, "mla")
    url = f"/t/{crew.team.code}/requests/{bundle.number}/"
    outsider = make_user()
    coordinator = crew.team.memberships[0]
    participant = make_membership(crew.team, "participant", "NL")
    for membership, status in [
        (crew.nl_member, 200),
        (crew.nl_leader, 200),
        (crew.de_leader, 200),
        (crew.de_member, 404),
    ]:
        auth.login(membership.user)
        assert client.get(url).status_code == status, membership
        auth.logout()
    auth.login(participant.user)
    assert client.get(url).status_code == 404  # a participant drafts nothing
    auth.logout()
    auth.login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(f"/t/{crew.team.code}/requests/").status_code == 404
    auth.logout()
    auth.login(coordinator.user)
    assert coordinator.role == "coordinator"
    assert client.get(url).status_code == 404


def test_the_list_shows_only_visible_requests(client, auth, crew, make_bundle):
    nl = make_bundle(crew.nl_member, "mla")
    de = make_bundle(crew.de_member, "eio")
    auth.login(crew.nl_member.user)
    page = client.get(f"/t/{crew.team.code}/requests/").get_data(as_text=True)
    assert nl.label in page
    assert de.label not in page


def test_the_form_offers_only_items_the_drafter_may_see(client, auth, crew, make_bundle, make_item):
    mine = make_item(crew.nl_member, title="Our own record")
    hidden = make_item(crew.de_member, title="German party-only record", visibility="party")
    bundle = make_bundle(crew.nl_member, "tracing")
    auth.login(crew.nl_member.user)
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/evidence").get_data(
        as_text=True
    )
    assert mine.exhibit_number in page
    assert hidden.exhibit_number not in page
    assert "German party-only record" not in page


def test_a_crafted_post_cannot_add_a_hidden_item(client, auth, crew, make_bundle, make_item):
    hidden = make_item(crew.de_member, title="German party-only record", visibility="party")
    mine = make_item(crew.nl_member)
    bundle = make_bundle(crew.nl_member, "tracing")
    auth.login(crew.nl_member.user)
    response = client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/evidence",
        data={"item": [str(mine.id), str(hidden.id)]},
    )
    assert response.status_code == 400
    assert "not visible to you" in response.get_data(as_text=True)
    assert _items_in(bundle) == 0  # nothing written, not even the visible one


def test_a_crafted_post_cannot_add_another_teams_item(
    client, auth, crew, make_bundle, make_item, make_team, make_membership
):
    other = make_team()
    foreign = make_item(make_membership(other, "member", "NL"), title="Another team's record")
    bundle = make_bundle(crew.nl_member, "tracing")
    auth.login(crew.nl_member.user)
    response = client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/evidence", data={"item": str(foreign.id)}
    )
    assert response.status_code == 400
    assert _items_in(bundle) == 0


def test_an_item_that_is_no_number_is_refused_with_a_message(
    client, auth, crew, make_bundle, make_item
):
    """Digits str.isdigit() takes but int() refuses were a 500; digits int() reads, an item."""
    item = make_item(crew.nl_member)
    bundle = make_bundle(crew.nl_member, "tracing")
    auth.login(crew.nl_member.user)
    arabic = str(item.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for raw in ("²", "①", arabic):
        response = client.post(
            f"/t/{crew.team.code}/requests/{bundle.number}/evidence", data={"item": [raw]}
        )
        assert response.status_code == 400, raw
        assert "Select items from the list." in response.get_data(as_text=True)
        assert _items_in(bundle) == 0


def test_visible_items_are_selected(client, auth, crew, make_bundle, make_item):
    first, second = make_item(crew.nl_member), make_item(crew.de_member)
    bundle = make_bundle(crew.nl_member, "tracing")
    auth.login(crew.nl_member.user)
    response = client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/evidence",
        data={"item": [str(second.id), str(first.id)]},
    )
    assert response.status_code == 302
    db.session.refresh(bundle)
    assert [entry.item_id for entry in bundle.items] == [second.id, first.id]


def test_other_parties_and_leaders_cannot_edit(client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla")
    auth.login(crew.de_leader.user)
    url = f"/t/{crew.team.code}/requests/{bundle.number}/edit"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"language": "en", "purpose": "x"}).status_code == 403


def test_the_audit_log_does_not_carry_the_draft_text(crew, make_bundle):
    """The coordinator reads the audit log but not the draft: entries name fields, hash values."""
    from jit.audit.models import AuditEntry

    make_bundle(crew.nl_member, "mla", {"purpose": "Secret purpose of the request"})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "bundle.update"))
    assert "purpose" in entry.new_values["fields"]
    assert len(entry.new_values["sha256"]) == 64
    assert "Secret purpose" not in str(entry.new_values) + str(entry.old_values)


def test_saving_the_selection_keeps_the_items_the_drafter_may_not_see(
    client, auth, crew, make_bundle, make_item
):
    """Their selection page does not list them, so its form cannot speak for them."""
    hidden = make_item(crew.nl_leader, title="Leaders-only record", visibility="leaders")
    mine, other = make_item(crew.nl_member), make_item(crew.nl_member)
    bundle = make_bundle(crew.nl_leader, "tracing", items=[hidden, mine])
    auth.login(crew.nl_member.user)
    response = client.post(
        f"/t/{crew.team.code}/requests/{bundle.number}/evidence", data={"item": [str(other.id)]}
    )
    assert response.status_code == 302
    db.session.refresh(bundle)
    assert [entry.item_id for entry in bundle.items] == [other.id, hidden.id]


def test_what_is_missing_does_not_name_an_item_the_reader_may_not_see(
    client, auth, crew, make_bundle, make_item
):
    hidden = make_item(
        crew.nl_leader, title="Leaders-only record", visibility="leaders", handling_code="H2"
    )
    bundle = make_bundle(crew.nl_leader, "tracing", items=[hidden])
    auth.login(crew.nl_member.user)
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)
    assert "An item you may not see awaits the consent of its party" in page
    assert hidden.exhibit_number not in page
    auth.logout()
    auth.login(crew.nl_leader.user)
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)
    assert f"Exhibit {hidden.exhibit_number} (H2, NL) awaits the consent of a NL leader" in page


def test_a_request_quoting_an_item_the_reader_may_not_open_hides_its_text(
    client, auth, crew, make_bundle, make_item
):
    from tests.bundles.conftest import COMPLETE

    pistol = make_item(crew.nl_member, title="Pistol", visibility="party")
    values = COMPLETE["tracing"] | {"serial_frame": "ZX778899"}
    bundle = make_bundle(crew.nl_member, "tracing", values, items=[pistol])
    url = f"/t/{crew.team.code}/requests/{bundle.number}/"
    auth.login(crew.de_leader.user)  # a leader sees every request, not this item
    page = client.get(url).get_data(as_text=True)
    assert "ZX778899" not in page
    assert "its text may quote it" in page
    auth.logout()
    auth.login(crew.nl_leader.user)
    assert "ZX778899" in client.get(url).get_data(as_text=True)
