"""`jit demo` tells the firearms story: a restored serial, a cross-team match seen only by
the analyst in both teams, the draft tracing request to Serbia in the Outgoing tab, a crime
notice from Spain overdue for NL, a filled directory."""

from sqlalchemy import select

from evidence.bundles.models import Bundle
from evidence.firearms.models import Ammunition, Firearm, TracingRequest
from jit.audit.models import AuditEntry
from jit.directory.models import DirectoryEntry
from jit.extensions import db

PASSWORD = "demo-password-for-tests"


def _login(client, key):
    client.post("/logout")
    response = client.post("/login", data={"email": f"{key}@demo.example", "password": PASSWORD})
    assert response.status_code == 302


def test_demo_firearms(app, runner, client):
    app.config["DEMO_PASSWORD"] = PASSWORD
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    firearms = {f.label: f for f in db.session.scalars(select(Firearm))}
    assert set(firearms) == {"HR-0002/1", "HR-0003/1", "HR-0003/2", "ES-0001/1"}
    restored = firearms["HR-0002/1"]
    assert [(s.as_read, s.alteration) for s in restored.serials] == [
        ("12-M57-48221", "restored-by-laboratory")
    ]
    correction = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "firearms.firearm_corrected")
    )
    assert correction.old_values["serials"][0]["as_read"] == "12-M57-4??21"
    assert restored.photos
    assert db.session.query(Ammunition).count() == 1
    notice = db.session.scalar(select(TracingRequest).where(TracingRequest.direction == "incoming"))
    assert (notice.counterpart_country, notice.status) == ("ES", "being-traced")
    assert notice.party.country_code == "NL"
    assert notice.proposes_new_team
    assert db.session.query(DirectoryEntry).count() >= 15

    match_heading = "Same serial and make elsewhere"
    _login(client, "eurojust.analyst")
    page = client.get(f"/t/IRON-MERIDIAN/firearms/{restored.id}").get_data(as_text=True)
    assert match_heading in page
    assert "BLUE-HARBOUR" in page
    _login(client, "nl.member")
    page = client.get(f"/t/IRON-MERIDIAN/firearms/{restored.id}").get_data(as_text=True)
    assert match_heading not in page
    assert "BLUE-HARBOUR" not in page
    _login(client, "es.leader")
    spanish = firearms["ES-0001/1"]
    page = client.get(f"/t/BLUE-HARBOUR/firearms/{spanish.id}").get_data(as_text=True)
    assert match_heading not in page
    assert "IRON-MERIDIAN" not in page
    _login(client, "nl.leader")
    assert notice.number in client.get("/").get_data(as_text=True)

    sent = db.session.scalar(select(TracingRequest).where(TracingRequest.direction == "outgoing"))
    tracing_bundle = db.session.scalar(select(Bundle).where(Bundle.request_type == "tracing"))
    assert (sent.firearm_id, sent.bundle_id) == (restored.id, tracing_bundle.id)
    assert (sent.status, sent.counterpart_country, sent.party.country_code) == ("draft", "RS", "HR")
    _login(client, "hr.member")
    page = client.get("/t/IRON-MERIDIAN/tracing/?direction=outgoing").get_data(as_text=True)
    assert sent.number in page
    assert tracing_bundle.label in page
    assert "HR-0002/1" in page
    page = client.get(f"/t/IRON-MERIDIAN/firearms/{restored.id}").get_data(as_text=True)
    assert sent.number in page
    assert notice.number in page  # the firearm's tracing history, both ways

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert db.session.query(Firearm).count() == 4
    assert db.session.query(TracingRequest).count() == 2
