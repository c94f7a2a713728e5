"""`jit demo` gives Iron Meridian realistic evidence with verifiable custody, once."""

from sqlalchemy import func, select

from evidence.models import CustodyEvent, EvidenceFile, EvidenceItem
from jit.audit.models import AuditEntry
from jit.extensions import db


def test_demo_evidence(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    items = {item.exhibit_number: item for item in db.session.scalars(select(EvidenceItem))}
    # HR-0003 (Iron Meridian) and ES-0001 (Blue Harbour) come from the firearms demo.
    assert set(items) == {
        "HR-0001",
        "HR-0002",
        "HR-0003",
        "AT-0001",
        "AT-0002",
        "NL-0001",
        "NL-0002",
        "ES-0001",
    }
    media = set(db.session.scalars(select(EvidenceFile.media_type)))
    assert {"application/pdf", "text/plain", "message/rfc822", "image/png"} <= media
    assert items["HR-0002"].item_type == "firearm"
    assert items["AT-0002"].parent is items["HR-0001"]
    assert items["AT-0002"].derivation == "analysis"
    types = set(
        db.session.scalars(
            select(CustodyEvent.event_type).where(CustodyEvent.item_id == items["HR-0001"].id)
        )
    )
    assert {"collected", "uploaded", "sealed", "transferred", "analysed", "copied"} <= types
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
    assert db.session.scalar(select(func.count(EvidenceItem.id))) == 8
    assert db.session.scalar(select(func.count(CustodyEvent.id))) == count


def _assert_plausible(items):
    """A Croatian, an Austrian and a Dutch prosecutor would each find their part plausible."""
    handset = items["HR-0001"]
    chain = list(
        db.session.scalars(
            select(CustodyEvent)
            .where(CustodyEvent.item_id == handset.id)
            .order_by(CustodyEvent.seq)
        )
    )
    kinds = [event.event_type for event in chain]
    acquired, sealed = chain[kinds.index("acquired")], chain[kinds.index("sealed")]
    # Imaged after the seizure and before sealing, with time to drive Bajakovo–Zagreb.
    assert handset.collected_at < acquired.occurred_at < sealed.occurred_at
    assert (acquired.occurred_at - handset.collected_at).total_seconds() >= 3 * 3600
    assert "Split" not in acquired.location + sealed.location
    bases = [item.legal_basis for item in items.values()] + [e.legal_basis for e in chain]
    assert not [basis for basis in bases if "109 StPO" in basis or "art. 8" in basis]
    transfers = [e for e in chain if e.event_type == "transferred"]
    assert all("Article 11" in e.legal_basis for e in transfers)
    # Every demo item was recorded by a person, and the audit record names them.
    created = db.session.scalars(
        select(AuditEntry).where(AuditEntry.operation == "evidence.item_created")
    ).all()
    assert len(created) == len(items)
    assert all(entry.user_id is not None for entry in created)
