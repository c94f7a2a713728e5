"""Recording firearms and ammunition on an item: the pages, the audit, and bad input."""

from datetime import UTC, datetime

import pytest

from evidence import services
from evidence.firearms.models import Ammunition, Firearm, FirearmSerial
from jit.audit.models import AuditEntry
from jit.clock import frozen
from jit.extensions import db
from jit.teams.access import team_access_for
from tests.agreements.conftest import at, in_force, jit  # noqa: F401  (fixtures)
from tests.firearms.conftest import audit_count, count


def firearm_fields(**overrides) -> dict:
    fields = {
        "kind": "weapon",
        "manufacturer": "Zastava",
        "model": "M57",
        "firearm_type": "pistol",
        "calibre": "7.62×25",
        "country_of_manufacture": "RS",
        "year_of_manufacture": "1987",
        "import_country": "HR",
        "import_year": "1995",
        "serial_frame": "12-M57-4?221",
        "alteration_frame": "restored-by-laboratory",
        "serial_slide": "",
        "alteration_slide": "none",
        "serial_barrel": "",
        "alteration_barrel": "none",
        "serial_other": "",
        "alteration_other": "none",
        "proof_marks": "Yugoslav proof mark",
        "other_marks": "",
        "condition": "converted",
        "condition_notes": "Converted from a blank-firing pistol; barrel replaced.",
        "licence_reference": "",
        "licence_issued_on": "",
        "licence_expires_on": "",
        "export_country": "",
        "transit_countries": "RS; HR",
        "final_recipient": "",
    }
    return fields | overrides


@pytest.fixture
def member(make_team, make_membership):
    return make_membership(make_team(), "member", "NL")


def test_a_member_records_a_firearm_with_its_markings(client, auth, member, make_firearm_item):
    item = make_firearm_item(member)
    auth.login(member.user)
    url = f"/t/{member.team.code}/evidence/{item.exhibit_number}/firearms/new"
    assert client.get(url).status_code == 200
    response = client.post(url, data=firearm_fields())
    assert response.status_code == 302
    firearm = db.session.query(Firearm).one()
    assert firearm.make_key == "ZASTAVA"
    assert firearm.position == 1
    assert firearm.transit_countries == "RS;HR"
    serial = firearm.serials[0]
    assert (serial.as_read, serial.normalised) == ("12-M57-4?221", "12M574?221")
    assert serial.alteration == "restored-by-laboratory"
    entry = db.session.query(AuditEntry).filter_by(operation="firearms.firearm_recorded").one()
    assert entry.new_values["serials"][0]["as_read"] == "12-M57-4?221"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12-M57-4?221" in page
    assert "restored by a laboratory" in page
    assert "Outgoing tracing request" in page
    # No agreement in force names the team's offences: the seizure context says so.
    assert "none named: no agreement in force names them" in page


