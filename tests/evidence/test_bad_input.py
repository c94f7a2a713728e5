"""Out-of-range dates, ids and zone names in evidence forms and filters: a message, no 500."""

import pytest

from tests.evidence.conftest import counts, item_fields, upload


@pytest.fixture
def item(nl_member, make_item):
    return make_item(nl_member, files=[("a.txt", b"content")])


@pytest.mark.parametrize(
    "query",
    [
        "collected_to=9999-12-31",
        "collected_from=0001-01-01",
        "collected_from=1899-12-31",
        "collected_to=2101-01-01",
    ],
)
def test_a_date_filter_out_of_range_is_ignored_with_a_message(client, auth, nl_member, item, query):
    auth.login(nl_member.user)
    response = client.get(f"/t/{nl_member.team.code}/evidence/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give a date between 1900-01-01 and 2100-12-31." in page
    assert "NL-0001" in page


@pytest.mark.parametrize("party", [str(2**63), str(2**64), str(10**30), "9" * 5000])
def test_a_huge_party_filter_is_ignored_with_a_message(client, auth, nl_member, item, party):
    auth.login(nl_member.user)
    response = client.get(f"/t/{nl_member.team.code}/evidence/?party={party}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ignored the filter “Party”" in page
    assert "NL-0001" in page


@pytest.mark.parametrize("page", [str(2**63), "-1", str(10**30)])
def test_a_huge_page_number_is_ignored_with_a_message(client, auth, nl_member, item, page):
    auth.login(nl_member.user)
    response = client.get(f"/t/{nl_member.team.code}/evidence/?page={page}")
    assert response.status_code == 200
    assert "Ignored “page”" in response.get_data(as_text=True)


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:00"])
def test_an_event_time_out_of_range_is_a_form_error_in_a_zone_east_of_utc(
    client, auth, nl_member, item, when
):
    auth.login(nl_member.user)
    before = counts()
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody",
        data={
            "event_type": "transferred",
            "occurred_at": when,
            "time_zone": "Asia/Tokyo",
            "location": "Rotterdam",
            "purpose": "Handed over",
            "released_by": "A",
            "released_by_party": "NL",
            "received_by": "B",
            "received_by_party": "NL",
        },
    )
    assert response.status_code == 400
    assert "Give a date between 1900-01-01 and 2100-12-31." in response.get_data(as_text=True)
    assert counts() == before


def test_a_collection_time_out_of_range_is_a_form_error(client, auth, nl_member):
    auth.login(nl_member.user)
    response = upload(
        client,
        f"/t/{nl_member.team.code}/evidence/new",
        item_fields(collected_at="0001-01-01T00:00", collected_time_zone="Pacific/Kiritimati"),
        [("file", "a.txt", b"content")],
    )
    assert response.status_code == 400
    assert "Give a date between 1900-01-01 and 2100-12-31." in response.get_data(as_text=True)
    assert counts()["evidence_items"] == 0


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        ("Europe/" + "A" * 100_000, "is not a time zone name"),
        ("../../etc/passwd", "is not a time zone name"),
        ("a\x00b", "contains a NUL character; type it again."),
    ],
)
def test_a_time_zone_not_on_the_list_is_refused_with_a_message(
    client, auth, nl_member, item, zone, message
):
    auth.login(nl_member.user)
    before = counts()
    response = client.post(
        f"/t/{nl_member.team.code}/evidence/NL-0001/custody",
        data={
            "event_type": "transferred",
            "occurred_at": "2026-04-01T10:00",
            "time_zone": zone,
            "location": "Rotterdam",
            "purpose": "Handed over",
            "released_by": "A",
            "released_by_party": "NL",
            "received_by": "B",
            "received_by_party": "NL",
        },
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts() == before
