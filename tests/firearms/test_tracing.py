"""Incoming tracing requests: the crime notice, its deadline, its lifecycle, overdue answers."""

import html
from datetime import UTC, date, datetime

import pytest

from evidence.firearms import services, tracing
from evidence.firearms.models import TracingRequest
from jit.audit.models import AuditEntry
from jit.clock import frozen
from jit.extensions import db
from tests.firearms.conftest import access_of, audit_count, count


def request_fields(**overrides) -> dict:
    fields = {
        "counterpart_country": "ES",
        "counterpart_authority": "Guardia Civil, Jefatura de Información",
        "counterpart_reference": "GC-ARM-2026/0412",
        "received_on": "2026-03-02",
        "manufacturer": "Zastava",
        "model": "M57",
        "firearm_type": "pistol",
        "calibre": "7.62×25",
        "serial_as_read": "12-M57-48221",
        "country_of_manufacture": "RS",
        "other_marks": "",
        "circumstances": "Seized in Algeciras from a courier; no licence.",
        "intended_use": "Criminal proceedings in Spain.",
        "firearm_id": "",
        "linked_team_code": "",
        "proposal_note": "",
    }
    return fields | overrides


@pytest.fixture
def nl(make_team, make_membership):
    team = make_team()
    return {
        "team": team,
        "member": make_membership(team, "member", "NL"),
        "leader": make_membership(team, "leader", "NL"),
        "de_leader": make_membership(team, "leader", "DE"),
    }


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (date(2026, 1, 31), 30, date(2026, 3, 2)),  # across a short February
        (date(2028, 1, 31), 30, date(2028, 3, 1)),  # leap year
        (date(2026, 12, 15), 30, date(2027, 1, 14)),  # across the year end
        (date(2026, 4, 30), 1, date(2026, 5, 1)),
    ],
)
def test_the_deadline_counts_calendar_days(received, days, due):
    assert services.due_date(received, days) == due


def test_today_is_the_readers_date_not_the_servers():
    from jit.clock import local_today

    with frozen(datetime(2026, 3, 2, 23, 30, tzinfo=UTC)):
        assert local_today("UTC") == date(2026, 3, 2)
        assert local_today("Europe/Zagreb") == date(2026, 3, 3)
        assert local_today("America/New_York") == date(2026, 3, 2)
        assert local_today("Not/AZone") == date(2026, 3, 2)


def test_an_incoming_request_becomes_a_crime_notice_with_its_deadline(client, auth, nl):
    auth.login(nl["member"].user)
    code = nl["team"].code
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        form = client.get(f"/t/{code}/tracing/new").get_data(as_text=True)
        assert "answer is due 30 days after receipt" in form
        response = client.post(f"/t/{code}/tracing/new", data=request_fields())
    assert response.status_code == 302
    record = db.session.query(TracingRequest).one()
    assert record.direction == "incoming"
    assert record.status == "received"
    assert record.number == "TR-IN-2026-001"
    assert record.due_on == date(2026, 4, 1)
    assert record.serial_normalised == "12M5748221"
    assert record.party.country_code == "NL"
    entry = db.session.query(AuditEntry).filter_by(operation="firearms.tracing_received").one()
    assert entry.new_values["due_on"] == "2026-04-01"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Crime notice" in page
    assert "Guardia Civil" in page
    assert "2026-04-01" in page


def test_the_answer_period_follows_the_setting(app, nl):
    app.config["TRACING_ANSWER_DAYS"] = 14
    access = access_of(nl["member"].user, nl["team"])
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        data = tracing.IncomingInput(**_input(received_on=date(2026, 3, 2)))
        record = tracing.record_incoming(access, data)
    assert record.due_on == date(2026, 3, 16)