def test_several_weapons_on_one_item_get_their_own_numbers(
    app, member, make_firearm_item, make_firearm
):
    item = make_firearm_item(member)
    first = make_firearm(member, item)
    second = make_firearm(member, item, serial="77-1234", kind="part", firearm_type="other")
    assert (first.label, second.label) == (
        f"{item.exhibit_number}/1",
        f"{item.exhibit_number}/2",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"serial_frame": "  -- - "}, "only spaces or dashes"),
        ({"serial_frame": "   "}, "only spaces"),
        ({"year_of_manufacture": "2999"}, "2999 is in the future"),
        ({"year_of_manufacture": "87"}, "four digits"),
        # Digits str.isdigit() takes but int() refuses (once a 500), or reads though the
        # form asks for 0-9.
        ({"year_of_manufacture": "²²²²"}, "four digits"),
        ({"import_year": "①①①①"}, "four digits"),
        ({"year_of_manufacture": "١٩٨٧"}, "four digits"),
        ({"photos": "²"}, "A photograph must be one of this item"),
        ({"country_of_manufacture": "XX"}, "“XX” is not an ISO 3166-1 country code"),
        ({"transit_countries": "RS; QQ"}, "“QQ” is not an ISO 3166-1 country code"),
        ({"calibre": "  "}, "Give the calibre"),
        ({"firearm_type": "bazooka"}, "Choose the type"),
        ({"import_year": "1980"}, "before the year of manufacture"),
        ({"licence_issued_on": "2020-05-01", "licence_expires_on": "2019-05-01"}, "expires"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(
    client, auth, member, make_firearm_item, overrides, message
):
    item = make_firearm_item(member)
    auth.login(member.user)
    entries = audit_count()
    response = client.post(
        f"/t/{member.team.code}/evidence/{item.exhibit_number}/firearms/new",
        data=firearm_fields(**overrides),
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Firearm) == 0
    assert count(FirearmSerial) == 0
    assert audit_count() == entries


def test_a_photo_must_be_one_of_the_items_files(client, auth, member, make_firearm_item):
    item = make_firearm_item(member)
    auth.login(member.user)
    url = f"/t/{member.team.code}/evidence/{item.exhibit_number}/firearms/new"
    response = client.post(url, data=firearm_fields(photos="999999"))
    assert response.status_code == 400
    assert count(Firearm) == 0


def test_firearms_belong_to_items_of_type_firearm(app, client, auth, member):
    access = team_access_for(member.user, member.team.code)
    item = services.create_item(
        access,
        services.ItemInput(
            title="A phone",
            item_type="device-image",
            collected_by="x",
            collected_at=datetime(2026, 3, 1, tzinfo=UTC),
            collected_time_zone="UTC",
            collected_location="x",
            legal_basis="x",
        ),
        [],
    )
    db.session.commit()
    auth.login(member.user)
    response = client.post(
        f"/t/{member.team.code}/evidence/{item.exhibit_number}/firearms/new",
        data=firearm_fields(),
    )
    assert response.status_code == 400
    assert "items of type “Firearm”" in response.get_data(as_text=True)
    assert count(Firearm) == 0


def test_correcting_a_firearm_keeps_the_old_values_in_the_audit(
    client, auth, member, make_firearm_item, make_firearm
):
    firearm = make_firearm(member, make_firearm_item(member))
    auth.login(member.user)
    url = f"/t/{member.team.code}/firearms/{firearm.id}/edit"
    assert "12-M57-48221" in client.get(url).get_data(as_text=True)
    response = client.post(url, data=firearm_fields(calibre="9×19 mm", serial_frame="A-1234"))
    assert response.status_code == 302
    db.session.refresh(firearm)
    assert firearm.calibre == "9×19 mm"
    assert [s.normalised for s in firearm.serials] == ["A1234"]
    entry = db.session.query(AuditEntry).filter_by(operation="firearms.firearm_corrected").one()
    assert entry.old_values["calibre"] == "7.62×25"


def test_ammunition_is_recorded_and_bad_quantities_refused(client, auth, member, make_firearm_item):
    item = make_firearm_item(member)
    auth.login(member.user)
    url = f"/t/{member.team.code}/evidence/{item.exhibit_number}/ammunition/new"
    fields = {"calibre": "7.62×25", "headstamp": "PPU 7,62 TOK", "quantity": "250", "lot": "L-88"}
    for bad, message in (
        ({"quantity": "0"}, "whole number"),
        ({"quantity": "²"}, "whole number"),  # str.isdigit() takes it, int() refuses it
        ({"quantity": "٢٥٠"}, "whole number"),  # int() reads it, but it is not 0-9
        ({"calibre": ""}, "calibre"),
    ):
        response = client.post(url, data=fields | bad)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert count(Ammunition) == 0
    assert client.post(url, data=fields).status_code == 302
    page = client.get(f"/t/{member.team.code}/evidence/{item.exhibit_number}/firearms")
    assert "PPU 7,62 TOK" in page.get_data(as_text=True)


def test_non_members_get_404_and_readers_cannot_write(
    client, auth, member, make_user, make_membership, make_firearm_item, make_firearm
):
    item = make_firearm_item(member)
    firearm = make_firearm(member, item)
    code = member.team.code
    pages = [
        f"/t/{code}/firearms/",
        f"/t/{code}/firearms/register.csv",
        f"/t/{code}/firearms/chart",
        f"/t/{code}/firearms/{firearm.id}",
        f"/t/{code}/firearms/{firearm.id}/edit",
        f"/t/{code}/evidence/{item.exhibit_number}/firearms",
        f"/t/{code}/evidence/{item.exhibit_number}/firearms/new",
        f"/t/{code}/tracing/",
        f"/t/{code}/tracing/new",
    ]
    auth.login(make_user())
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(pages[6], data=firearm_fields()).status_code == 404
    auth.logout()
    coordinator = next(m.user for m in member.team.memberships if m.role == "coordinator")
    auth.login(coordinator)  # reads evidence, records none
    assert client.get(pages[3]).status_code == 200
    assert client.post(pages[6], data=firearm_fields()).status_code == 403
    assert client.post(pages[8], data={}).status_code == 403
    assert count(Firearm) == 1


def test_posts_need_the_csrf_token(client, auth, member, make_firearm_item):
    item = make_firearm_item(member)
    auth.login(member.user)
    url = f"/t/{member.team.code}/evidence/{item.exhibit_number}/firearms/new"
    assert client.post(url, data=firearm_fields(), csrf=False).status_code == 400
    assert count(Firearm) == 0


def test_photos_link_the_items_files_and_survive_a_correction(client, auth, member):
    from evidence import storage

    access = team_access_for(member.user, member.team.code)
    upload = services.Upload(storage.store_bytes(b"\x89PNG markings"), "marks.png", "image/png")
    item = services.create_item(
        access,
        services.ItemInput(
            title="Pistol",
            item_type="firearm",
            collected_by="x",
            collected_at=datetime(2026, 3, 1, tzinfo=UTC),
            collected_time_zone="UTC",
            collected_location="x",
            legal_basis="x",
        ),
        [upload],
    )
    db.session.commit()
    file_id = str(item.files[0].id)
    auth.login(member.user)
    created = client.post(
        f"/t/{member.team.code}/evidence/{item.exhibit_number}/firearms/new",
        data=firearm_fields(photos=file_id),
    )
    assert created.status_code == 302
    edit = created.headers["Location"] + "/edit"
    assert f'checked id="photos-0" name="photos" type="checkbox" value="{file_id}"' in (
        client.get(edit).get_data(as_text=True)
    )
    corrected = client.post(edit, data=firearm_fields(photos=file_id, calibre="9×19 mm"))
    assert corrected.status_code == 302
    firearm = db.session.query(Firearm).one()
    assert [photo.file_id for photo in firearm.photos] == [int(file_id)]
    assert "marks.png" in client.get(created.headers["Location"]).get_data(as_text=True)


def test_sending_the_firearm_form_twice_records_one_firearm(
    client, auth, member, make_firearm_item
):
    item = make_firearm_item(member)
    auth.login(member.user)
    url = f"/t/{member.team.code}/evidence/{item.exhibit_number}/firearms/new"
    data = firearm_fields(submission_token="F" * 32)
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 303
    assert count(Firearm) == 1


def test_the_seizure_context_links_the_offences_of_the_agreement_in_force(
    client,
    auth,
    in_force,  # noqa: F811  (the fixture imported above)
    make_firearm_item,
    make_firearm,
):
    with frozen(at("2026-06-10")):
        item = make_firearm_item(in_force.nl_member)
        record = make_firearm(in_force.nl_member, item)
        auth.login(in_force.nl_member.user)
        page = client.get(f"/t/{in_force.team.code}/firearms/{record.id}").get_data(as_text=True)
    offences = in_force.version.content["purpose"]["offences"]
    assert offences
    assert f"<dt>Linked offences</dt><dd>{offences} " in page
