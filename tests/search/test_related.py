"""An item page names the other items and messages sharing an identifier, as the reader may."""

import re


def _section(page: str) -> str:
    match = re.search(r'<section[^>]*id="identifiers".*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_the_item_page_links_what_shares_its_identifiers(
    app, case, make_team, make_membership, make_item, chat, index, client, auth
):
    make_item(case.nl_member, title="Burner phone", description="Contacts: 06 1234 5678")
    make_item(case.nl_member, title="Bank letter", description="Call 0031 6 1234 5678")
    make_item(case.de_member, title="DE only", visibility="party", description="+31612345678")
    make_item(case.nl_member, title="Unrelated", description="+385 91 234 5678")
    make_item(
        make_membership(make_team(), "member", "NL"), title="Other team", description="+31612345678"
    )
    message = chat.post(case.de_member, "He answers on **+31 6 12 34 56 78**")
    index()
    auth.login(case.nl_member.user)
    page = client.get(f"/t/{case.team.code}/evidence/NL-0001").get_data(as_text=True)
    section = _section(page)
    assert "+31612345678" in section
    assert "NL-0002 Bank letter" in section
    assert f"#message-{message.id}" in section
    for hidden in ("DE only", "DE-0001", "Unrelated", "Other team", "NL-0001 Burner"):
        assert hidden not in section


def test_an_item_with_no_identifier_has_no_section(case, make_item, index, client, auth):
    make_item(case.nl_member, title="Plain", description="No numbers here")
    index()
    auth.login(case.nl_member.user)
    page = client.get(f"/t/{case.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert _section(page) == ""


def test_a_lone_identifier_says_only_here(case, make_item, index, client, auth):
    make_item(case.nl_member, title="Letter", description="IBAN NL91 ABNA 0417 1643 00")
    index()
    auth.login(case.nl_member.user)
    section = _section(client.get(f"/t/{case.team.code}/evidence/NL-0001").get_data(as_text=True))
    assert "NL91ABNA0417164300" in section
    assert "only here" in section


def test_an_ip_address_links_the_custody_note_and_a_vin_the_message(
    app, case, make_item, chat, index, client, auth
):
    from datetime import UTC, datetime

    from evidence import custody_events
    from jit.extensions import db
    from jit.teams.access import TeamAccess

    make_item(
        case.nl_member, title="Router", description="Lease 192.168.1.10; FIN WVWZZZ1JZXW000001"
    )
    handset = make_item(case.nl_member, title="Handset")
    custody_events.record_event(
        TeamAccess(team=case.team, membership=case.nl_member),
        handset,
        custody_events.EventInput(
            event_type="analysed",
            occurred_at=datetime(2026, 3, 15, 10, 0, tzinfo=UTC),
            time_zone="Europe/Amsterdam",
            purpose="Extraction",
            method="Cellebrite 7.2",
            notes="Wi-Fi log shows 192.168.001.010",
        ),
    )
    db.session.commit()
    message = chat.post(case.de_member, "Chassis wvwzzz1jzxw000001 spotted at the border")
    index()
    auth.login(case.nl_member.user)
    section = _section(client.get(f"/t/{case.team.code}/evidence/NL-0001").get_data(as_text=True))
    assert "IP address <code>192.168.1.10</code>" in section
    assert "VIN <code>WVWZZZ1JZXW000001</code>" in section
    assert "#custody-" in section
    assert "(custody event)" in section
    assert f"#message-{message.id}" in section
