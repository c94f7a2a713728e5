"""Cross-case matching: flagged on both records for a reader of both, never revealed otherwise."""

import pytest

from jit.extensions import db
from jit.teams import services as teams


@pytest.fixture
def world(make_team, make_membership, make_user, make_firearm_item, make_firearm):
    """Two teams holding the same pistol, and people in one, the other or both."""
    alpha, beta = make_team(code="ALPHA"), make_team(code="BETA")
    alpha_member = make_membership(alpha, "member", "NL")
    beta_member = make_membership(beta, "member", "DE")
    both = make_user(name="Bea Both")
    make_membership(alpha, "member", "NL", user=both)
    make_membership(beta, "member", "DE", user=both)
    ours = make_firearm(alpha_member, make_firearm_item(alpha_member), serial="12-M57-48221")
    theirs = make_firearm(
        beta_member, make_firearm_item(beta_member), serial="12 m57 4?221", make="ZASTAVA"
    )
    unrelated = make_firearm(alpha_member, make_firearm_item(alpha_member), serial="99-000")
    return {
        "alpha": alpha,
        "beta": beta,
        "alpha_member": alpha_member.user,
        "beta_member": beta_member.user,
        "both": both,
        "ours": ours,
        "theirs": theirs,
        "unrelated": unrelated,
    }


def _text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_reader_of_both_teams_sees_the_match_on_both_records(client, auth, world):
    auth.login(world["both"])
    ours = _text(client, f"/t/ALPHA/firearms/{world['ours'].id}")
    assert "Same serial and make elsewhere" in ours
    assert f"/t/BETA/firearms/{world['theirs'].id}" in ours
    theirs = _text(client, f"/t/BETA/firearms/{world['theirs'].id}")
    assert f"/t/ALPHA/firearms/{world['ours'].id}" in theirs
    register = _text(client, "/t/ALPHA/firearms/?matched=yes")
    assert "1 record." in register
    assert world["ours"].label in register
    csv = _text(client, "/t/ALPHA/firearms/register.csv")
    assert f"BETA {world['theirs'].label}" in csv


def test_matches_within_one_team_are_flagged(
    client, auth, world, make_firearm_item, make_firearm, make_membership
):
    member = next(m for m in world["alpha"].memberships if m.user_id == world["alpha_member"].id)
    twin = make_firearm(member, make_firearm_item(member), serial="I2M5748ZZI")
    again = make_firearm(member, make_firearm_item(member), serial="12M5748221")
    auth.login(world["alpha_member"])
    page = _text(client, f"/t/ALPHA/firearms/{again.id}")
    assert f"/t/ALPHA/firearms/{world['ours'].id}" in page
    assert f"/t/ALPHA/firearms/{twin.id}" not in page  # Z is not read as 2


@pytest.mark.parametrize("who", ["alpha_member", "beta_member"])
def test_a_reader_of_one_team_learns_nothing_of_the_other(client, auth, world, who):
    auth.login(world[who])
    code, mine = ("ALPHA", "ours") if who == "alpha_member" else ("BETA", "theirs")
    other_code = "BETA" if code == "ALPHA" else "ALPHA"
    pages = [
        f"/t/{code}/firearms/{world[mine].id}",
        f"/t/{code}/firearms/",
        f"/t/{code}/firearms/?matched=yes",
        f"/t/{code}/firearms/register.csv",
        f"/t/{code}/evidence/{world[mine].item.exhibit_number}/firearms",
    ]
    for url in pages:
        text = _text(client, url)
        assert other_code not in text, url
        assert "Same serial and make elsewhere" not in text
        assert "cross-case match" not in text, url
        assert " match</span>" not in text, url
    assert "0 records." in _text(client, f"/t/{code}/firearms/?matched=yes")
    other = "theirs" if mine == "ours" else "ours"
    assert client.get(f"/t/{other_code}/firearms/{world[other].id}").status_code == 404
    assert client.get(f"/t/{code}/firearms/{world[other].id}").status_code == 404


def test_an_item_the_reader_may_not_see_is_not_matched(
    client, auth, world, make_membership, make_firearm_item, make_firearm
):
    """In a team the reader belongs to, a party-only item of another party stays hidden."""
    beta_de = next(m for m in world["beta"].memberships if m.user_id == world["beta_member"].id)
    hidden = make_firearm(
        beta_de,
        make_firearm_item(beta_de, visibility="party", title="DE-only pistol"),
        serial="55-1234",
    )
    nl_in_beta = make_membership(world["beta"], "member", "NL")
    alpha_nl = make_membership(world["alpha"], "member", "NL", user=nl_in_beta.user)
    visible = make_firearm(alpha_nl, make_firearm_item(alpha_nl), serial="55-I234")
    auth.login(nl_in_beta.user)
    page = _text(client, f"/t/ALPHA/firearms/{visible.id}")
    assert "Same serial and make elsewhere" not in page
    assert f"/t/BETA/firearms/{hidden.id}" not in page
    assert client.get(f"/t/BETA/firearms/{hidden.id}").status_code == 404


def test_leaving_a_team_ends_its_matches(client, auth, world):
    membership = next(m for m in world["beta"].memberships if m.user_id == world["both"].id)
    teams.end_membership(membership, actor=None)
    db.session.commit()
    auth.login(world["both"])
    assert "Same serial and make elsewhere" not in _text(
        client, f"/t/ALPHA/firearms/{world['ours'].id}"
    )
