"""The audit CSV opens right in a spreadsheet: a BOM, names beside e-mails, one charset."""

import csv
import io

from jit import signing
from jit.audit.export_check import verify_export


def test_the_csv_has_a_bom_one_charset_and_names_beside_addresses(
    client, auth, make_team, make_user
):
    coordinator = make_user(email="ana@example.org", name="Ana Kovačić")
    make_team(code="CSV-1", coordinator=coordinator)
    auth.login(coordinator)

    response = client.get("/t/CSV-1/audit/export.csv")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeffrecord,")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    exporter = next(row for row in rows if row["operation"] == "audit.exported")
    assert (exporter["user_name"], exporter["user_email"]) == ("Ana Kovačić", "ana@example.org")
    assert verify_export(body, signing.signing_key()).is_fully_checked


def test_the_jsonl_export_has_a_single_charset(client, auth, make_team):
    team = make_team(code="CSV-2")
    auth.login(team.memberships[0].user)
    response = client.get("/t/CSV-2/audit/export.jsonl")
    assert response.headers["Content-Type"] == "application/x-ndjson; charset=utf-8"


def test_a_name_a_spreadsheet_would_run_is_written_as_text_and_still_verifies(
    client, auth, make_team, make_user
):
    coordinator = make_user(name='=HYPERLINK("http://x.example","open")')
    make_team(code="CSV-3", coordinator=coordinator)
    auth.login(coordinator)
    body = client.get("/t/CSV-3/audit/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert {row["user_name"] for row in rows if row["user_name"]} == {
        '\'=HYPERLINK("http://x.example","open")'
    }
    assert verify_export(body, signing.signing_key()).is_fully_checked
