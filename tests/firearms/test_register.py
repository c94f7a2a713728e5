"""The firearms register: filters, sorting, pages and the CSV export."""

import csv
import io
from datetime import UTC, datetime

import pytest

from evidence.firearms import register, tracing
from tests.firearms.conftest import access_of


@pytest.fixture
def stocked(make_team, make_membership, make_firearm_item, make_firearm):
    member = make_membership(make_team(), "member", "NL")
    item = make_firearm_item(member)
    glock = make_firearm(
        member,
        item,
        make="Glock",
        serial="AB-1",
        firearm_type="pistol",
        calibre="9×19 mm",
        country_of_manufacture="AT",
        condition="complete",
    )
    zastava = make_firearm(member, item, serial="ZZ-100")
    rifle = make_firearm(
        member,
        item,
        make="Crvena Zastava",
        serial="R-77",
        firearm_type="rifle",
        calibre="7.62×39",
        condition="reactivated",
    )
    with_access = access_of(member.user, member.team)
    data = tracing.IncomingInput(
        counterpart_country="ES",
        counterpart_authority="Guardia Civil",
        received_on=datetime.now(UTC).date(),
        firearm_type="pistol",
        calibre="9×19 mm",
        firearm_id=glock.id,
    )
    tracing.record_incoming(with_access, data)
    from jit.extensions import db

    db.session.commit()
    return member, {"glock": glock, "zastava": zastava, "rifle": rifle}


def _labels(client, code, query) -> list[str]:
    page = client.get(f"/t/{code}/firearms/?{query}").get_data(as_text=True)
    return [label for label in ("/1<", "/2<", "/3<") if label in page]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("make=zastava", ["/2<", "/3<"]),
        ("type=rifle", ["/3<"]),
        ("calibre=9%C3%9719+mm", ["/1<"]),
        ("country=at", ["/1<"]),
        ("condition=reactivated", ["/3<"]),
        ("traced=yes", ["/1<"]),
        ("traced=no", ["/2<", "/3<"]),
        ("type=bazooka&page=-5&sort=nonsense", ["/1<", "/2<", "/3<"]),  # ignored, not a 500
    ],
)
def test_filters(client, auth, stocked, query, expected):
    member, _ = stocked
    auth.login(member.user)
    assert _labels(client, member.team.code, query) == expected


def test_sorting_and_the_csv_export(client, auth, stocked):
    member, _records = stocked
    auth.login(member.user)
    page = client.get(f"/t/{member.team.code}/firearms/?sort=make&order=desc").get_data(
        as_text=True
    )
    assert page.index("/2<") < page.index("/1<") < page.index("/3<")  # ZASTAVA, GLOCK, CRVENA…
    exported = client.get(f"/t/{member.team.code}/firearms/register.csv?traced=no")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [row["serials"] for row in rows] == ["frame: ZZ-100", "frame: R-77"]
    assert {row["traced"] for row in rows} == {"no"}


def test_pages_hold_every_row_once(app, stocked, monkeypatch):
    member, _ = stocked
    monkeypatch.setattr(register, "PAGE_SIZE", 2)
    access = access_of(member.user, member.team)
    first = register.list_firearms(access, register.Filters(), 1)
    second = register.list_firearms(access, register.Filters(), 2)
    beyond = register.list_firearms(access, register.Filters(), 99)
    assert (first.total, first.pages) == (3, 2)
    assert len(first.rows) == 2
    assert len(second.rows) == 1
    assert {r.id for r in first.rows} | {r.id for r in second.rows} == {
        r.id for r in first.all_rows
    }
    assert beyond.page == 2
