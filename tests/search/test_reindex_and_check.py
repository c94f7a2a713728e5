"""`jit search reindex` rebuilds from the database; `jit search check` names the differences."""

import shutil

from sqlalchemy import delete

from jit.extensions import db
from search.backends import get_backend
from search.models import SearchDocument


def _lose_the_index(app, team):
    """Delete the team's index: its folder (Whoosh) or its rows (PostgreSQL)."""
    backend = get_backend(app)
    if backend.name == "whoosh":
        shutil.rmtree(backend.team_dir(team.id))
    else:
        db.session.execute(delete(SearchDocument).where(SearchDocument.team_id == team.id))
        db.session.commit()


def test_reindex_restores_a_deleted_index(app, runner, case, make_item, chat, index, search_as):
    make_item(case.nl_member, title="Ledger", description="Kingfisher account")
    chat.post(case.de_member, "Kingfisher moves on Friday")
    index()
    _lose_the_index(app, case.team)
    assert search_as(case.nl_member.user, "kingfisher", team=case.team.code)[1]["total"] == 0

    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "missing: item:1" in result.output

    result = runner.invoke(args=["search", "reindex", "--team", case.team.code])
    assert result.exit_code == 0, result.output
    assert f"{case.team.code}: " in result.output
    assert "document(s) indexed" in result.output

    _status, body = search_as(case.nl_member.user, "kingfisher", team=case.team.code)
    assert body["total"] == 2
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "The index matches the database." in result.output


def test_check_names_a_stale_document(app, runner, case, make_item, index):
    item = make_item(case.nl_member, title="Ledger", description="Kingfisher account")
    index()
    # Changed behind the outbox's back (as by a restore of an older index).
    from search.models import OutboxEntry

    item.title = "Ledger, second volume"
    db.session.flush()
    db.session.execute(delete(OutboxEntry))
    db.session.commit()
    result = runner.invoke(args=["search", "check", "--team", case.team.code])
    assert result.exit_code == 1
    assert f"stale: item:{item.id}" in result.output


def test_reindex_of_an_unknown_team_says_so(app, runner):
    result = runner.invoke(args=["search", "reindex", "--team", "NOPE"])
    assert result.exit_code != 0
    assert "There is no team NOPE." in result.output


def test_a_restored_instance_gets_its_index_rebuilt(app, case, make_item, index, search_as):
    """Backups leave the index out; the restore signal rebuilds it from the database."""
    from jit import signals

    make_item(case.nl_member, title="Ledger", description="Kingfisher account")
    index()
    _lose_the_index(app, case.team)
    signals.instance_restored.send(app)
    assert search_as(case.nl_member.user, "kingfisher", team=case.team.code)[1]["total"] == 1


def test_reindex_brings_a_new_extractor_to_documents_indexed_before(
    app, runner, monkeypatch, case, make_item, index, search_as
):
    from search import identifiers

    current = identifiers.extract

    def before_ip_and_vin(text, region=None, serial=None):
        return tuple(t for t in current(text, region) if t.split(":")[0] not in ("ip", "vin"))

    monkeypatch.setattr(identifiers, "extract", before_ip_and_vin)
    item = make_item(case.nl_member, title="Router", description="Lease 10.0.0.7")
    index()
    monkeypatch.setattr(identifiers, "extract", current)
    user, code = case.nl_member.user, case.team.code
    assert search_as(user, "ip:10.0.0.7", team=code)[1]["total"] == 0

    result = runner.invoke(args=["search", "check", "--team", code])
    assert result.exit_code == 1
    assert f"stale: item:{item.id}" in result.output
    result = runner.invoke(args=["search", "reindex", "--team", code])
    assert result.exit_code == 0, result.output
    assert search_as(user, "ip:10.0.0.7", team=code)[1]["total"] == 1
