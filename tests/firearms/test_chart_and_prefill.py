"""The seizures chart (SVG, no script, with its data table) and the outgoing request's values."""

import re
from datetime import UTC, datetime

import pytest

from evidence.firearms import chart, tracing
from jit.directory import services as directory
from jit.extensions import db


@pytest.fixture
def member(make_team, make_membership):
    return make_membership(make_team(), "member", "NL")


def test_the_chart_is_svg_with_no_script_and_a_data_table(
    client, auth, member, make_firearm_item, make_firearm
):
    march = make_firearm_item(member, when=datetime(2026, 3, 14, 9, 0, tzinfo=UTC))
    april = make_firearm_item(member, when=datetime(2026, 4, 30, 23, 30, tzinfo=UTC))
    make_firearm(member, march)
    make_firearm(member, march, serial="", country_of_manufacture="")
    make_firearm(member, april, serial="1", country_of_manufacture="AT", make="Glock")
    make_firearm(member, april, serial="2", kind="part")  # parts are not counted
    auth.login(member.user)  # Europe/Amsterdam: 30 April 23:30 UTC is in May there
    response = client.get(f"/t/{member.team.code}/firearms/chart")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert "<script" not in svg
        assert "style=" not in svg
        assert "on" + "load" not in svg
        assert 'role="img"' in svg
        assert "<title" in svg
        assert "<desc" in svg
    scripts = re.findall(r"<script[^>]*>", page)
    assert all("src=" in tag for tag in scripts)  # only the app's own file, no inline script
    assert "http" not in "".join(svgs).replace("http://www.w3.org/2000/svg", "")
    assert '<th scope="row">2026-03</th><td class="num">2</td>' in page
    assert '<th scope="row">2026-05</th><td class="num">1</td>' in page
    assert '<th scope="row">Serbia</th><td class="num">1</td>' in page
    assert '<th scope="row">Unknown</th><td class="num">1</td>' in page
    assert '<th scope="row">Austria</th><td class="num">1</td>' in page


def test_chart_labels_are_escaped():
    svg = str(chart.bar_chart("x", "T", [("<script>alert(1)</script>", 3)]))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_the_outgoing_request_is_addressed_from_the_directory(
    app, member, make_firearm_item, make_firearm
):
    item = make_firearm_item(member)
    firearm = make_firearm(member, item, year_of_manufacture="1987", proof_marks="Yugoslav proof")
    assert tracing.outgoing_prefill(firearm)["addressee_id"] is None
    ncb = directory.create_entry(
        {"country": "RS", "function": "interpol-ncb", "name": "NCB Interpol Belgrade"}, actor=None
    )
    db.session.commit()
    assert tracing.outgoing_prefill(firearm)["addressee_name"] == ncb.name
    focal = directory.create_entry(
        {"country": "RS", "function": "firearms-focal-point", "name": "MUP Firearms Unit"},
        actor=None,
    )
    db.session.commit()
    values = tracing.outgoing_prefill(firearm)
    assert values["addressee_id"] == focal.id
    assert values["serials"] == [{"part": "frame", "as_read": "12-M57-48221", "alteration": "none"}]
    assert (values["manufacturer"], values["calibre"], values["year_of_manufacture"]) == (
        "Zastava",
        "7.62×25",
        1987,
    )
    assert values["recovered_where"] == "Bajakovo border crossing"
    assert values["exhibit"] == item.exhibit_number


def test_the_firearm_page_shows_the_prefilled_addressee(
    client, auth, member, make_firearm_item, make_firearm
):
    firearm = make_firearm(member, make_firearm_item(member))
    directory.create_entry(
        {"country": "RS", "function": "firearms-focal-point", "name": "MUP Firearms Unit"},
        actor=None,
    )
    db.session.commit()
    auth.login(member.user)
    page = client.get(f"/t/{member.team.code}/firearms/{firearm.id}").get_data(as_text=True)
    assert "Outgoing tracing request — pre-filled values" in page
    assert "MUP Firearms Unit" in page
