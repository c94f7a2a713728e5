"""A party's close-out archive holds its own legal requests, their reviews and tracking."""

import json
import zipfile
from datetime import date

import bagit
import pytest

from jit import bags
from jit.clock import frozen
from jit.closeout import archives
from jit.extensions import db
from tests.agreements.conftest import at
from tests.bundles.conftest import COMPLETE, finalise
from tests.jit.closeout.conftest import access_of


@pytest.fixture
def requests(in_force, make_membership):
    """NL's final, reviewed, sent EIO, draft MLA and incoming tracing; DE's draft EIO; closed."""
    from agreements import services as agreement_services
    from evidence.bundles import forms, review, services, tracking_services
    from evidence.firearms import tracing

    team = in_force

    def draft(membership, request_type):
        access = access_of(membership)
        bundle = services.create_bundle(access, request_type)
        services.save_values(access, bundle, forms.from_mapping(COMPLETE[request_type]), "en")
        db.session.commit()
        return bundle

    with frozen(at("2026-06-10")):
        team.nl_eio = draft(team.nl_member, "eio")
        finalise(team.nl_leader, team.nl_eio)
        team.nl_mla = draft(team.nl_member, "mla")
        team.de_eio = draft(team.de_leader, "eio")
        judge = make_membership(team.team, "reviewer", "NL")
        review.share(access_of(team.nl_leader), team.nl_eio, judge.id)
        review.record_review(access_of(judge), team.nl_eio, "questions", "Which account exactly?")
        tracking_services.change_status(
            access_of(team.nl_member),
            team.nl_eio,
            "sent",
            occurred_on=date(2026, 6, 10),
            reference="Sent through the SPOC",
        )
        team.nl_tracing = tracing.record_incoming(
            access_of(team.nl_member),
            tracing.IncomingInput(
                counterpart_country="ES",
                counterpart_authority="Guardia Civil",
                received_on=date(2026, 6, 9),
                firearm_type="pistol",
                calibre="7.62×25",
                serial_as_read="12-M57-48221",
                circumstances="Seized in Algeciras from a courier.",
            ),
        )
        db.session.commit()
    with frozen(at("2026-09-01")):
        agreement_services.close(access_of(team.coordinator), "Operational phase completed.")
        db.session.commit()
    return team


def _unpacked(app, membership, tmp_path):
    with frozen(at("2026-09-02")), app.test_request_context():
        archive = archives.take(access_of(membership))
        db.session.commit()
    path = archives.archive_path(archive)
    assert bags.verify(path).is_intact
    target = tmp_path / membership.party.short_label
    with zipfile.ZipFile(path) as package:
        top = package.namelist()[0].split("/")[0]
        package.extractall(target)
    bag = bagit.Bag(str(target / top))
    assert bag.is_valid()
    return target / top / "data"


def test_a_party_takes_its_own_requests_with_pdf_reviews_and_tracking(app, requests, tmp_path):
    data = _unpacked(app, requests.nl_leader, tmp_path)
    final = data / "requests" / requests.nl_eio.label
    document = json.loads((final / "request.json").read_text(encoding="utf-8"))
    assert document == requests.nl_eio.document
    assert document["type"] == "eio"
    assert (final / "request.pdf").read_bytes().startswith(b"%PDF")
    record = json.loads((final / "record.json").read_text(encoding="utf-8"))
    assert record["content_hash"] == requests.nl_eio.content_hash
    assert record["tracking_status"] == "sent"
    assert [(c["previous_status"], c["status"]) for c in record["tracking"]] == [("final", "sent")]
    assert record["tracking"][0]["reference"] == "Sent through the SPOC"
    assert [(r["decision"], r["note"]) for r in record["reviews"]] == [
        ("questions", "Which account exactly?")
    ]
    draft = data / "requests" / requests.nl_mla.label
    assert json.loads((draft / "request.json").read_text(encoding="utf-8"))["status"] == "draft"
    assert not (draft / "request.pdf").exists()
    assert not (data / "requests" / requests.de_eio.label).exists()


def test_another_party_does_not_take_a_request_it_did_not_draft(app, requests, tmp_path):
    data = _unpacked(app, requests.de_leader, tmp_path)
    taken = {path.name for path in (data / "requests").iterdir()}
    assert taken == {requests.de_eio.label}
    assert requests.nl_eio.content_hash not in "".join(
        path.read_text(encoding="utf-8") for path in (data / "requests").rglob("*.json")
    )


def test_a_party_takes_the_tracing_requests_it_received_and_no_other_party_does(
    app, requests, tmp_path
):
    number = requests.nl_tracing.number
    nl = _unpacked(app, requests.nl_leader, tmp_path)
    record = json.loads((nl / "firearms" / "tracing" / f"{number}.json").read_text("utf-8"))
    assert record["direction"] == "incoming"
    assert record["party"] == "NL"
    assert record["counterpart_authority"] == "Guardia Civil"
    de = _unpacked(app, requests.de_leader, tmp_path)
    assert not (de / "firearms").exists()


