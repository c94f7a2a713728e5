"""The demo gives Iron Meridian a signed agreement with one extension, once."""

from datetime import date

from sqlalchemy import func, select

from agreements import evaluations
from agreements.models import AgreementSignature, AgreementVersion
from agreements.status import team_status
from jit import gates
from jit.clock import frozen
from jit.extensions import db
from jit.teams.models import Team
from tests.agreements.conftest import at


def test_the_demo_agreement_is_in_force_with_one_extension_and_seeding_twice_changes_nothing(app):
    from jit.demo import seed

    app.config["DEMO_PASSWORD"] = "demo password for tests"
    with frozen(at("2026-11-29")):
        seed()
        seed()
    team = db.session.scalar(select(Team).where(Team.code == "IRON-MERIDIAN"))
    versions = db.session.scalars(select(AgreementVersion).order_by(AgreementVersion.number)).all()
    assert [(v.kind, v.is_fully_signed) for v in versions] == [
        ("original", True),
        ("extension", True),
    ]
    assert db.session.scalar(select(func.count()).select_from(AgreementSignature)) == 6
    content = versions[-1].content
    assert content["schema"] == "jit-agreement/2"
    assert content["legal_basis"] == ["EU_MLA_2000_ART13", "FD_2002_465_JHA"]  # no UNTOC
    assert content["time_zone"] == "Europe/Zagreb"
    eurojust = next(p for p in team.parties if p.body == "EUROJUST")
    assert "Secretariat" not in eurojust.authority
    # Eurojust takes part through its national members (Article 1, Appendix I): one is
    # named in Article 7, and no participant's scope reaches beyond Article 11's uses.
    participants = {p["name"]: p for p in content["participants"]}
    assert any("National Member" in p["function"] for p in participants.values())
    assert content["information_use"]["other_purposes"] == ""
    assert "other teams" not in participants["Lena Fischer"]["scope"]
    assert "Article 11(b)" in participants["Lena Fischer"]["scope"]
    # Article 4 says whose law applies in fixed text; the note does not say it again.
    assert "law of the state" not in content["operating_states"]["note"]
    with frozen(at("2026-11-29")):
        # Due on 2026-03-31 and never finalised: the overdue mid-term evaluation is flagged.
        assert evaluations.mid_term_overdue(team) == date(2026, 3, 31)
    with frozen(at("2026-11-29")):
        status = team_status(team)
        assert status.code == "in_force"
        assert status.governing.number == 2
        assert gates.may(team, "add_evidence")
    assert status.started_on.isoformat() == "2025-09-15"
    assert status.expires_on.isoformat() == "2027-09-14"
    with frozen(at("2027-09-15")):
        assert team_status(team).code == "expired"
    blue = db.session.scalar(select(Team).where(Team.code == "BLUE-HARBOUR"))
    assert team_status(blue).code == "none"
    from evidence import extraction

    extraction.wait_idle(app)  # the evidence demo's text extraction runs in the background


def test_the_members_page_says_the_agreement_decides_who_belongs(app, client):
    from jit.demo import seed

    app.config["DEMO_PASSWORD"] = "demo password for tests"
    with frozen(at("2026-11-29")):
        seed()
        db.session.commit()
        for coordinator in ("coordinator@demo.example", "bh.coordinator@demo.example"):
            client.post("/logout")
            client.post(
                "/login", data={"email": coordinator, "password": "demo password for tests"}
            )
            code = "IRON-MERIDIAN" if coordinator.startswith("coordinator") else "BLUE-HARBOUR"
            page = " ".join(client.get(f"/t/{code}/members").get_data(as_text=True).split())
            has_note = "loses access when the next version enters into force" in page
            assert has_note == (code == "IRON-MERIDIAN"), code
            if code == "IRON-MERIDIAN":
                assert "(version 2)" in page
    from evidence import extraction

    extraction.wait_idle(app)
