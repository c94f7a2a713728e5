"""Tracking a request after sending: allowed steps only, each dated, attributed and audited."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from evidence.bundles.models import BundleStatusChange
from evidence.models import EvidenceItem
from jit import clock
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, finalise


@pytest.fixture
def sent_eio(crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"])
    finalise(crew.nl_leader, bundle)
    return bundle


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _today() -> str:
    from evidence.bundles import tracking

    return tracking.today(clock.utcnow()).isoformat()


def test_each_step_is_dated_attributed_and_audited(client, auth, crew, sent_eio):
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    for status, reference in (("sent", ""), ("acknowledged", "StA Köln 12 Js 3/26")):
        response = client.post(
            url, data={"status": status, "occurred_on": _today(), "reference": reference}
        )
        assert response.status_code == 302
    changes = db.session.scalars(select(BundleStatusChange).order_by(BundleStatusChange.id)).all()
    assert [(c.previous_status, c.status) for c in changes] == [
        ("final", "sent"),
        ("sent", "acknowledged"),
    ]
    assert changes[1].recorded_by_id == crew.nl_member.user.id
    assert changes[1].reference == "StA Köln 12 Js 3/26"
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.operation == "bundle.status").order_by(AuditEntry.id)
    ).all()
    assert [e.new_values["status"] for e in entries] == ["sent", "acknowledged"]
    assert entries[1].old_values == {"status": "sent"}
    assert entries[1].new_values["reference"] == "StA Köln 12 Js 3/26"
    page = client.get(f"/t/{crew.team.code}/requests/{sent_eio.number}/").get_data(as_text=True)
    assert "Acknowledged" in page
    assert "StA Köln 12 Js 3/26" in page
    assert "execution (Directive 2014/41/EU art. 12(4))" in page


@pytest.mark.parametrize(
    ("steps", "refused", "message"),
    [
        ((), "executed", "is final; it cannot become executed now"),
        ((), "acknowledged", "is final; it cannot become acknowledged now"),
        (("sent", "refused"), "executed", "is refused; it cannot become executed now"),
        ((), "nonsense", "Choose one of the statuses offered"),
    ],
)
def test_a_step_the_table_does_not_allow_is_refused_and_nothing_written(
    client, auth, crew, sent_eio, steps, refused, message
):
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    for status in steps:
        client.post(url, data={"status": status, "occurred_on": _today()})
    before = (_count(BundleStatusChange), _count(AuditEntry))
    page = client.post(
        url, data={"status": refused, "occurred_on": _today()}, follow_redirects=True
    )
    assert message in page.get_data(as_text=True)
    assert (_count(BundleStatusChange), _count(AuditEntry)) == before


@pytest.mark.parametrize(
    ("occurred_on", "message"),
    [
        ("", "Give the date it happened"),
        ("31/01/2026", "is not a date"),
        ("2026-02-30", "is not a date"),
        ("2099-01-01", "The date is in the future"),
        ("2020-01-01", "before the request was finalised"),
    ],
)
def test_bad_dates_are_refused(client, auth, crew, sent_eio, occurred_on, message):
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    page = client.post(
        url, data={"status": "sent", "occurred_on": occurred_on}, follow_redirects=True
    )
    assert message in page.get_data(as_text=True)
    assert _count(BundleStatusChange) == 0


def test_only_the_drafting_party_tracks(client, auth, crew, sent_eio, make_bundle):
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    auth.login(crew.de_leader.user)  # sees the request, but DE did not send it
    assert client.post(url, data={"status": "sent", "occurred_on": _today()}).status_code == 403
    auth.logout()
    auth.login(crew.nl_member.user)
    draft = make_bundle(crew.nl_member, "mla")
    draft_url = f"/t/{crew.team.code}/requests/{draft.number}/status"
    assert (
        client.post(draft_url, data={"status": "sent", "occurred_on": _today()}).status_code == 403
    )
    assert _count(BundleStatusChange) == 0


def test_the_register_shows_days_left_and_highlights_overdue(client, auth, crew, sent_eio):
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    client.post(url, data={"status": "sent", "occurred_on": _today()})
    page = client.get(f"/t/{crew.team.code}/requests/").get_data(as_text=True)
    assert "decision on recognition" in page
    assert ">30<" in page
    assert "row--overdue" not in page
    with clock.shifted(timedelta(days=33)):
        auth.login(crew.nl_member.user)  # the first sign-in has expired by then
        page = client.get(f"/t/{crew.team.code}/requests/").get_data(as_text=True)
        assert "row--overdue" in page
        assert "overdue by 3" in page
        export = client.get(f"/t/{crew.team.code}/requests/register.csv")
    assert export.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    row = next(r for r in rows if r["Request"] == sent_eio.label)
    assert (row["Status"], row["Days left"], row["Overdue"]) == ("Sent", "-3", "yes")
    assert row["Type"] == "EIO"
    assert row["Deadline"].startswith("decision on recognition")
    assert _count(AuditEntry, AuditEntry.operation == "bundle.register_export") == 1


def test_the_deadline_counts_days_in_the_request_time_zone(app, client, auth, crew, sent_eio):
    """Sent on 31 January; at 23:30 UTC on 2 March it is already 3 March in Zagreb."""
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    finalised = sent_eio.finalised_at
    with clock.frozen(finalised + timedelta(minutes=1)):
        client.post(url, data={"status": "sent", "occurred_on": _today()})
    change = db.session.scalar(select(BundleStatusChange))
    sent_on = change.occurred_on
    due = sent_on + timedelta(days=30)
    late_evening = datetime.combine(due, datetime.min.time(), UTC) + timedelta(hours=23, minutes=30)
    app.config["REQUEST_TIME_ZONE"] = "Europe/Zagreb"
    with clock.frozen(late_evening):
        auth.login(crew.nl_member.user)
        assert "overdue by 1" in client.get(f"/t/{crew.team.code}/requests/").get_data(as_text=True)
    app.config["REQUEST_TIME_ZONE"] = "America/New_York"
    with clock.frozen(late_evening):
        auth.login(crew.nl_member.user)
        page = client.get(f"/t/{crew.team.code}/requests/").get_data(as_text=True)
        assert "row--overdue" not in page
        assert ">0<" in page


def test_a_reply_is_kept_as_evidence_and_one_over_the_limit_is_refused(
    app, client, auth, crew, sent_eio
):
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    client.post(url, data={"status": "sent", "occurred_on": _today()})
    app.config["MAX_UPLOAD_MB"] = 1
    items_before = _count(EvidenceItem)
    too_big = (io.BytesIO(b"x" * (2**20 + 1)), "reply.pdf")
    page = client.post(
        url,
        data={"status": "acknowledged", "occurred_on": _today(), "reply": too_big},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "at most 1 MiB is accepted. Nothing was recorded." in page
    assert (_count(EvidenceItem), _count(BundleStatusChange)) == (items_before, 1)
    reply = (io.BytesIO(b"%PDF-1.4 Anerkennung der EEA"), "Antwort.pdf")
    client.post(
        url,
        data={"status": "acknowledged", "occurred_on": _today(), "reply": reply},
        content_type="multipart/form-data",
    )
    change = db.session.scalar(
        select(BundleStatusChange).where(BundleStatusChange.status == "acknowledged")
    )
    item = db.session.get(EvidenceItem, change.reply_item_id)
    assert item.files[0].original_filename == "Antwort.pdf"
    assert item.party_id == crew.nl_member.party_id
    assert item.title.startswith(f"Reply to {sent_eio.label}")
    page = client.get(f"/t/{crew.team.code}/requests/{sent_eio.number}/").get_data(as_text=True)
    assert item.exhibit_number in page
