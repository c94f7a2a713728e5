"""What the custody report states about the item and its actors, as a judge reads it: the
handling code of every item, the collection time in the zone it was stated in, and an
actor's party named as the team's party, not as their own service."""

import re
from datetime import UTC, datetime

from evidence import custody, queries, reports, verification
from jit.codes import handling_label


def _report_html(membership, item) -> str:
    result = custody.verify_items([item])
    return reports.custody_report_html(
        item,
        events=queries.custody_chain(item),
        head=queries.chain_head(item),
        verification=verification.record_verification(membership.team, result, item=item),
        result=result,
        generated_for=membership.user,
    )


def _item_section(html: str) -> str:
    return re.search(r"<h2>1\. The item</h2>(.*?)</section>", html, re.S).group(1)


def test_an_unrestricted_item_states_its_handling_code(nl_member, make_item):
    item = make_item(nl_member, handling_code="H0")
    section = _item_section(_report_html(nl_member, item))
    assert "<th>Handling code</th>" in section
    assert handling_label("H0") in section


def test_the_collection_time_is_given_in_its_stated_zone_too(nl_member, make_item):
    item = make_item(
        nl_member,
        collected_at=datetime(2026, 3, 14, 8, 30, tzinfo=UTC),
        collected_time_zone="Europe/Zagreb",
    )
    section = " ".join(_item_section(_report_html(nl_member, item)).split())
    assert "2026-03-14 08:30 UTC" in section
    assert "2026-03-14 09:30 CET" in section
    assert "(Europe/Zagreb, as stated)" in section


def test_an_actor_is_said_to_act_for_the_teams_party(nl_member, make_item):
    item = make_item(nl_member)
    html = " ".join(_report_html(nl_member, item).split())
    party = nl_member.party
    assert f"for the JIT party {party.short_label} — {party.authority}" in html
    assert "which need not be their own service" in html
