"""`jit demo`: a realistic JIT and an unrelated team, created once, each login seeing its part."""

import stat
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
    assert len(states) == 3 and {"EUROJUST", "EUROPOL"} <= set(bodies)
    roles = {(m.party.short_label, m.role) for m in iron.memberships}
    for state in states:
        assert (state, "leader") in roles and (state, "member") in roles
    assert ("Eurojust", "coordinator") in roles and ("Europol", "participant") in roles
    assert any(role == "reviewer" for _party, role in roles)
    assert db.session.scalar(db.select(Team).where(Team.code == "BLUE-HARBOUR"))
    assert f"password: {PASSWORD}" in demo and "judge@demo.example" in demo

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
    assert len(password) >= 12 and f"password: {password}" in first.output
    assert f"password: {password}" in runner.invoke(args=["demo"]).output


def _sign_in(client, email):
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_each_demo_login_sees_exactly_its_part(client, demo):
    _sign_in(client, "judge@demo.example")
    assert "IRON-MERIDIAN" in client.get("/").get_data(as_text=True)
    judge_page = client.get("/t/IRON-MERIDIAN/").get_data(as_text=True)
    assert "Parties" in judge_page and "Recent activity" not in judge_page
    assert "Sanne Jansen" not in judge_page
    assert client.get("/t/IRON-MERIDIAN/members").status_code == 403
    assert client.get("/t/BLUE-HARBOUR/").status_code == 404

    _sign_in(client, "coordinator@demo.example")
    page = client.get("/t/IRON-MERIDIAN/").get_data(as_text=True)
    assert "Sanne Jansen" in page and "Recent activity" in page and "Audit log" in page
    assert client.get("/t/IRON-MERIDIAN/audit").status_code == 200

    _sign_in(client, "nl.member@demo.example")
    page = client.get("/t/IRON-MERIDIAN/").get_data(as_text=True)
    assert "Katharina Gruber" in page and "Audit log" not in page
    assert client.get("/t/IRON-MERIDIAN/audit").status_code == 403
    dashboard = client.get("/").get_data(as_text=True)
    assert "BLUE-HARBOUR" not in dashboard
    assert client.get("/t/BLUE-HARBOUR/").status_code == 404

    _sign_in(client, "admin@demo.example")
    assert "IRON-MERIDIAN" not in client.get("/").get_data(as_text=True)
    assert client.get("/t/IRON-MERIDIAN/").status_code == 404
    assert "IRON-MERIDIAN" in client.get("/admin/teams").get_data(as_text=True)
