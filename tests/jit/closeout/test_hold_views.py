"""The coordinator sets and lifts a legal hold on the close-out page, with a reason, audited."""

import pytest
from sqlalchemy import select

from jit.audit.models import AuditEntry
from jit.closeout import retention
from jit.extensions import db


def _hold(closed):
    settings = retention.settings_of(closed.team)
    return settings.hold_reason if settings else None


def test_the_coordinator_sets_and_lifts_a_hold_and_both_are_audited(app, client, auth, closed):
    auth.login(closed.coordinator.user)
    url = f"/t/{closed.team.code}/closeout"
    assert client.post(f"{url}/hold", data={"reason": "Appeal pending"}).status_code == 302
    assert _hold(closed) == "Appeal pending"
    page = client.get(url).get_data(as_text=True)
    assert "on legal hold" in page
    assert client.post(f"{url}/hold/lift", data={"reason": "Appeal decided"}).status_code == 302
    assert _hold(closed) is None
    operations = list(
        db.session.scalars(
            select(AuditEntry.operation)
            .where(AuditEntry.team_id == closed.team.id)
            .order_by(AuditEntry.seq)
        )
    )
    assert operations[-2:] == ["retention.legal_hold_set", "retention.legal_hold_lifted"]


@pytest.mark.parametrize("reason", ["", "   ", "a\x00b", "x" * 1001])
def test_a_hold_needs_a_sensible_reason(app, client, auth, closed, reason):
    auth.login(closed.coordinator.user)
    response = client.post(f"/t/{closed.team.code}/closeout/hold", data={"reason": reason})
    assert response.status_code == 302
    assert _hold(closed) is None


@pytest.mark.parametrize(("who", "status"), [("nl_leader", 403), ("outsider", 404)])
def test_only_the_coordinator_sets_a_hold(app, client, auth, closed, make_user, who, status):
    auth.login(closed.nl_leader.user if who == "nl_leader" else make_user())
    response = client.post(f"/t/{closed.team.code}/closeout/hold", data={"reason": "Because"})
    assert response.status_code == status
    assert _hold(closed) is None


def test_the_page_escapes_the_reason(app, client, auth, closed):
    auth.login(closed.coordinator.user)
    client.post(f"/t/{closed.team.code}/closeout/hold", data={"reason": "<script>x</script>"})
    page = client.get(f"/t/{closed.team.code}/closeout").get_data(as_text=True)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;" in page
