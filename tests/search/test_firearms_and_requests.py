"""Firearm records (found by serial: whatever its writing) and legal requests in the search."""

import pytest

from jit.extensions import db
from jit.teams.access import TeamAccess


@pytest.fixture
def add_firearm(make_item):
    from evidence.firearms import services

    def factory(membership, serial, *, visibility="team"):
        item = make_item(
            membership, title="Pistol from the van", item_type="firearm", visibility=visibility
        )
        access = TeamAccess(team=membership.team, membership=membership)
        firearm = services.add_firearm(
            access,
            item,
            services.FirearmInput(
                manufacturer="Zastava",
                model="M57",
                firearm_type="pistol",
                calibre="7.62×25",
                country_of_manufacture="RS",
                serials=[services.SerialInput("frame", serial)],
            ),
        )
        db.session.commit()
        return firearm

    return factory


def test_a_firearm_is_found_by_its_serial_whatever_the_writing(case, add_firearm, index, search_as):
    firearm = add_firearm(case.nl_member, "12-M57 48221")
    index()
    user, code = case.nl_member.user, case.team.code
    for query in ("serial:12M5748221", "serial:12-m57-48221", 'serial:"I2M57 4822I"'):
        _status, body = search_as(user, query, team=code)
        firearm_hits = [hit for hit in body["hits"] if hit["kind"] == "firearm"]
        assert len(firearm_hits) == 1, query
        assert firearm_hits[0]["url"] == f"/t/{code}/firearms/{firearm.id}"
    assert search_as(user, "serial:12M5748222", team=code)[1]["total"] == 0
    # A partly legible serial typed with ? finds it.
    assert search_as(user, "serial:12M57?8221 kind:firearm", team=code)[1]["total"] == 1
    assert search_as(user, "zastava kind:firearm", team=code)[1]["total"] == 1


def test_a_serial_of_only_dashes_gets_a_message(case, index, search_as):
    status, body = search_as(case.nl_member.user, "serial:---", team=case.team.code)
    assert status == 400
    assert "no letters or digits" in body["error"]


def test_a_firearm_follows_its_item_s_visibility(
    case, make_team, make_membership, add_firearm, index, search_as
):
    add_firearm(case.nl_member, "12M5748221", visibility="party")
    add_firearm(make_membership(make_team(), "member", "NL"), "12M5748221")
    index()
    assert search_as(case.de_member.user, "serial:12M5748221", team=case.team.code)[1]["total"] == 0
    _status, body = search_as(case.nl_member.user, "serial:12M5748221 kind:firearm")
    assert body["total"] == 1  # the other team's record is never counted


def test_a_legal_request_is_found_by_its_drafters_and_leaders_only(case, index, search_as):
    from evidence.bundles import services

    access = TeamAccess(team=case.team, membership=case.nl_member)
    bundle = services.create_bundle(
        access, "mla", overrides={"facts_summary": "Pistols reached Rotterdam through Kragujevac."}
    )
    db.session.commit()
    index()
    code = case.team.code
    _status, body = search_as(case.nl_member.user, "kragujevac", team=code)
    assert [hit["kind"] for hit in body["hits"]] == ["request"]
    assert body["hits"][0]["url"] == f"/t/{code}/requests/{bundle.number}/"
    assert search_as(case.nl_leader.user, "kragujevac", team=code)[1]["total"] == 1
    assert search_as(case.de_member.user, "kragujevac", team=code)[1]["total"] == 0


def test_a_serial_written_in_a_note_links_to_the_firearm_record(
    case, add_firearm, make_item, chat, index, search_as
):
    firearm = add_firearm(case.nl_member, "I2-M57 4822I")
    make_item(case.nl_member, title="Lab report", description="Pistol, S/N 12M57-48221, test-fired")
    chat.post(case.de_member, "Seriennummer: 12 M57 48221 also in our register")
    make_item(case.nl_member, title="Unrelated", description="12M5748221 with no word before it")
    index()
    _status, body = search_as(case.nl_member.user, "serial:12M5748221", team=case.team.code)
    found = sorted((hit["kind"], hit["title"]) for hit in body["hits"])
    assert ("firearm", f"{firearm.label} Zastava M57") in found
    assert ("item", "NL-0002 Lab report") in found
    assert [kind for kind, _title in found].count("message") == 1
    assert ("item", "NL-0003 Unrelated") not in found
