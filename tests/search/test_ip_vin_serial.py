"""IP addresses, VINs and serial numbers written in text: found, normalised, searchable."""

import pytest

from evidence.firearms.serials import normalise_serial
from search import identifiers
from search.identifiers import IdentifierError


def test_ip_addresses_are_validated_and_spelt_one_way():
    text = (
        "Router log: 192.168.1.10 joined, then 10.0.0.1. Gateway 2001:DB8:0:0:0:0:0:1, "
        "link fe80::1%eth0, mapped ::ffff:192.0.2.1, listener [2001:db8::2]:443, "
        "loopback 127.0.0.1 and ::1."
    )
    assert identifiers.extract(text) == (
        "ip:192.168.1.10",
        "ip:10.0.0.1",
        "ip:192.0.2.1",
        "ip:127.0.0.1",
        "ip:2001:db8::1",
        "ip:fe80::1",
        "ip:2001:db8::2",
        "ip:::1",
    )


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3",
        "999.1.1.1",
        "release 1.2.3.4.5",
        "v1.2.3.4",
        "build 0.9.1.2",
        "0.0.0.0 and ::",
        "at 12:30:45",
        "MAC 00:1a:2b:3c:4d:5e",
        "std::vector",
    ],
)
def test_what_is_not_an_address_is_not_extracted(text):
    assert [t for t in identifiers.extract(text) if t.startswith("ip:")] == []


@pytest.mark.parametrize(
    "written", ["2001:DB8::1", "2001:db8:0:0:0:0:0:1", "[2001:db8::1]", "2001:0db8::0001"]
)
def test_any_spelling_of_an_ipv6_address_is_one(written):
    assert identifiers.normalise_ip(written) == "2001:db8::1"


def test_padded_and_mapped_ipv4_are_the_address():
    assert identifiers.normalise_ip("192.168.001.010") == "192.168.1.10"
    assert identifiers.normalise_ip("::FFFF:192.168.1.10") == "192.168.1.10"
    with pytest.raises(IdentifierError, match="not an IP address"):
        identifiers.normalise_ip("999.1.1.1")


def test_a_vin_with_the_right_check_digit_is_kept_without_context():
    assert identifiers.vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert identifiers.extract("truck 1m8gdm9axkp042788 seen") == ("vin:1M8GDM9AXKP042788",)


def test_a_vin_with_a_wrong_check_digit_needs_a_european_maker_and_a_word():
    european = "WVWZZZ1JZXW000001"  # check digit would be 0, the ninth character is Z
    assert identifiers.vin_check_digit(european) != european[8]
    assert identifiers.extract(f"seen {european} today") == ()
    assert identifiers.extract(f"FIN: {european}") == (f"vin:{european}",)
    assert identifiers.extract(f"Broj šasije: {european.lower()}") == (f"vin:{european}",)
    assert identifiers.extract("numéro de châssis VF1AB000000000001") == ("vin:VF1AB000000000001",)
    # A North-American VIN must carry its check digit, whatever the word before it.
    assert identifiers.extract("VIN 1M8GDM9A1KP042788") == ()
    # A random 17-character code is not a VIN.
    assert identifiers.extract("code A8C7D6E5F4G3H2J1K") == ()


def test_a_vin_typed_in_a_query_is_normalised():
    assert identifiers.normalise_vin("wvw-zzz1jzxw000001") == "WVWZZZ1JZXW000001"
    with pytest.raises(IdentifierError, match="not a VIN"):
        identifiers.normalise_vin("WVWZZZ1JZOW000001")  # O is never in a VIN


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Pistol, serial number: 12-M57 48221 found", ("serial:12M5748221", "serial:12M57")),
        ("S/N 12345 20 rounds", ("serial:1234520", "serial:12345")),
        ("S/N 12M5748221.", ("serial:12M5748221",)),
        ("numéro de série : XK-9921", ("serial:XK9921",)),
        ("serijski broj 7741-AB", ("serial:7741A8",)),
        ("Seriennummer: 88-1234", ("serial:881234",)),
        ("serienummer 12345, en", ("serial:12345",)),
        ("the serial numbers of the converted pistols", ()),
        ("serial killer", ()),
        ("12M5748221 on the frame", ()),
    ],
)
def test_a_serial_is_found_only_where_a_word_says_so(text, found):
    assert identifiers.extract(text, serial=normalise_serial) == found


def test_without_a_serial_field_no_serial_is_extracted():
    assert identifiers.extract("S/N 12M5748221") == ()


def test_ip_and_vin_are_searchable_and_stay_in_their_team(
    case, make_team, make_membership, make_item, chat, index, search_as
):
    make_item(case.nl_member, title="Router", description="DHCP lease 192.168.1.10, 2001:db8::1")
    make_item(case.nl_member, title="Car", description="FIN WVWZZZ1JZXW000001")
    make_item(case.de_member, title="Hidden", visibility="party", description="192.168.1.10")
    chat.post(
        case.de_member, "Chassis WVWZZZ1JZXW000001; it logged in from 192.168.001.010, 2001:db8::1"
    )
    other = make_membership(make_team(), "member", "NL")
    make_item(other, title="Elsewhere", description="192.168.1.10 WVWZZZ1JZXW000001")
    index()
    user, code = case.nl_member.user, case.team.code
    for query, titles in (
        ("ip:192.168.1.10", ["NL-0001 Router"]),
        ("ip:::ffff:192.168.1.10", ["NL-0001 Router"]),
        ("ip:2001:0DB8:0:0::1", ["NL-0001 Router"]),
        ("vin:wvwzzz1jzxw000001", ["NL-0002 Car"]),
    ):
        status, body = search_as(user, query, team=code)
        assert status == 200, query
        items = sorted(hit["title"] for hit in body["hits"] if hit["kind"] == "item")
        assert items == titles, query
        assert [hit["kind"] for hit in body["hits"]].count("message") == 1, query
    # Across all the reader's teams: still only this team's.
    assert search_as(user, "ip:192.168.1.10")[1]["total"] == 2
    status, body = search_as(user, "ip:999.1.1.1", team=code)
    assert status == 400
    assert "not an IP address" in body["error"]
