"""`jit demo`: a realistic JIT and an unrelated team, created once, each login seeing its part."""

import stat
from datetime import timedelta
from pathlib import Path

import pytest

from jit.accounts.models import User
from jit.extensions import db
from jit.teams.models import Membership, Team

PASSWORD = "demo password for tests"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEMO_PASSWORD": PASSWORD}


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _counts():
    return [
        db.session.scalar(db.select(db.func.count()).select_from(m))
        for m in (User, Team, Membership)
    ]


def test_demo_is_realistic_and_idempotent(runner, demo):
    iron = db.session.scalar(db.select(Team).where(Team.code == "IRON-MERIDIAN"))
    states = [p.country_code for p in iron.parties if p.is_state]
    bodies = [p.body for p in iron.parties if not p.is_state]
    assert len(states) == 3
    assert {"EUROJUST", "EUROPOL"} <= set(bodies)
    roles = {(m.party.short_label, m.role) for m in iron.memberships}
    for state in states:
        assert (state, "leader") in roles
        assert (state, "member") in roles
    assert ("Eurojust", "coordinator") in roles
    assert ("Europol", "participant") in roles
    assert any(role == "reviewer" for _party, role in roles)
    assert db.session.scalar(db.select(Team).where(Team.code == "BLUE-HARBOUR"))
    assert f"password: {PASSWORD}" in demo
    assert "judge@demo.example" in demo

    before = _counts()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert _counts() == before


def test_generated_demo_password_is_kept_in_the_instance_folder(app, runner):
    app.config["DEMO_PASSWORD"] = None
    first = runner.invoke(args=["demo"])
    path = Path(app.instance_path) / "demo_password"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().strip()
    assert len(password) >= 12
    assert f"password: {password}" in first.output
    assert f"password: {password}" in runner.invoke(args=["demo"]).output


def _sign_in(client, email):
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_each_demo_login_sees_exactly_its_part(client, demo):
    _sign_in(client, "judge@demo.example")
    assert "IRON-MERIDIAN" in client.get("/").get_data(as_text=True)
    judge_page = client.get("/t/IRON-MERIDIAN/").get_data(as_text=True)
    assert "Parties" in judge_page
    assert "Recent activity" not in judge_page
    assert "Sanne Jansen" not in judge_page
    assert client.get("/t/IRON-MERIDIAN/members").status_code == 403
    assert client.get("/t/BLUE-HARBOUR/").status_code == 404

    _sign_in(client, "coordinator@demo.example")
    page = client.get("/t/IRON-MERIDIAN/").get_data(as_text=True)
    assert "Sanne Jansen" in page
    assert "Recent activity" in page
    assert "Audit log" in page
    assert client.get("/t/IRON-MERIDIAN/audit").status_code == 200

    _sign_in(client, "nl.member@demo.example")
    page = client.get("/t/IRON-MERIDIAN/").get_data(as_text=True)
    assert "Katharina Gruber" in page
    assert "Audit log" not in page
    assert client.get("/t/IRON-MERIDIAN/audit").status_code == 403
    dashboard = client.get("/").get_data(as_text=True)
    assert "BLUE-HARBOUR" not in dashboard
    assert client.get("/t/BLUE-HARBOUR/").status_code == 404

    _sign_in(client, "admin@demo.example")
    assert "IRON-MERIDIAN" not in client.get("/").get_data(as_text=True)
    assert client.get("/t/IRON-MERIDIAN/").status_code == 404
    assert "IRON-MERIDIAN" in client.get("/admin/teams").get_data(as_text=True)


def test_the_demo_history_is_written_in_time_order_as_it_happened(demo):
    """Every record of the demo is written at the moment it tells of, in order: a reader
    of the audit log or of a custody report sees a history, not a back-filled import."""
    from evidence.models import CustodyEvent, EvidenceItem
    from jit.audit.models import AuditEntry
    from jit.chat.models import Message

    chains = db.session.execute(
        db.select(AuditEntry.chain, AuditEntry.occurred_at).order_by(
            AuditEntry.chain, AuditEntry.seq
        )
    ).all()
    by_chain = {}
    for chain, moment in chains:
        by_chain.setdefault(chain, []).append(moment)
    assert len(by_chain) >= 3
    for chain, moments in by_chain.items():
        assert moments == sorted(moments), chain

    team = db.session.scalar(db.select(Team).where(Team.code == "IRON-MERIDIAN"))
    # The team's record starts with the team: its agreement was drafted in it, not before.
    assert by_chain[f"team:{team.id}"][0] == team.created_at

    # Iron Meridian's evidence (Blue Harbour's pistol has no agreement recorded).
    items = {
        i.id: i.exhibit_number
        for i in db.session.scalars(db.select(EvidenceItem).where(EvidenceItem.team_id == team.id))
    }
    events = db.session.scalars(
        db.select(CustodyEvent)
        .where(CustodyEvent.item_id.in_(items))
        .order_by(CustodyEvent.item_id, CustodyEvent.seq)
    ).all()
    recorded = {}
    for event in events:
        recorded.setdefault(event.item_id, []).append(event.recorded_at)
        where = f"{items[event.item_id]} #{event.seq} {event.event_type}"
        lag = event.recorded_at - event.occurred_at
        assert lag >= timedelta(0), where
        assert lag <= timedelta(days=3), where
        # March and April 2026: the original agreement was in force, not the extension.
        assert event.agreement_version.startswith("v1 "), where
    assert all(moments == sorted(moments) for moments in recorded.values())

    messages = db.session.execute(
        db.select(Message.channel_id, Message.created_at).order_by(Message.channel_id, Message.seq)
    ).all()
    by_channel = {}
    for channel, moment in messages:
        by_channel.setdefault(channel, []).append(moment)
    assert all(moments == sorted(moments) for moments in by_channel.values())


def test_every_demo_audit_entry_names_the_person_who_did_it(demo):
    """The administrator creates the accounts, opens the spaces and names their
    coordinators; each coordinator adds the other members; each person records their own
    work. Only the administrator's own account, the installation's first (made from the
    command line before anyone could sign in), names no one."""
    from jit.audit.models import AuditEntry

    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    nameless = [(e.operation, (e.new_values or {}).get("email")) for e in entries if not e.user_id]
    assert nameless == [("account.created", "admin@demo.example")]
    admin = db.session.scalar(db.select(User).where(User.email == "admin@demo.example"))
    coordinator_of = {
        m.team_id: m.user_id
        for m in db.session.scalars(db.select(Membership).where(Membership.role == "coordinator"))
    }
    for entry in entries:
        if entry.operation in ("account.created", "team.created", "directory.entry_created"):
            assert entry.user_id in (admin.id, None), entry.operation
        if entry.operation == "membership.created":
            by = admin.id if entry.new_values["role"] == "coordinator" else None
            assert entry.user_id == (by or coordinator_of[entry.team_id]), entry.new_values
