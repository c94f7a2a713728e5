"""Phone numbers, IBANs and e-mail addresses: found in text, normalised, searchable by field."""

import pytest

from search import identifiers
from search.identifiers import IdentifierError


@pytest.mark.parametrize("written", ["+31 6 1234 5678", "0031 6 12345678", "+31-6-12 34 56 78"])
def test_three_ways_of_writing_a_phone_number_are_one(written):
    assert identifiers.normalise_phone(written) == "+31612345678"


def test_a_national_number_is_read_in_the_writing_party_s_country():
    assert identifiers.extract("bel 06 1234 5678", "NL") == ("phone:+31612345678",)
    assert identifiers.extract("bel 06 1234 5678", None) == ()


def test_an_iban_with_spaces_is_compacted_and_a_bad_one_rejected():
    assert identifiers.normalise_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    with pytest.raises(IdentifierError, match="not a valid IBAN"):
        identifiers.normalise_iban("NL91 ABNA 0417 1643 01")
    text = "paid from NL91 ABNA 0417 1643 00 AND from NL91 ABNA 0417 1643 01 (typo)"
    assert identifiers.extract(text) == ("iban:NL91ABNA0417164300",)


def test_e_mail_addresses_are_lower_cased():
    found = identifiers.extract("write to M.Horvat@Example.HR today")
    assert found == ("email:m.horvat@example.hr",)
    with pytest.raises(IdentifierError):
        identifiers.normalise_email("not-an-address")


def test_an_identifier_is_found_whatever_its_writing(case, make_item, index, search_as):
    make_item(
        case.nl_member,
        title="Burner phone",
        description="Contacts +31 6 1234 5678 and M.Horvat@Example.HR; IBAN NL91ABNA0417164300.",
    )
    make_item(case.nl_member, title="Other handset", description="Number +385 91 234 5678.")
    index()
    user, code = case.nl_member.user, case.team.code
    for query in (
        "phone:+31612345678",
        "phone:0031 6 1234 5678",
        'phone:"+31 6 12 34 56 78"',
        "iban:NL91 ABNA 0417 1643 00",
        "email:m.horvat@example.hr",
    ):
        status, body = search_as(user, query, team=code)
        assert status == 200, query
        assert [hit["title"] for hit in body["hits"]] == ["NL-0001 Burner phone"], query
    # A word of the number alone does not find it: the field compares whole numbers.
    assert search_as(user, "phone:+31 6 1234 5679", team=code)[1]["total"] == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("iban:NL91 ABNA 0417 1643 01", "not a valid IBAN"),
        ("phone:12", "phone number"),
        ("email:nobody", "not an e-mail address"),
    ],
)
def test_a_wrong_identifier_gets_a_message(case, index, search_as, query, message):
    status, body = search_as(case.nl_member.user, query, team=case.team.code)
    assert status == 400
    assert message in body["error"]


def test_identifiers_never_cross_teams_or_visibility(
    case, make_team, make_membership, make_item, index, search_as
):
    make_item(case.nl_member, title="Party only", visibility="party", description="+31612345678")
    other = make_membership(make_team(), "member", "NL")
    make_item(other, title="Elsewhere", description="+31612345678")
    index()
    assert (
        search_as(case.de_member.user, "phone:+31612345678", team=case.team.code)[1]["total"] == 0
    )
    _status, body = search_as(case.nl_member.user, "phone:+31612345678")
    assert [hit["title"] for hit in body["hits"]] == ["NL-0001 Party only"]


def test_a_long_dotted_run_is_scanned_in_linear_time():
    import time

    # Before: every position of "1.1.1.…" started an e-mail match that ran to the end
    # (quadratic: these 200,000 characters took five minutes of the index writer). Linear,
    # they take milliseconds. Not a speed target: the bound is some 1,000 times either
    # way, so a loaded machine cannot fail it and the quadratic scan cannot pass it.
    started = time.perf_counter()
    assert identifiers._EMAIL.findall("1." * 100_000) == []
    assert time.perf_counter() - started < 30
    assert identifiers.extract("a.b+c@mail.example.com, x.y@z.hr") == (
        "email:a.b+c@mail.example.com",
        "email:x.y@z.hr",
    )
