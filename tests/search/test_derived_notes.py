"""A custody note is found without the number of the other item a derivation names."""

from datetime import UTC, datetime


def test_a_derivation_note_does_not_find_or_show_a_hidden_product(
    app, case, make_item, index, search_as
):
    parent = make_item(case.nl_member, title="Seized handset", visibility="team")
    product = make_item(
        case.de_member,
        title="Call pattern analysis",
        visibility="party",
        parent_exhibit=parent.exhibit_number,
        derivation="analysis",
        collected_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
    )
    index()
    number = product.exhibit_number
    _status, nl = search_as(case.nl_member.user, f'"{number}"', team=case.team.code)
    assert nl["total"] == 0
    # The note itself is still found by what it says, without the number.
    _status, found = search_as(case.nl_member.user, "analysis product", team=case.team.code)
    notes = [hit for hit in found["hits"] if hit["kind"] == "custody"]
    assert notes
    assert number not in str(found["hits"])
    # Who may open the product finds the product itself.
    _status, de = search_as(case.de_member.user, f'"{number}"', team=case.team.code)
    assert de["total"] >= 1
