"""`jit demo` gives Iron Meridian realistic evidence with verifiable custody, once."""

from sqlalchemy import func, select

from evidence.models import CustodyEvent, EvidenceFile, EvidenceItem
from jit.audit.models import AuditEntry
from jit.extensions import db

# The zone a place's events are stated in: where it happened, not where the recorder works.
PLACE_ZONES = {
    "Bajakovo": "Europe/Zagreb",
    "Zagreb": "Europe/Zagreb",
    "Vienna": "Europe/Vienna",
    "The Hague": "Europe/Amsterdam",
    "Rotterdam": "Europe/Amsterdam",
}


def test_demo_evidence(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    items = {item.exhibit_number: item for item in db.session.scalars(select(EvidenceItem))}
    # HR-0003 (Iron Meridian) and ES-0001 (Blue Harbour) come from the firearms demo;
    # HR-0004 and AT-0003 are the copies of the handset's extraction that travelled.
    assert set(items) == {
        "HR-0001",
        "HR-0002",
        "HR-0003",
        "HR-0004",
        "AT-0001",
        "AT-0002",
        "AT-0003",
        "NL-0001",
        "NL-0002",
        "ES-0001",
    }
    media = set(db.session.scalars(select(EvidenceFile.media_type)))
    assert {"application/pdf", "text/plain", "message/rfc822", "image/png"} <= media
    assert items["HR-0002"].item_type == "firearm"
    assert items["AT-0002"].parent is items["HR-0004"]
    assert items["AT-0002"].derivation == "analysis"
    _assert_copies_travel_not_the_sealed_original(items)
    _assert_the_pistol_went_to_the_laboratory_and_back(items)
    _assert_plausible(items)
    assert all(
        f.extraction_status in ("done", "not-applicable")
        for f in db.session.scalars(select(EvidenceFile))
    )

    verify = runner.invoke(args=["evidence", "verify", "--team", "IRON-MERIDIAN"])
    assert verify.exit_code == 0, verify.output

    count = db.session.scalar(select(func.count(CustodyEvent.id)))
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count(EvidenceItem.id))) == 10
    assert db.session.scalar(select(func.count(CustodyEvent.id))) == count


def _chain(item) -> list[CustodyEvent]:
    return list(
        db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
        )
    )


def _assert_copies_travel_not_the_sealed_original(items):
    """The sealed handset stays in Zagreb; what went to Vienna and on to the Netherlands
    were copies, each an item with its own chain (a judge reads a transfer on the
    original as the original leaving)."""
    handset, to_vienna, to_rotterdam = items["HR-0001"], items["HR-0004"], items["AT-0003"]
    original = _chain(handset)
    assert [e.event_type for e in original] == [
        "collected",
        "uploaded",
        "uploaded",
        "acquired",
        "sealed",
        "checked_in",
        "copied",
    ]
    assert all("Zagreb" in e.location or "Bajakovo" in e.location for e in original if e.location)
    assert original[-1].details["child_exhibit"] == "HR-0004"
    acquired = original[3]
    assert [h["algorithm"] for h in acquired.details["tool_hashes"]] == ["MD5", "SHA-256"]
    assert acquired.details["device_serial"] == "IMEI 35 291611 204857 3"
    assert {"device_make", "device_model"} <= set(acquired.details)
    assert original[5].details["storage_location"].startswith("PNUSKOK evidence room")

    assert (to_vienna.parent, to_vienna.derivation) == (handset, "copy")
    assert (to_rotterdam.parent, to_rotterdam.derivation) == (to_vienna, "copy")
    journey = [e.event_type for e in _chain(to_vienna)]
    assert journey[:5] == ["copied", "sealed", "transferred", "unsealed", "analysed"]
    assert {"resealed", "checked_in", "checked_out"} <= set(journey)
    assert [e.event_type for e in _chain(to_rotterdam)] == ["copied", "transferred"]
    handed_over = [_chain(to_vienna)[2], _chain(to_rotterdam)[1]]
    assert [(e.released_by, e.received_by) for e in handed_over] == [
        ("Insp. Tomislav Babić", "Lukas Steiner"),
        ("Lukas Steiner", "Sanne Jansen"),
    ]
    assert all("Article 11" in e.legal_basis for e in handed_over)


def _assert_the_pistol_went_to_the_laboratory_and_back(items):
    """The serial number was restored at the laboratory (the firearms demo corrects it on
    27 March): the chain shows the pistol leaving sealed, opened, examined, resealed and
    back in the evidence room, all before the MLA request to Serbia exports it."""
    chain = _chain(items["HR-0002"])
    stated = [e.event_type for e in chain if e.event_type not in ("uploaded", "exported")]
    assert stated == [
        "collected",
        "sealed",
        "checked_in",
        "checked_out",
        "transferred",
        "unsealed",
        "analysed",
        "resealed",
        "transferred",
        "checked_in",
    ]
    by_type = {}
    for event in chain:
        by_type.setdefault(event.event_type, []).append(event)
    (analysed,) = by_type["analysed"]
    assert "12-M57-48221" in analysed.purpose
    assert (
        by_type["unsealed"][0].details["seal_number"] == by_type["sealed"][0].details["seal_number"]
    )
    assert (
        by_type["resealed"][0].details["seal_number"]
        in by_type["transferred"][1].details["packaging"]
    )
    corrected = db.session.scalar(
        select(AuditEntry.occurred_at).where(AuditEntry.operation == "firearms.firearm_corrected")
    )
    assert analysed.occurred_at < corrected
    exported = by_type["exported"]
    assert exported
    assert all(e.seq > by_type["checked_in"][-1].seq for e in exported)


def _assert_plausible(items):
    """A Croatian, an Austrian and a Dutch prosecutor would each find their part plausible."""
    handset = items["HR-0001"]
    chain = _chain(handset)
    kinds = [event.event_type for event in chain]
    acquired, sealed = chain[kinds.index("acquired")], chain[kinds.index("sealed")]
    # Imaged after the seizure and before sealing, with time to drive Bajakovo–Zagreb.
    assert handset.collected_at < acquired.occurred_at < sealed.occurred_at
    assert (acquired.occurred_at - handset.collected_at).total_seconds() >= 3 * 3600
    assert "Split" not in acquired.location + sealed.location
    bases = [item.legal_basis for item in items.values()] + [e.legal_basis for e in chain]
    assert not [basis for basis in bases if "109 StPO" in basis or "art. 8" in basis]
    # Each event's time is stated in the zone of the place it happened.
    for item in items.values():
        for event in _chain(item):
            zones = {zone for place, zone in PLACE_ZONES.items() if place in event.location}
            assert len(zones) <= 1, event.location
            if zones:
                assert event.actor_time_zone in zones, (item.exhibit_number, event.seq)
    # Austrian items cite the Austrian proceedings the agreement names (Article 2).
    from agreements.status import agreement_of

    proceedings = agreement_of(handset.team).versions[-1].content["purpose"]["proceedings"]
    vienna = {i.legal_reference for i in items.values() if i.legal_reference.startswith("StA")}
    assert vienna == {"StA Wien 71 St 38/25p"}
    assert all(f"AT: {reference}" in proceedings for reference in vienna)
    # Every demo item was recorded by a person, and the audit record names them.
    created = db.session.scalars(
        select(AuditEntry).where(AuditEntry.operation == "evidence.item_created")
    ).all()
    assert len(created) == len(items)
    assert all(entry.user_id is not None for entry in created)
