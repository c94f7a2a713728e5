"""Team A's people never see team B's documents: not in hits, totals, facets or suggestions."""

from tests.search.conftest import uids


def _two_teams(make_team, make_membership, make_item):
    team_a, team_b = make_team(code="OP-ALPHA"), make_team(code="OP-BRAVO")
    alpha = make_membership(team_a, "member", "NL")
    bravo = make_membership(team_b, "member", "DE")
    make_item(alpha, title="Container manifest", description="Shipment from Guayaquil port")
    make_item(
        bravo,
        title="Container ledger",
        description="Shipment from Guayaquil, invoices of Kowalczykowski Trading",
        item_type="financial-record",
    )
    return team_a, team_b, alpha, bravo


def test_hits_totals_and_facets_stay_in_the_team(
    app, make_team, make_membership, make_item, index, search_as
):
    team_a, team_b, alpha, bravo = _two_teams(make_team, make_membership, make_item)
    index()

    for params in ({"team": team_a.code}, {}):  # the team's search and the cross-team one
        status, body = search_as(alpha.user, "guayaquil", **params)
        assert status == 200
        assert body["total"] == 1
        assert uids(body) == ["item:NL-0001 Container manifest"]
        assert body["facets"]["party"] == {"NL": 1}
        assert "financial-record" not in body["facets"]["type"]
        assert {hit["team"] for hit in body["hits"]} == {team_a.code}

    status, body = search_as(bravo.user, "guayaquil")
    assert body["total"] == 1
    assert body["hits"][0]["team"] == team_b.code


def test_another_teams_search_is_not_found(app, make_team, make_membership, make_item, search_as):
    _team_a, team_b, alpha, _bravo = _two_teams(make_team, make_membership, make_item)
    status, _body = search_as(alpha.user, "guayaquil", team=team_b.code)
    assert status == 404


def test_suggestions_come_only_from_the_readers_own_teams(
    app, make_team, make_membership, make_item, index, search_as
):
    _team_a, team_b, alpha, bravo = _two_teams(make_team, make_membership, make_item)
    index()
    # A typo of a word only team B holds: B's member is offered it, A's member is not.
    _status, body = search_as(bravo.user, "kowalczykowzki", team=team_b.code)
    assert body["total"] == 0
    assert body["suggestion"] is not None
    assert "kowalczykowski" in body["suggestion"]

    _status, body = search_as(alpha.user, "kowalczykowzki")
    assert body["total"] == 0
    assert body["suggestion"] is None
