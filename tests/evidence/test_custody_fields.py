"""The ISO/IEC 27037 fields: entered on the form, kept in the chain, printed in the report."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from evidence import custody_fields
from evidence.models import CustodyEvent
from jit.extensions import db
from tests.evidence.conftest import counts

MD5 = "9e107d9d372bb6826bd81d3542a419d6"
SHA1 = "2FD4E1C6 7A2D28FC ED849EE1 BB76E739 1B93EB12"


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _post(client, nl_member, **fields):
    return client.post(f"/t/{nl_member.team.code}/evidence/NL-0001/custody", data=fields)


def _last(item) -> CustodyEvent:
    return db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
    ).all()[-1]


@pytest.fixture
def item(client, auth, nl_member, make_item):
    item = make_item(nl_member, item_type="device-image")
    auth.login(nl_member.user)
    return item


def test_acquisition_keeps_tool_hashes_and_the_device(client, nl_member, item):
    response = _post(
        client,
        nl_member,
        event_type="acquired",
        occurred_at="2026-03-14T11:15",
        time_zone="Europe/Zagreb",
        location="PNUSKOK lab, Split",
        method="Cellebrite UFED 7.69, physical extraction",
        device_make="Samsung",
        device_model="Galaxy S23 (SM-S911B)",
        device_serial="IMEI 356789104512345",
        tool_hash_algorithm_0="MD5",
        tool_hash_value_0=MD5,
        tool_hash_algorithm_1="SHA-1",
        tool_hash_value_1=SHA1,
    )
    assert response.status_code == 303
    details = _last(item).details
    assert details["tool_hashes"] == [
        {"algorithm": "MD5", "value": MD5},
        {"algorithm": "SHA-1", "value": "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
    ]
    assert (details["device_make"], details["device_model"], details["device_serial"]) == (
        "Samsung",
        "Galaxy S23 (SM-S911B)",
        "IMEI 356789104512345",
    )
    text = _pdf_text(
        client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/custody-report.pdf").data
    )
    flat = re.sub(r"\s+", "", text)
    assert MD5 in flat
    assert "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" in flat
    assert "Devicemodel:GalaxyS23(SM-S911B)" in flat
    assert "Deviceserialnumber:IMEI356789104512345" in flat
    # Local time with its zone beside UTC: 11:15 in Zagreb (CET) is 10:15 UTC.
    assert "2026-03-1410:15:00UTC2026-03-1411:15:00CET(Europe/Zagreb)" in flat


@pytest.mark.parametrize(
    ("algorithm", "value", "message"),
    [
        ("MD5", MD5[:-1], "An MD5 value has 32 hexadecimal digits; this one has 31."),
        ("SHA-1", MD5, "An SHA-1 value has 40 hexadecimal digits; this one has 32."),
        ("SHA-256", "z" * 64, "holds characters that are not hexadecimal digits"),
        ("CRC32", "abcd1234", "Choose the algorithm (MD5, SHA-1, SHA-256, SHA-512)."),
    ],
)
def test_a_tool_hash_of_the_wrong_length_is_refused(
    client, nl_member, item, algorithm, value, message
):
    before = counts()
    response = _post(
        client,
        nl_member,
        event_type="acquired",
        occurred_at="2026-03-14T10:15",
        time_zone="UTC",
        location="Lab",
        method="FTK Imager 4.7",
        tool_hash_algorithm_0=algorithm,
        tool_hash_value_0=value,
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts() == before


def test_storage_seals_and_transfer_details_round_trip_into_the_report(client, nl_member, item):
    base = {"time_zone": "Europe/Amsterdam"}
    steps = [
        {
            "event_type": "checked_in",
            "occurred_at": "2026-03-15T08:00",
            "storage_location": "Evidence store Rotterdam, locker 14",
        },
        {
            "event_type": "checked_out",
            "occurred_at": "2026-03-16T09:00",
            "storage_location": "Evidence store Rotterdam, locker 14",
            "purpose": "Examination for the JIT",
            "legal_basis": "Order of the officer of justice, 2026-03-15",
        },
        {
            "event_type": "unsealed",
            "occurred_at": "2026-03-16T09:30",
            "seal_number": "NL-S-1001",
            "seal_state": "damaged",
            "purpose": "Opened for examination",
        },
        {
            "event_type": "resealed",
            "occurred_at": "2026-03-16T12:00",
            "seal_number": "NL-S-1002",
            "location": "Forensic lab, Rotterdam",
        },
        {
            "event_type": "transferred",
            "occurred_at": "2026-03-17T10:00",
            "location": "Landelijk Parket, Rotterdam",
            "purpose": "To the prosecutor",
            "released_by": "Sanne Jansen",
            "received_by": "Pieter de Vries",
            "packaging": "Evidence bag NL-S-1002",
            "condition": "Seal intact, device switched off",
            "receipt_number": "OM-ROT-2026-118",
        },
    ]
    for step in steps:
        assert _post(client, nl_member, **(base | step)).status_code == 303, step
    events = db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
    ).all()
    assert [e.event_type for e in events] == [
        "collected",
        "checked_in",
        "checked_out",
        "unsealed",
        "resealed",
        "transferred",
    ]
    assert events[1].details["storage_location"] == "Evidence store Rotterdam, locker 14"
    assert events[3].details["seal_state"] == "damaged"
    assert events[5].details["receipt_number"] == "OM-ROT-2026-118"
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "Checked out of storage" in page
    assert "Damaged or tampered with" in page
    text = _pdf_text(
        client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/custody-report.pdf").data
    )
    flat = re.sub(r"\s+", "", text)
    for expected in (
        "Checkedintostorage",
        "Storagelocation:EvidencestoreRotterdam,locker14",
        "Sealwhenopened:Damagedortamperedwith",
        "Sealnumber:NL-S-1002",
        "Packaging:EvidencebagNL-S-1002",
        "Condition:Sealintact,deviceswitchedoff",
        "Paperreceiptnumber:OM-ROT-2026-118",
    ):
        assert expected in flat, expected


def test_the_report_has_a_legend_of_the_codes(client, nl_member, item):
    text = _pdf_text(
        client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/custody-report.pdf").data
    )
    legend = re.sub(r"\s+", " ", text[text.index("5. Codes") :])
    from evidence import reports

    assert (
        "H1 Not to be used as evidence in judicial proceedings without the permission of the "
        "provider" in legend
    )
    for _title, codes in reports.code_legend():
        for label in codes.values():
            assert re.sub(r"\s+", " ", label) in legend


def test_details_are_labelled_known_ones_first():
    rows = custody_fields.detail_rows({"zeta": 1, "seal_state": "intact", "method": "FTK"})
    assert [label for _key, label, _value in rows] == [
        "Method and tool",
        "Seal when opened",
        "zeta",
    ]
