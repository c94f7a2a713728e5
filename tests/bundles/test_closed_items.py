"""An item destroyed or returned cannot be exported: its custody chain is closed."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from evidence import custody_events
from evidence.bundles import services
from evidence.models import CustodyEvent
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise


def test_finalising_is_refused_with_the_closed_item_named(crew, make_bundle, make_item):
    item = make_item(crew.nl_member, files=[("a.txt", b"a")])
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[item])
    custody_events.record_event(
        access_of(crew.nl_member),
        item,
        custody_events.EventInput(
            event_type="destroyed",
            occurred_at=datetime(2026, 5, 2, 10, 0, tzinfo=UTC),
            time_zone="UTC",
            legal_basis="Order of the Rechtbank Rotterdam",
            purpose="Destroyed by shredding",
        ),
    )
    db.session.commit()
    messages = [problem.message for problem in services.problems(bundle)]
    assert (
        "Exhibit NL-0001 was destroyed (custody event #3); its chain is closed, so it "
        "cannot be exported." in messages
    )
    with pytest.raises(services.BundleError, match="not complete"):
        finalise(crew.nl_leader, bundle)
    last = db.session.scalar(
        select(CustodyEvent)
        .where(CustodyEvent.item_id == item.id)
        .order_by(CustodyEvent.seq.desc())
    )
    assert last.event_type == "destroyed"
