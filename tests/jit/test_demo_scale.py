"""``jit demo --scale N``: bulk-written records whose chains verify like any other."""

from sqlalchemy import func, select

from jit import scale
from jit.extensions import db


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_scale_seeds_n_items_ten_events_each_and_twenty_messages_each_with_valid_chains(
    app, runner
):
    from evidence.models import CustodyEvent, EvidenceItem
    from jit.audit.models import AuditEntry
    from jit.chat.models import Channel, Message
    from jit.teams.models import Team

    counts = scale.seed(12)
    team = db.session.scalar(select(Team).where(Team.code == "SCALE-12"))
    assert counts == {"evidence_items": 12, "custody_events": 120, "chat_messages": 240}
    assert _count(EvidenceItem, EvidenceItem.team_id == team.id) == 12
    item_ids = select(EvidenceItem.id).where(EvidenceItem.team_id == team.id)
    assert _count(CustodyEvent, CustodyEvent.item_id.in_(item_ids)) == 120
    channels = select(Channel.id).where(Channel.team_id == team.id)
    assert _count(Message, Message.channel_id.in_(channels)) == 240
    assert _count(AuditEntry, AuditEntry.team_id == team.id) >= 120
    custody = runner.invoke(args=["evidence", "verify", "--team", "SCALE-12"])
    assert custody.exit_code == 0, custody.output
    assert "Intact: 12 items, 120 custody events, 12 files checked" in custody.output
    audit = runner.invoke(args=["audit", "verify", "--team", "SCALE-12"])
    assert audit.exit_code == 0, audit.output
    assert "intact" in audit.output


def test_scale_runs_once(app):
    assert scale.seed(3)
    assert scale.seed(3) == {}


def test_the_demo_command_refuses_a_scale_out_of_range(app, runner):
    result = runner.invoke(args=["demo", "--scale", "0"])
    assert result.exit_code == 2
    assert "--scale" in result.output


def test_the_scale_teams_pages_render(app, client, auth):
    from jit.accounts.services import find_user_by_email
    from jit.demo import demo_password

    scale.seed(4)
    auth.login(find_user_by_email("coordinator@demo.example"), password=demo_password())
    for page in ("/t/SCALE-4/", "/t/SCALE-4/evidence/", "/t/SCALE-4/audit", "/t/SCALE-4/chat"):
        assert client.get(page).status_code == 200, page