def _input(**overrides) -> dict:
    values = request_fields()
    values.pop("firearm_id")
    values["received_on"] = date(2026, 3, 2)
    return values | overrides


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"counterpart_country": "XX"}, "“XX” is not an ISO 3166-1 country code"),
        ({"counterpart_country": ""}, "Give the requesting state"),
        ({"counterpart_authority": " "}, "Give the requesting authority"),
        ({"received_on": "2026-03-09"}, "in the future"),
        ({"received_on": ""}, "date the request was received"),
        ({"serial_as_read": " - - "}, "only spaces or dashes"),
        ({"calibre": ""}, "calibre"),
        ({"firearm_type": ""}, "Choose the type"),
        ({"linked_team_code": "SOMEONE-ELSES"}, "Link only a team you are a member of"),
        ({"firearm_id": "999999"}, "firearm records"),
        ({"firearm_id": "²"}, "firearm records"),  # str.isdigit() takes it, int() refuses it
        ({"firearm_id": "abc"}, "firearm records"),
    ],
)
def test_bad_requests_are_refused_and_nothing_written(client, auth, nl, overrides, message):
    auth.login(nl["member"].user)
    entries = audit_count()
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        response = client.post(
            f"/t/{nl['team'].code}/tracing/new", data=request_fields(**overrides)
        )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(TracingRequest) == 0
    assert audit_count() == entries


def test_the_lifecycle_goes_step_by_step(client, auth, nl):
    access = access_of(nl["member"].user, nl["team"])
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        record = tracing.record_incoming(access, tracing.IncomingInput(**_input()))
    db.session.commit()
    auth.login(nl["member"].user)
    url = f"/t/{nl['team'].code}/tracing/{record.id}/status"
    for illegal in ("being-traced", "answered", "closed", "received", "nonsense"):
        response = client.post(url, data={"status": illegal, "answer": "x"})
        assert response.status_code == 400, illegal
        assert "cannot become" in response.get_data(as_text=True)
    assert client.post(url, data={"status": "acknowledged"}).status_code == 302
    assert client.post(url, data={"status": "being-traced"}).status_code == 302
    refused = client.post(url, data={"status": "answered", "answer": "  "})
    assert refused.status_code == 400
    assert "Write the answer" in refused.get_data(as_text=True)
    answer = "Exported by Zastava Arms to a dealer in Croatia in 1995; licence 95/221."
    assert client.post(url, data={"status": "answered", "answer": answer}).status_code == 302
    assert client.post(url, data={"status": "closed"}).status_code == 302
    assert client.post(url, data={"status": "received"}).status_code == 400
    db.session.refresh(record)
    assert (record.status, record.answer) == ("closed", answer)
    steps = db.session.query(AuditEntry).filter_by(operation="firearms.tracing_status").all()
    assert [s.new_values["status"] for s in steps] == [
        "acknowledged",
        "being-traced",
        "answered",
        "closed",
    ]


def test_overdue_answers_show_on_the_party_leaders_dashboard(client, auth, nl):
    access = access_of(nl["member"].user, nl["team"])
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        record = tracing.record_incoming(access, tracing.IncomingInput(**_input()))
    db.session.commit()
    assert record.due_on == date(2026, 4, 1)
    auth.login(nl["leader"].user)  # Europe/Amsterdam
    with frozen(datetime(2026, 4, 1, 21, 0, tzinfo=UTC)):  # 23:00 on the 1st in Amsterdam
        assert "Needs your attention" not in client.get("/").get_data(as_text=True)
    with frozen(datetime(2026, 4, 1, 22, 30, tzinfo=UTC)):  # 00:30 on the 2nd in Amsterdam
        page = client.get("/").get_data(as_text=True)
        assert "Needs your attention" in page
        assert record.number in page
        assert "overdue" in page
        register = client.get(f"/t/{nl['team'].code}/tracing/").get_data(as_text=True)
        assert "row--overdue" in register
    auth.logout()
    for other in (nl["member"].user, nl["de_leader"].user):
        auth.login(other)
        with frozen(datetime(2026, 4, 3, 12, 0, tzinfo=UTC)):
            assert record.number not in client.get("/").get_data(as_text=True)
        auth.logout()


