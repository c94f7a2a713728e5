"""The audit log reads as words: no table names, no True/False, no empty "added: ; changed:"."""

from jit.audit import labels
from jit.formatting import audit_cell, audit_value


def test_recorded_values_read_as_words():
    assert audit_value(True) == "yes"
    assert audit_value(False) == "no"
    assert audit_value({"added": [], "changed": None, "removed": ["H1"]}) == "Removed: H1"
    assert audit_value({"added": [], "changed": ""}) == "none"
    assert audit_value({"entry_into_force": "signature", "starts_on": None}) == (
        "Entry into force: signature"
    )
    assert audit_value(None) == "—"


def test_a_digest_is_short_with_the_whole_on_hover():
    digest = "a" * 64
    cell = str(audit_cell(digest))
    assert f'title="{digest}"' in cell
    assert ">aaaaaaaaaaaa…<" in cell


def test_every_domain_operation_and_object_has_a_name():
    for operation, words in {
        "bundle.finalise": "Request finalised",
        "firearms.tracing_status": "Tracing request status changed",
        "account.mfa_reset": "Second factor reset by the administrator",
        "account.password_reset": "Password reset by the administrator",
    }.items():
        assert labels.operation_label(operation) == words
    for table, words in {
        "bundles": "Request",
        "tracing_requests": "Tracing request",
        "ammunition_records": "Ammunition record",
        "custody_events": "Custody event",
    }.items():
        assert labels.object_label(table) == words


def test_the_overview_lists_when_who_and_what_only(client, auth, make_team):
    team = make_team(code="WORDS-1")
    auth.login(team.memberships[0].user)
    page = client.get("/t/WORDS-1/").get_data(as_text=True)
    activity = page[page.index("Recent activity") :]
    assert "Full audit log" in activity
    assert ">Details<" not in activity
    assert "Entry #" not in activity
    log = client.get("/t/WORDS-1/audit").get_data(as_text=True)
    assert ">Details<" in log
    assert "Entry #" in log