@pytest.fixture
def linked(in_force, make_item, make_membership, make_team):
    """NL's incoming requests: one on a DE party-only weapon, linked to a team NL's leader
    is not in (its recorder saw both: the weapon is theirs, recorded while they were with
    DE); one on a weapon the whole team sees."""
    from agreements import services as agreement_services
    from evidence.firearms import services as firearms
    from evidence.firearms import tracing
    from jit.permissions import Role
    from jit.teams import services as teams

    team = in_force

    def weapon(membership, visibility, serial):
        item = make_item(membership, item_type="firearm", visibility=visibility)
        firearm = firearms.add_firearm(
            access_of(membership),
            item,
            firearms.FirearmInput(
                manufacturer="Zastava",
                model="M57",
                firearm_type="pistol",
                calibre="7.62×25",
                country_of_manufacture="RS",
                condition="converted",
                serials=[firearms.SerialInput("frame", serial)],
            ),
        )
        db.session.commit()
        return item, firearm

    def incoming(membership, firearm, **fields):
        request = tracing.record_incoming(
            access_of(membership),
            tracing.IncomingInput(
                counterpart_country="ES",
                counterpart_authority="Guardia Civil",
                received_on=date(2026, 6, 9),
                firearm_type="pistol",
                calibre="7.62×25",
                firearm_id=firearm.id,
                **fields,
            ),
        )
        db.session.commit()
        return request

    with frozen(at("2026-06-10")):
        mover = make_membership(team.team, "member", "DE")
        team.hidden_item, team.hidden_firearm = weapon(mover, "party", "12-M57-48221")
        other = make_team()
        make_membership(other, "member", "NL", user=mover.user)
        team.other_team = other
        nl = next(p for p in team.team.parties if p.country_code == "NL")
        teams.update_membership(mover, nl, Role.MEMBER, actor=team.coordinator.user)
        db.session.commit()
        team.hidden = incoming(mover, team.hidden_firearm, linked_team_code=other.code)
        team.shared_item, team.shared_firearm = weapon(team.nl_member, "team", "12-M57-99000")
        team.shared = incoming(team.nl_member, team.shared_firearm)
    with frozen(at("2026-09-01")):
        agreement_services.close(access_of(team.coordinator), "Operational phase completed.")
        db.session.commit()
    return team


def test_a_tracing_request_names_only_the_links_the_leader_may_open(app, linked, tmp_path):
    """The archive holds back the weapon and the team NL's leader may not open at the source."""
    data = _unpacked(app, linked.nl_leader, tmp_path)
    folder = data / "firearms" / "tracing"
    text = (folder / f"{linked.hidden.number}.json").read_text("utf-8")
    record = json.loads(text)
    assert record["circumstances"] == ""  # the request itself is there
    assert record["counterpart_authority"] == "Guardia Civil"
    assert record["firearm"] is None
    assert record["firearm_id"] is None
    assert record["is_firearm_held_back"] is True
    assert record["linked_team"] is None
    assert record["linked_team_id"] is None
    assert record["is_linked_team_held_back"] is True
    assert "is_bundle_held_back" not in record  # an incoming request has no bundle
    assert linked.hidden_item.exhibit_number not in text
    assert linked.other_team.code not in text
    shared = json.loads((folder / f"{linked.shared.number}.json").read_text("utf-8"))
    assert shared["firearm"] == linked.shared_firearm.label
    assert shared["firearm_id"] == linked.shared_firearm.id
    assert "is_firearm_held_back" not in shared


def test_a_request_holding_an_item_the_leader_may_not_open_is_held_back(
    app, in_force, make_item, make_membership, tmp_path
):
    """As its page: no document or PDF naming the item, the record says it is held back."""
    from agreements import services as agreement_services
    from evidence.bundles import forms, services
    from jit.permissions import Role
    from jit.teams import services as teams

    team = in_force
    with frozen(at("2026-06-10")):
        mover = make_membership(team.team, "member", "DE")
        item = make_item(
            mover, title="Informant notes", visibility="party", files=[("n.txt", b"notes")]
        )
        nl = next(p for p in team.team.parties if p.country_code == "NL")
        teams.update_membership(mover, nl, Role.MEMBER, actor=team.coordinator.user)
        db.session.commit()
        access = access_of(mover)  # still sees the item: they recorded it
        bundle = services.create_bundle(access, "eio")
        services.save_values(access, bundle, forms.from_mapping(COMPLETE["eio"]), "en")
        services.select_evidence(access, bundle, [item.id])
        services.record_consent(access_of(team.de_leader), bundle, item, "The Rotterdam case")
        db.session.commit()
        finalise(team.nl_leader, bundle)
    with frozen(at("2026-09-01")):
        agreement_services.close(access_of(team.coordinator), "Operational phase completed.")
        db.session.commit()
    data = _unpacked(app, team.nl_leader, tmp_path)
    folder = data / "requests" / bundle.label
    assert sorted(path.name for path in folder.iterdir()) == ["record.json"]
    text = (folder / "record.json").read_text("utf-8")
    record = json.loads(text)
    assert record["is_request_held_back"] is True
    assert record["consents"] == [{"is_held_back": True}]
    assert record["content_hash"] == bundle.content_hash
    for path in (data / "requests").rglob("*"):
        if path.is_file():
            body = path.read_bytes()
            assert item.exhibit_number.encode() not in body
            assert b"Informant notes" not in body
