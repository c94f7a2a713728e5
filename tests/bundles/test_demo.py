"""`jit demo` gives Iron Meridian its requests: an EIO, a final MLA request, a tracing
request and an incomplete draft, once."""

from sqlalchemy import func, select

from evidence.bundles import services
from evidence.bundles.models import Bundle
from jit.extensions import db


def test_demo_requests(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    bundles = {b.request_type: b for b in db.session.scalars(select(Bundle))}
    assert set(bundles) == {"eio", "mla", "tracing", "eaw"}
    eio, mla = bundles["eio"], bundles["mla"]
    assert eio.is_final
    assert eio.language == "de"
    assert eio.party.country_code == "NL"
    assert eio.values["executing_state_other"] == "DE"  # not a party: no EIO within the team
    assert mla.is_final
    assert mla.values["executing_state_other"] == "RS"
    assert mla.agreement_version
    assert mla.agreement_version.startswith("v1 sha256:")
    assert [entry.item.exhibit_number for entry in mla.items] == ["HR-0002"]
    assert mla.consent_for(mla.items[0].item_id) is not None
    tracing = bundles["tracing"]
    assert not tracing.is_final
    # The pistol is H1: the tracing draft waits for its leader's consent, nothing else.
    assert [p.section for p in services.problems(tracing)] == ["evidence"]
    assert len(services.problems(bundles["eaw"])) > 10
    # The EIO was sent and recognised, and shared with the judge for review.
    from evidence.bundles import tracking
    from evidence.bundles.models import BundleShare

    changes = tracking.changes_of(eio)
    assert [c.status for c in changes] == ["sent", "acknowledged", "acknowledged"]
    assert changes[1].reference == "StA München I 115 Js 4711/26"
    assert changes[2].recognised_on.isoformat() == "2026-05-19"
    assert "execution" in tracking.deadline(eio, changes, tracking.today(eio.finalised_at)).what
    share = db.session.scalar(select(BundleShare))
    assert share.bundle_id == eio.id
    assert share.membership.user.email == "judge@demo.example"
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count(Bundle.id))) == 4
