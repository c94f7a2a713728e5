"""PostgreSQL: fuzzy terms and "did you mean" read the team's vocabulary, not every lexeme.

The search writer keeps each team's lexemes in ``search_vocabulary`` as it writes the
documents. A fuzzy term's candidates must be the words the old way found (``ts_stat``
over every document of the team, compared with ``highlight._distance``), never a word
of another team.
"""

import pytest
from sqlalchemy import delete, func, select, text

from jit.extensions import db
from search import highlight
from search.backends import Scope, get_backend
from search.models import SearchWord
from tests.conftest import _backends
from tests.search.conftest import uids


@pytest.fixture(params=[name for name in _backends() if name == "postgresql"])
def db_backend(request) -> str:
    return request.param


DESCRIPTIONS = [
    "Shipment from Medellín through Algeciras to Rotterdam, Waalhaven",
    "Der Transporter wurde an der Grenze durchsucht; Zahlung für Pistolen",
    "La camionnette a été fouillée à la frontière près de Medellin",
    "Kombi je pretražen na granici, plaćanje za pištolje",
    "Contacts recovered from the handset of the courier in Rotterdam",
]


def _scopes(*teams):
    return [Scope(team.id, team.code, frozenset({"evidence:team"})) for team in teams]


def _words(team) -> set[str]:
    return set(db.session.scalars(select(SearchWord.word).where(SearchWord.team_id == team.id)))


def _lexemes(team) -> set[str]:
    """Every lexeme of the team's documents, as the backend read them before (ts_stat)."""
    statement = text("SELECT word FROM ts_stat(:inner)")
    inner = f"SELECT tsv FROM search_documents WHERE team_id = {int(team.id)}"  # noqa: S608
    return set(db.session.scalars(statement, {"inner": inner}))


def _the_old_candidates(team, word: str, distance: int) -> set[str]:
    return {
        lexeme
        for lexeme in _lexemes(team)
        if highlight._distance(word, lexeme, distance) <= distance
    }


def test_the_vocabulary_holds_every_lexeme_of_the_team(app, case, make_item, index):
    for description in DESCRIPTIONS:
        make_item(case.nl_member, title="Seizure", description=description)
    index()
    assert _words(case.team) == _lexemes(case.team)
    assert {"medellin", "medellín", "rotterdam"} <= _words(case.team)


@pytest.mark.parametrize(
    ("word", "distance"),
    [("medelin", 1), ("medelin", 2), ("rotterdan", 1), ("grenz", 2), ("pistol", 2), ("x", 1)],
)
def test_fuzzy_candidates_are_the_words_ts_stat_gave(app, case, make_item, index, word, distance):
    for description in DESCRIPTIONS:
        make_item(case.nl_member, title="Seizure", description=description)
    index()
    found = get_backend(app)._words_near(_scopes(case.team), word, distance)
    assert set(found) == _the_old_candidates(case.team, word, distance)
    # Nearest first, then by the word: the same data gives the same candidates.
    ranked = [(highlight._distance(word, c, distance), c) for c in found]
    assert ranked == sorted(ranked)


def test_a_fuzzy_query_finds_what_it_found_before(app, case, make_item, index, search_as):
    for number, description in enumerate(DESCRIPTIONS):
        make_item(case.nl_member, title=f"Seizure {number}", description=description)
    make_item(case.nl_member, title="Unrelated", description="Medals of the harbour master")
    index()
    status, body = search_as(case.nl_member.user, "medelin~", team=case.team.code)
    assert status == 200, body
    # Both spellings (folded "medellin" and accented "medellín" lexemes), not "medals".
    assert uids(body) == ["item:NL-0001 Seizure 0", "item:NL-0003 Seizure 2"]
    _status, body = search_as(case.nl_member.user, "pistoln~2", team=case.team.code)
    assert uids(body) == ["item:NL-0002 Seizure 1", "item:NL-0004 Seizure 3"]  # pištolje


def test_a_new_documents_word_becomes_a_candidate_once_indexed(
    app, case, make_item, index, search_as
):
    make_item(case.nl_member, title="Seizure", description="Shipment through Algeciras")
    index()
    backend = get_backend(app)
    assert backend._words_near(_scopes(case.team), "kowalczykowzki", 1) == []

    make_item(case.nl_member, title="Ledger", description="Invoices of Kowalczykowski Trading")
    db.session.commit()
    # Committed but not yet written by the search writer: not a candidate yet.
    assert backend._words_near(_scopes(case.team), "kowalczykowzki", 1) == []
    index()
    assert backend._words_near(_scopes(case.team), "kowalczykowzki", 1) == ["kowalczykowski"]
    _status, body = search_as(case.nl_member.user, "kowalczykowzki~", team=case.team.code)
    assert uids(body) == ["item:NL-0002 Ledger"]


