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
    # Acknowledging receipt is not recognising: the 30 days of art. 12(3) still run.
    assert "decision on recognition (Directive 2014/41/EU art. 12(3))" in page
    assert "execution (Directive 2014/41/EU art. 12(4))" not in page


def _post(client, url, **data):
    return client.post(url, data=data, follow_redirects=True).get_data(as_text=True)


def test_the_decision_on_recognition_is_recorded_alone_and_starts_execution(
    client, auth, crew, sent_eio
):
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    finalised = sent_eio.finalised_at
    day = timedelta(days=1)
    with clock.frozen(finalised + 20 * day):
        auth.login(crew.nl_member.user)
        _post(client, url, status="sent", occurred_on=(finalised + day).date().isoformat())
        _post(
            client, url, status="acknowledged", occurred_on=(finalised + 3 * day).date().isoformat()
        )
        page = _post(client, url, status="acknowledged", occurred_on=_today())
        assert "To keep the status, give the date of the decision on recognition" in page
        assert _count(BundleStatusChange) == 2
        recognised = (finalised + 10 * day).date()
        page = _post(
            client,
            url,
            status="acknowledged",
            occurred_on=_today(),
            recognised_on=recognised.isoformat(),
        )
        assert "is recorded as acknowledged" in page
        assert "execution (Directive 2014/41/EU art. 12(4))" in page
        assert (recognised + timedelta(days=90)).isoformat() in page
        assert "unchanged; date recorded" in page
        page = _post(
            client, url, status="acknowledged", occurred_on=_today(), recognised_on=_today()
        )
        assert f"is recorded already ({recognised.isoformat()})" in page
        register = client.get(f"/t/{crew.team.code}/requests/").get_data(as_text=True)
        # Since the acknowledgement, not since the date recorded alone.
        assert (finalised + 3 * day).date().isoformat() in register
        export = client.get(f"/t/{crew.team.code}/requests/register.csv")
    change = db.session.scalars(select(BundleStatusChange).order_by(BundleStatusChange.id)).all()[
        -1
    ]
    assert (change.previous_status, change.status, change.recognised_on) == (
        "acknowledged",
        "acknowledged",
        recognised,
    )
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.operation == "bundle.status").order_by(AuditEntry.id)
    ).all()[-1]
    assert entry.new_values["recognised_on"] == recognised.isoformat()
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    row = next(r for r in rows if r["Request"] == sent_eio.label)
    assert row["Decision on recognition"] == recognised.isoformat()
    assert row["Status since"] == (finalised + 3 * day).date().isoformat()
    assert row["Due on"] == (recognised + timedelta(days=90)).isoformat()


def test_an_arrest_learned_after_the_acknowledgement_starts_the_eaw_time_limit(
    client, auth, crew, make_bundle
):
    bundle = make_bundle(crew.nl_member, "eaw", COMPLETE["eaw"])
    finalise(crew.nl_leader, bundle)
    url = f"/t/{crew.team.code}/requests/{bundle.number}/status"
    finalised = bundle.finalised_at
    day = timedelta(days=1)
    with clock.frozen(finalised + 30 * day):
        auth.login(crew.nl_member.user)
        _post(client, url, status="sent", occurred_on=(finalised + day).date().isoformat())
        _post(
            client,
            url,
            status="acknowledged",
            occurred_on=(finalised + 12 * day).date().isoformat(),
        )
        # A step cannot predate the last one, and the message says which bound it is.
        page = _post(
            client, url, status="executed", occurred_on=(finalised + 5 * day).date().isoformat()
        )
        assert "before the last step recorded" in page
        assert "before the request was finalised" not in page
        # The arrest itself may: it was made before the acknowledgement was recorded.
        arrested = (finalised + 5 * day).date()
        page = _post(
            client,
            url,
            status="acknowledged",
            occurred_on=_today(),
            arrested_on=arrested.isoformat(),
        )
        assert "is recorded as acknowledged" in page
        assert (arrested + timedelta(days=60)).isoformat() in page
        assert f"extendable to {(arrested + timedelta(days=90)).isoformat()}" in page
        page = _post(client, url, status="acknowledged", occurred_on=_today(), arrested_on=_today())
        assert f"date of arrest is recorded already ({arrested.isoformat()})" in page
        page = _post(
            client, url, status="acknowledged", occurred_on=_today(), recognised_on=_today()
        )
        assert "belongs to an EIO only" in page
    assert _count(BundleStatusChange) == 3