def test_an_answered_request_is_no_longer_overdue(app, nl):
    access = access_of(nl["member"].user, nl["team"])
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        record = tracing.record_incoming(access, tracing.IncomingInput(**_input()))
        for status in ("acknowledged", "being-traced"):
            tracing.advance(access, record, status)
        tracing.advance(access, record, "answered", "Not in our registry.")
    db.session.commit()
    assert not record.is_overdue(date(2026, 6, 1))
    with frozen(datetime(2026, 6, 1, 12, 0, tzinfo=UTC)):
        assert tracing.overdue_for(nl["leader"].user) == []


def test_a_request_links_a_parallel_investigation_the_recorder_belongs_to(
    client, auth, nl, make_team, make_membership
):
    other = make_team(code="PARALLEL-1")
    make_membership(other, "member", "NL", user=nl["member"].user)
    auth.login(nl["member"].user)
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        response = client.post(
            f"/t/{nl['team'].code}/tracing/new",
            data=request_fields(linked_team_code="PARALLEL-1"),
        )
    assert response.status_code == 302
    assert db.session.query(TracingRequest).one().linked_team_id == other.id
    auth.logout()
    auth.login(nl["leader"].user)  # not in PARALLEL-1: the link is not shown to them
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "PARALLEL-1" not in page


def test_sending_the_form_twice_records_one_crime_notice(client, auth, nl):
    auth.login(nl["member"].user)
    data = request_fields(submission_token="T" * 32)
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        first = client.post(f"/t/{nl['team'].code}/tracing/new", data=data)
        again = client.post(f"/t/{nl['team'].code}/tracing/new", data=data)
    assert first.status_code == 302
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert count(TracingRequest) == 1


def test_only_the_receiving_partys_members_move_a_request_on(client, auth, nl, make_membership):
    """As a sent request is tracked by its drafting party: another party may not answer."""
    de_member = make_membership(nl["team"], "member", "DE")
    access = access_of(nl["member"].user, nl["team"])
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        record = tracing.record_incoming(access, tracing.IncomingInput(**_input()))
    db.session.commit()
    page_url = f"/t/{nl['team'].code}/tracing/{record.id}"
    for other in (nl["de_leader"], de_member):
        auth.login(other.user)
        page = client.get(page_url).get_data(as_text=True)
        assert record.number in page  # they read it, as every evidence reader does
        assert "Mark as acknowledged" not in page
        response = client.post(f"{page_url}/status", data={"status": "acknowledged"})
        assert response.status_code == 403
        refusal = html.unescape(response.get_data(as_text=True))
        assert f"Only NL's members record the steps of {record.number}" in refusal
        with pytest.raises(services.FirearmsError, match="Only NL's members"):
            tracing.advance(access_of(other.user, nl["team"]), record, "acknowledged")
        db.session.rollback()
        auth.logout()
    db.session.refresh(record)
    assert record.status == "received"
    assert not db.session.query(AuditEntry).filter_by(operation="firearms.tracing_status").all()
    auth.login(nl["member"].user)
    assert "Mark as acknowledged" in client.get(page_url).get_data(as_text=True)
    assert client.post(f"{page_url}/status", data={"status": "acknowledged"}).status_code == 302


def test_the_firearm_it_concerns_is_named_only_to_who_may_open_it(
    client, auth, nl, make_firearm_item, make_firearm
):
    """A request linked to a party-only weapon says to other parties only that one exists."""
    item = make_firearm_item(nl["member"], visibility="party")
    firearm = make_firearm(nl["member"], item)
    auth.login(nl["member"].user)
    with frozen(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)):
        response = client.post(
            f"/t/{nl['team'].code}/tracing/new", data=request_fields(firearm_id=str(firearm.id))
        )
    assert response.status_code == 302
    page_url = response.headers["Location"]
    firearm_url = f"/t/{nl['team'].code}/firearms/{firearm.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert firearm.label in page
    assert f'href="{firearm_url}"' in page
    auth.logout()
    auth.login(nl["de_leader"].user)
    assert client.get(firearm_url).status_code == 404
    page = client.get(page_url).get_data(as_text=True)
    assert "Crime notice" in page
    assert firearm.label not in page
    assert item.exhibit_number not in page
    assert firearm_url not in page
    assert "A firearm record you may not open." in page