def test_no_other_teams_word_is_a_candidate(
    app, make_team, make_membership, make_item, index, search_as
):
    team_a, team_b = make_team(code="OP-ALPHA"), make_team(code="OP-BRAVO")
    alpha = make_membership(team_a, "member", "NL")
    bravo = make_membership(team_b, "member", "DE")
    make_item(alpha, title="Manifest", description="Shipment from Guayaquil port")
    make_item(bravo, title="Ledger", description="Invoices of Kowalczykowski Trading, Guayaquil")
    index()
    backend = get_backend(app)
    assert backend._words_near(_scopes(team_a), "kowalczykowzki", 2) == []
    assert backend.vocabulary(_scopes(team_a), "kowalczykowzki") == []
    assert backend._words_near(_scopes(team_b), "kowalczykowzki", 2) == ["kowalczykowski"]
    assert "kowalczykowski" not in _words(team_a)
    # The word itself, fuzzily, from A's member: nothing, not even a count.
    _status, body = search_as(alpha.user, "kowalczykowzki~")
    assert body["total"] == 0
    assert body["suggestion"] is None


def test_did_you_mean_offers_the_nearest_word(app, case, make_item, index, search_as):
    make_item(case.nl_member, title="Seizure", description=DESCRIPTIONS[0])
    index()
    backend = get_backend(app)
    # One edit before two; among equals, the likest (difflib's ratio), then the word.
    assert backend.vocabulary(_scopes(case.team), "Rotterdan")[0] == "rotterdam"
    near = backend.vocabulary(_scopes(case.team), "algecirax")
    assert near[0] == "algecira"  # as the English stemmer indexed "Algeciras"
    edits = [highlight._distance("algecirax", word, 2) for word in near]
    assert edits == sorted(edits)
    assert max(edits) <= 2
    _status, body = search_as(case.nl_member.user, "algecirax", team=case.team.code)
    assert body["total"] == 0
    assert body["suggestion"] == "algecira"


def test_clearing_and_reindexing_rebuild_the_vocabulary(
    app, runner, case, make_item, chat, index, search_as
):
    make_item(case.nl_member, title="Seizure", description="Shipment through Algeciras")
    message = chat.post(case.nl_member, "Invoices of Kowalczykowski Trading")
    index()
    assert "kowalczykowski" in _words(case.team)

    # A retracted message's words stay candidates (harmless, docs/search.md)…
    chat.retract(case.nl_member, message)
    index()
    assert "kowalczykowski" in _words(case.team)
    _status, body = search_as(case.nl_member.user, "kowalczykowzki~", team=case.team.code)
    assert body["total"] == 0

    # …until the team is reindexed, which rebuilds it from the documents.
    result = runner.invoke(args=["search", "reindex", "--team", case.team.code])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert "kowalczykowski" not in _words(case.team)
    assert _words(case.team) == _lexemes(case.team)
    assert "algecira" in _words(case.team)

    get_backend(app).clear_team(case.team.id)
    db.session.commit()
    assert _words(case.team) == set()


def test_check_names_words_missing_from_the_vocabulary(app, runner, case, make_item, index):
    make_item(case.nl_member, title="Seizure", description="Shipment through Algeciras")
    index()
    result = runner.invoke(args=["search", "check", "--team", case.team.code])
    assert result.exit_code == 0, result.output

    db.session.execute(
        delete(SearchWord).where(SearchWord.team_id == case.team.id, SearchWord.word == "algecira")
    )
    db.session.commit()
    result = runner.invoke(args=["search", "check", "--team", case.team.code])
    assert result.exit_code == 1
    assert "1 word(s) missing from the vocabulary" in result.output

    result = runner.invoke(args=["search", "reindex", "--team", case.team.code])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["search", "check", "--team", case.team.code])
    assert result.exit_code == 0, result.output


def test_a_very_long_fuzzy_word_is_answered(app, case, make_item, index, search_as):
    long_word = "a" * 300
    make_item(case.nl_member, title="Seizure", description=f"Note {long_word}b")
    index()
    backend = get_backend(app)
    # Past fuzzystrmatch's 255 characters the same rule runs in Python.
    assert backend._words_near(_scopes(case.team), long_word, 1) == [f"{long_word}b"]
    status, body = search_as(case.nl_member.user, f"{long_word}~", team=case.team.code)
    assert status == 200, body
    assert body["total"] == 1
    assert db.session.scalar(select(func.count()).select_from(SearchWord)) > 0


def test_the_migration_fills_the_vocabulary_of_documents_indexed_before(
    app, case, make_item, index
):
    from flask_migrate import downgrade, upgrade

    from jit.teams.models import Team

    for description in DESCRIPTIONS:
        make_item(case.nl_member, title="Seizure", description=description)
    index()
    team = db.session.get(Team, case.team.id)
    db.session.expunge_all()
    directory = app.extensions["migrate"].directory
    db.session.remove()
    db.engine.dispose()
    try:
        downgrade(directory=directory, revision="f37ed9c9abc4")  # before search_vocabulary
    finally:
        upgrade(directory=directory)
        db.engine.dispose()
    assert _words(team) == _lexemes(team)
    assert "medellin" in _words(team)
