"""Retention: a dry run by default, deletion with a signed certificate, never under a hold."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from jit.clock import frozen
from jit.closeout import retention
from jit.closeout.models import DeletionCertificate
from jit.extensions import db
from tests.agreements.conftest import TODAY, at
from tests.jit.closeout.conftest import access_of

DUE = "2026-10-02"  # closed 1 September, kept 30 days


def _count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def _with_period(runner, closed, days=30):
    result = runner.invoke(args=["retention", "period", closed.team.code, str(days)])
    assert result.exit_code == 0, result.output


def test_a_dry_run_says_what_is_due_and_deletes_nothing(app, runner, closed):
    from evidence.models import CustodyEvent, EvidenceItem

    _with_period(runner, closed)
    before = (_count(EvidenceItem), _count(CustodyEvent))
    with frozen(at(DUE)):
        result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "would delete" in result.output
    assert "evidence_items" in result.output
    assert (_count(EvidenceItem), _count(CustodyEvent)) == before
    assert _count(DeletionCertificate) == 0


def test_apply_deletes_the_teams_content_and_nothing_of_another_team(
    app, runner, closed, make_team, make_membership, make_item
):
    from evidence import storage
    from evidence.models import CustodyEvent, EvidenceFile, EvidenceItem
    from jit.chat.models import Message
    from jit.teams.models import Membership

    other = make_team()
    kept = make_item(make_membership(other, "member", "NL"), files=[("kept.txt", b"other team")])
    shared = make_item(make_membership(other, "member", "DE"), files=[("same.txt", b"nl shared")])
    team_blobs = {f.sha256 for f in closed.nl_party_item.files + closed.de_party_item.files}
    members = _count(Membership, team_id=closed.team.id)
    numbers = sorted(
        item.exhibit_number
        for item in (closed.nl_team_item, closed.nl_party_item, closed.de_party_item)
    )
    shared_blob = shared.files[0].sha256
    _with_period(runner, closed)
    with frozen(at(DUE)):
        result = runner.invoke(args=["retention", "run", "--apply"])
    assert result.exit_code == 0, result.output
    assert _count(EvidenceItem, team_id=closed.team.id) == 0
    assert _count(EvidenceItem, team_id=other.id) == 2
    assert db.session.get(EvidenceItem, kept.id) is not None
    assert _count(CustodyEvent, item_id=kept.id) > 0
    assert _count(Message) == 0  # the closed team's one message; the other team has none
    assert _count(Membership, team_id=closed.team.id) == members  # the frame stays
    for sha256 in team_blobs:
        assert not storage.blob_path(sha256).exists()
    # A blob another team still uses stays, although the deleted team had it too.
    assert storage.blob_path(shared_blob).exists()
    assert _count(EvidenceFile, item_id=kept.id) == 1
    certificate = db.session.scalar(select(DeletionCertificate))
    body = json.loads(certificate.body)
    assert body["team"]["code"] == closed.team.code
    assert body["rows_deleted"]["evidence_items"] == 3
    assert sorted(body["evidence_items"]) == numbers
    assert shared_blob not in body["blobs_removed"]
    assert team_blobs <= set(body["blobs_removed"])


def test_the_certificate_is_signed_survives_and_a_changed_one_is_caught(app, runner, closed):
    _with_period(runner, closed)
    with frozen(at(DUE)):
        assert runner.invoke(args=["retention", "run", "--apply"]).exit_code == 0
    shown = runner.invoke(args=["retention", "certificate", closed.team.code])
    assert shown.exit_code == 0, shown.output
    assert "verifies" in shown.output
    certificate = db.session.scalar(select(DeletionCertificate))
    assert retention.verify_certificate(certificate) == []
    certificate.body = certificate.body.replace('"rows_deleted":{', '"rows_deleted":{"x":1,', 1)
    problems = retention.verify_certificate(certificate)
    assert any("SHA-256" in problem for problem in problems)
    db.session.rollback()
    certificate = db.session.scalar(select(DeletionCertificate))
    certificate.signature = certificate.signature[::-1]
    assert any("signature" in problem for problem in retention.verify_certificate(certificate))
    db.session.rollback()


def test_a_legal_hold_blocks_deletion_until_it_is_lifted(app, runner, closed):
    from evidence.models import EvidenceItem

    _with_period(runner, closed)
    with frozen(at("2026-09-20")):
        retention.set_hold(access_of(closed.coordinator), "Trial in Rotterdam, case 10/123456-26")
        db.session.commit()
    with frozen(at(DUE)):
        held = runner.invoke(args=["retention", "run", "--apply", "--team", closed.team.code])
    assert held.exit_code != 0
    assert "legal hold" in held.output
    assert _count(EvidenceItem, team_id=closed.team.id) == 3
    with frozen(at(DUE)):
        retention.lift_hold(access_of(closed.coordinator), "Judgment final")
        db.session.commit()
        done = runner.invoke(args=["retention", "run", "--apply", "--team", closed.team.code])
    assert done.exit_code == 0, done.output
    assert _count(EvidenceItem, team_id=closed.team.id) == 0


def test_apply_on_a_team_that_is_not_closed_is_refused_with_a_message(app, runner, in_force):
    from evidence.models import EvidenceItem

    result = runner.invoke(args=["retention", "run", "--apply", "--team", in_force.team.code])
    assert result.exit_code != 0
    assert "not closed" in result.output
    assert _count(DeletionCertificate) == 0
    assert _count(EvidenceItem) == 0


def test_nothing_can_be_added_after_deletion(app, runner, closed):
    from jit import gates

    _with_period(runner, closed)
    with frozen(at(DUE)):
        assert runner.invoke(args=["retention", "run", "--apply"]).exit_code == 0
    decision = gates.may(closed.team, "add_evidence")
    assert not decision
    assert "deleted" in decision.reason


def _indexed(team_id: int) -> int:
    """Count the team's documents in whichever search index the app uses."""
    from search.backends import get_backend
    from search.models import SearchDocument

    backend = get_backend()
    if backend.name == "whoosh":
        index = backend._open(team_id, create=False)
        if index is None:
            return 0
        with index.searcher() as searcher:
            return searcher.doc_count()
    return _count(SearchDocument, team_id=team_id)


