"""Each registered kind reaches the index: files and their text, custody notes, the agreement."""

from datetime import UTC, datetime

from sqlalchemy import select

from jit.extensions import db


def test_file_names_and_extracted_text_are_found(app, case, make_item, index, search_as):
    from evidence import extraction

    item = make_item(
        case.nl_member,
        title="Seized laptop notes",
        files=[("bootsplan_rotterdam.txt", "Lieferung über Algeciras nach Rotterdam".encode())],
    )
    index()
    assert search_as(case.nl_member.user, "algeciras", team=case.team.code)[1]["total"] == 0
    # The extraction worker stores the text on its own thread; that queues the item.
    extraction.schedule([stored.id for stored in item.files])
    extraction.wait_idle(app)
    db.session.expire_all()
    index()
    code = case.team.code
    _status, body = search_as(case.nl_member.user, "algeciras", team=code)
    assert body["total"] == 1
    assert body["hits"][0]["kind"] == "item"
    assert search_as(case.nl_member.user, "bootsplan_rotterdam", team=code)[1]["total"] == 1


def test_a_custody_note_links_to_its_row_on_the_item(app, case, make_item, index, search_as):
    from evidence import custody_events
    from evidence.models import EvidenceItem
    from jit.teams.access import TeamAccess

    item = make_item(case.nl_member, title="Handset")
    access = TeamAccess(team=case.team, membership=case.nl_member)
    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.id == item.id))
    custody_events.record_event(
        access,
        item,
        custody_events.EventInput(
            event_type="analysed",
            occurred_at=datetime(2026, 3, 15, 10, 0, tzinfo=UTC),
            time_zone="Europe/Amsterdam",
            purpose="Chip-off analysis of the handset",
            method="Cellebrite 7.2",
            notes="Pelican contacts recovered from the memory",
        ),
    )
    db.session.commit()
    index()
    _status, body = search_as(case.nl_member.user, "pelican", team=case.team.code)
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["kind"] == "custody"
    assert hit["exhibit"] == "NL-0001"
    assert hit["url"].startswith(f"/t/{case.team.code}/evidence/NL-0001#custody-")


def test_agreement_text_is_found_per_version(app, case, index, search_as):
    from agreements import services
    from jit.teams.access import TeamAccess

    coordinator = next(m for m in case.team.memberships if m.role == "coordinator")
    access = TeamAccess(team=case.team, membership=coordinator)
    version = services.start_version(access, "original")
    db.session.commit()
    version.content = {**version.content, "purpose": "Dismantle the Iron Meridian firearms route"}
    db.session.commit()
    index()
    _status, body = search_as(case.nl_member.user, "meridian", team=case.team.code)
    assert body["total"] == 1
    assert body["hits"][0]["kind"] == "agreement"
    assert body["hits"][0]["url"] == f"/t/{case.team.code}/agreement/v{version.number}"


def test_a_device_serial_and_a_receipt_number_are_found(case, make_item, index, search_as):
    from evidence import custody_events
    from jit.teams.access import TeamAccess

    item = make_item(case.nl_member, title="Handset")
    access = TeamAccess(team=case.team, membership=case.nl_member)
    custody_events.record_event(
        access,
        item,
        custody_events.EventInput(
            event_type="acquired",
            occurred_at=datetime(2026, 3, 15, 10, 0, tzinfo=UTC),
            time_zone="UTC",
            location="Lab",
            method="UFED 7.69",
            device_serial="R58N31ABCDE",
        ),
    )
    custody_events.record_event(
        access,
        item,
        custody_events.EventInput(
            event_type="transferred",
            occurred_at=datetime(2026, 3, 16, 10, 0, tzinfo=UTC),
            time_zone="UTC",
            location="Rotterdam",
            purpose="To the prosecutor",
            released_by="A",
            received_by="B",
            packaging="Bag",
            condition="Intact",
            receipt_number="OMROT2026118",
        ),
    )
    db.session.commit()
    index()
    for wanted in ("R58N31ABCDE", "OMROT2026118"):
        _status, body = search_as(case.nl_member.user, wanted, team=case.team.code)
        assert body["total"] == 1, wanted
