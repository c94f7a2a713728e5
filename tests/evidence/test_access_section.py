"""Views are reads, not custody: the audit log keeps them and the access section shows them.

Chains from before keep their ``viewed`` events and verify; each gets one note, once.
"""

import io

from pypdf import PdfReader
from sqlalchemy import select

from evidence import custody
from evidence.models import CustodyEvent
from jit.extensions import db
from tests.evidence.conftest import old_view


def _types(item) -> list[str]:
    return list(
        db.session.scalars(
            select(CustodyEvent.event_type)
            .where(CustodyEvent.item_id == item.id)
            .order_by(CustodyEvent.seq)
        )
    )


def test_views_are_not_custody_but_appear_in_the_access_section(
    client, auth, nl_member, make_item, make_membership, make_user
):
    item = make_item(nl_member, files=[("a.txt", b"x")])
    colleague = make_membership(nl_member.team, "member", "NL", make_user(name="Eva Colleague"))
    auth.login(colleague.user)
    client.get(f"/t/{nl_member.team.code}/evidence/NL-0001")
    auth.logout()
    auth.login(nl_member.user)
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert _types(item) == ["collected", "uploaded"]
    access = page[page.index('id="access"') :]
    assert "Eva Colleague" in access
    assert "Opened the page" in access


def test_the_custody_report_lists_the_reads(
    client, auth, nl_member, make_item, make_membership, make_user
):
    make_item(nl_member)
    colleague = make_membership(nl_member.team, "leader", "NL", make_user(name="Eva Colleague"))
    auth.login(colleague.user)
    client.get(f"/t/{nl_member.team.code}/evidence/NL-0001")
    auth.logout()
    auth.login(nl_member.user)
    pdf = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/custody-report.pdf").data
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    reads = text[text.index("4. Access") : text.index("5. Codes")]
    assert "Eva Colleague" in reads
    assert "Opened the item page" in reads
    assert "Viewed" not in text[: text.index("4. Access")]


def test_who_may_not_open_the_item_sees_no_reads_of_it(
    app, client, auth, nl_member, make_item, make_membership
):
    from evidence import queries
    from jit.teams.access import TeamAccess

    item = make_item(nl_member, visibility="party")
    auth.login(nl_member.user)
    client.get(f"/t/{nl_member.team.code}/evidence/NL-0001")
    outsider = make_membership(nl_member.team, "member", "DE")
    with app.test_request_context():
        log = queries.access_log(TeamAccess(team=nl_member.team, membership=outsider), item)
        own = queries.access_log(TeamAccess(team=nl_member.team, membership=nl_member), item)
    assert (log.entries, log.total) == ([], 0)
    assert len(own.entries) == 1


def test_an_old_chain_gets_one_note_and_still_verifies(client, auth, nl_member, make_item):
    item = make_item(nl_member, files=[("a.txt", b"x")])
    old_view(item, nl_member.user)
    old_view(item, nl_member.user)
    db.session.commit()
    assert custody.verify_items([item]).is_intact
    auth.login(nl_member.user)
    for _ in range(3):
        assert client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").status_code == 200
    assert _types(item) == ["collected", "uploaded", "viewed", "viewed", "note"]
    note = db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
    ).all()[-1]
    assert note.details == {"note": custody.VIEWS_MOVED}
    assert "audit log" in note.purpose
    assert custody.verify_items([item]).is_intact


def test_an_old_chain_gets_its_note_before_the_next_event(nl_member, make_item):
    from datetime import UTC, datetime

    from evidence import custody_events
    from jit.teams.access import TeamAccess

    item = make_item(nl_member)
    old_view(item, nl_member.user)
    custody_events.record_event(
        TeamAccess(team=nl_member.team, membership=nl_member),
        item,
        custody_events.EventInput(
            event_type="sealed",
            occurred_at=datetime(2026, 3, 15, 10, 0, tzinfo=UTC),
            time_zone="UTC",
            location="Vault",
            seal_number="S-1",
        ),
    )
    db.session.commit()
    assert _types(item) == ["collected", "viewed", "note", "sealed"]
    assert custody.verify_items([item]).is_intact


def test_a_new_chain_gets_no_note(client, auth, nl_member, make_item):
    item = make_item(nl_member)
    auth.login(nl_member.user)
    client.get(f"/t/{nl_member.team.code}/evidence/NL-0001")
    assert _types(item) == ["collected"]