def test_deletion_empties_the_teams_search_index_and_no_other(
    app, runner, closed, make_team, make_membership, make_item
):
    from search import outbox
    from search.backends import get_backend
    from search.models import SearchWord

    other = make_team()
    make_item(make_membership(other, "member", "NL"), title="Other team's ledger")
    outbox.drain(app)
    before_other = _indexed(other.id)
    assert _indexed(closed.team.id) > 0
    assert before_other > 0
    # PostgreSQL's fuzzy-term vocabulary holds the team's words: they go too.
    on_postgresql = get_backend().name == "postgresql"
    words_other = _count(SearchWord, team_id=other.id)
    if on_postgresql:
        assert _count(SearchWord, team_id=closed.team.id) > 0
        assert words_other > 0
    _with_period(runner, closed)
    with frozen(at(DUE)):
        result = runner.invoke(args=["retention", "run", "--apply"])
    assert result.exit_code == 0, result.output
    outbox.drain(app)
    assert _indexed(closed.team.id) == 0
    assert _indexed(other.id) == before_other
    assert _count(SearchWord, team_id=closed.team.id) == 0
    assert _count(SearchWord, team_id=other.id) == words_other


# --- The period: the team's own, else the agreement's (Article 14.1), else the default ---


def _close(jit, day="2026-09-01"):
    from agreements import services

    with frozen(at(day)):
        services.close(access_of(jit.coordinator), "Operational phase completed.")
        db.session.commit()
    return jit


@pytest.fixture
def kept_two_years(jit):
    """A team whose agreement (version 1) keeps its data 2 years; closed on 1 September 2026."""
    with frozen(TODAY):
        jit.version = jit.sign_all(jit.draft(retention_years=2))
    return _close(jit)


def _page(client, auth, jit) -> str:
    auth.login(jit.coordinator.user)
    return client.get(f"/t/{jit.team.code}/closeout").get_data(as_text=True)


def test_the_agreement_s_years_set_the_period_and_the_page_says_so(
    app, client, auth, runner, kept_two_years
):
    jit = kept_two_years
    found = retention.standing(jit.team)
    assert str(found.period) == "2 years, as Article 14.1 of the agreement (version 1) says"
    assert found.due_on == date(2028, 9, 1)
    assert "Retention period: 2 years, as Article 14.1 of the agreement (version 1) says." in (
        _page(client, auth, jit)
    )
    with frozen(at("2028-08-31")):
        early = runner.invoke(args=["retention", "run", "--team", jit.team.code])
    assert "due for deletion on 2028-09-01" in early.output
    assert "would delete" not in early.output
    with frozen(at("2028-09-01")):
        due = runner.invoke(args=["retention", "run", "--apply", "--team", jit.team.code])
    assert due.exit_code == 0, due.output
    body = json.loads(db.session.scalar(select(DeletionCertificate)).body)
    assert body["retention_period"] == str(found.period)
    assert body["retention_days"] == 731  # 2026-09-01 to 2028-09-01, through 29 February 2028


def test_a_period_set_for_the_team_wins_over_the_agreement(app, runner, kept_two_years):
    _with_period(runner, kept_two_years)
    found = retention.standing(kept_two_years.team)
    assert str(found.period) == "30 days, set for this team"
    assert found.due_on == date(2026, 10, 1)


def test_without_a_period_in_the_agreement_the_default_applies(app, client, auth, closed):
    found = retention.standing(closed.team)
    days = app.config["RETENTION_DAYS"]
    assert str(found.period) == f"{days} days, the workspace's default (JIT_RETENTION_DAYS)"
    assert found.due_on == date(2026, 9, 1) + timedelta(days=days)
    assert f"Retention period: {days} days, the workspace&#39;s default" in _page(
        client, auth, closed
    )


def test_the_version_in_force_when_the_team_closed_counts(app, in_force):
    jit = in_force
    with frozen(at("2026-07-01")):
        amendment = jit.start("amendment", "Keep the data five years for the appeal.")
        jit.save(amendment, dict(amendment.content, retention_years=5))
        jit.sign_all(amendment)
    _close(jit)
    found = retention.standing(jit.team)
    assert str(found.period) == "5 years, as Article 14.1 of the agreement (version 2) says"
    assert found.due_on == date(2031, 9, 1)


def test_a_team_closed_on_29_february_keeps_its_data_the_whole_years():
    assert retention.Period(years=3).due_on(date(2028, 2, 29)) == date(2031, 3, 1)
    assert retention.Period(years=4).due_on(date(2028, 2, 29)) == date(2032, 2, 29)
    assert retention.Period(days=30).due_on(date(2028, 2, 29)) == date(2028, 3, 30)