def test_a_closed_request_takes_no_date_alone(client, auth, crew, sent_eio):
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    _post(client, url, status="sent", occurred_on=_today())
    _post(client, url, status="refused", occurred_on=_today())
    page = _post(client, url, status="refused", occurred_on=_today(), recognised_on=_today())
    assert "is refused; it cannot become refused now" in page
    assert _count(BundleStatusChange) == 2


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
    assert "The reply is larger than 1.0 MiB (1,048,576 bytes), the most a reply may be" in page
    assert "Nothing was recorded." in page
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


def test_a_reply_over_the_request_body_limit_is_refused_on_the_tracking_form(
    app, client, auth, crew, sent_eio
):
    """Over the body limit the form is never read (the CSRF check refuses it first): the
    tracking form still says what was too large, and a reply at the limit is taken."""
    from evidence.bundles.tracking_services import FORM_ROOM

    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    client.post(url, data={"status": "sent", "occurred_on": _today()})
    # Small enough for the test client to keep the body in memory (it spools larger ones
    # to a temporary file that only the garbage collector closes when no one reads it).
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    items_before = _count(EvidenceItem)
    response = client.post(
        url,
        data={
            "status": "acknowledged",
            "occurred_on": _today(),
            "reply": (io.BytesIO(b"x" * (256 * 1024 + 1)), "reply.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{sent_eio.number}/#tracking")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The reply is larger than 0.2 MiB (196,608 bytes), the most a reply may be" in page
    assert (_count(EvidenceItem), _count(BundleStatusChange)) == (items_before, 1)
    client.post(
        url,
        data={
            "status": "acknowledged",
            "occurred_on": _today(),
            "reply": (io.BytesIO(b"y" * (256 * 1024 - FORM_ROOM)), "reply.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert (_count(EvidenceItem), _count(BundleStatusChange)) == (items_before + 1, 2)


def test_who_may_open_a_reply_is_chosen_and_the_link_shown_only_to_them(
    client, auth, crew, sent_eio
):
    auth.login(crew.nl_member.user)
    url = f"/t/{crew.team.code}/requests/{sent_eio.number}/status"
    _post(client, url, status="sent", occurred_on=_today())
    page = client.post(
        url,
        data={
            "status": "acknowledged",
            "occurred_on": _today(),
            "reply": (io.BytesIO(b"receipt"), "receipt.pdf"),
            "reply_visibility": "everyone",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Choose who in the team may open the reply" in page
    assert _count(BundleStatusChange) == 1
    client.post(
        url,
        data={
            "status": "acknowledged",
            "occurred_on": _today(),
            "reply": (io.BytesIO(b"receipt"), "receipt.pdf"),
        },
        content_type="multipart/form-data",
    )
    client.post(
        url,
        data={
            "status": "executed",
            "occurred_on": _today(),
            "reply": (io.BytesIO(b"results"), "results.pdf"),
            "reply_visibility": "team",
        },
        content_type="multipart/form-data",
    )
    receipt, results = (
        db.session.get(EvidenceItem, change.reply_item_id)
        for change in db.session.scalars(
            select(BundleStatusChange)
            .where(BundleStatusChange.reply_item_id.is_not(None))
            .order_by(BundleStatusChange.id)
        )
    )
    assert (receipt.visibility, results.visibility) == ("party", "team")
    auth.logout()
    auth.login(crew.de_leader.user)  # sees the request; the receipt is NL's alone
    page = client.get(f"/t/{crew.team.code}/requests/{sent_eio.number}/").get_data(as_text=True)
    assert receipt.exhibit_number not in page
    assert "A reply is kept as evidence you may not open." in page
    assert results.exhibit_number in page
    assert client.get(f"/t/{crew.team.code}/evidence/{results.exhibit_number}").status_code == 200
