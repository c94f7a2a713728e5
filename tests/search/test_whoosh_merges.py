"""How the Whoosh writer merges segments: a little at each commit, the rest while idle.

Whoosh's own policy merged 17,000-64,000 documents in one commit once a team's index
had some 17-20 segments, and nothing became searchable meanwhile (benchmarks/search).
A commit now merges segments of one decimal size, at most ``MERGE_CAP_DOCS``
documents; the writer merges larger groups when nothing has changed for
``JIT_SEARCH_TIDY_SECONDS``, one capped group a commit, stopping when changes wait.
"""

import random
import time

import pytest

from jit.extensions import db
from search import outbox
from search import query as q
from search.backends import Scope
from search.backends import whoosh as backend
from tests.search.conftest import message_document


@pytest.fixture(params=["sqlite"])
def db_backend(request) -> str:
    """Whoosh is the backend on SQLite (PostgreSQL's index is a table: nothing to merge)."""
    return request.param


# The segments of session 25's 100,000-document index after its build.
BUILT = [200] * 11 + [3000] * 4 + [14_800, 71_000]


def test_a_commit_merges_a_full_tier_of_small_segments():
    assert backend.commit_merge([37] * 9 + [5000]) == []  # nine: not yet
    chosen = backend.commit_merge([5000, *([37] * 10), 180])
    assert sorted(chosen) == list(range(1, 11))  # the ten of 10-99 documents
    # Ten of a few hundred: as many of the smallest as the cap allows.
    counts = [300] * 10
    chosen = backend.commit_merge(counts)
    assert len(chosen) == backend.MERGE_CAP_DOCS // 300
    # Segments above the cap are never merged by a commit, however many.
    assert backend.commit_merge([2_500] * 30) == []


def test_a_commit_never_merges_more_than_the_cap():
    """Where Whoosh's policy merged tens of thousands of documents, ours stays under 2,000."""
    rng = random.Random(5)
    counts = list(BUILT)
    for _ in range(3000):  # commits of the steady phase's size, and some bigger
        counts.append(rng.choice([8, 10, 12, 40, 200]))
        chosen = backend.commit_merge(counts)
        assert sum(counts[n] for n in chosen) <= backend.MERGE_CAP_DOCS
        assert len({backend._tier(counts[n]) for n in chosen}) <= 1
        merged = sum(counts[n] for n in chosen)
        counts = [count for n, count in enumerate(counts) if n not in set(chosen)]
        if chosen:
            counts.append(merged)
    # What is left is the big segments and a bounded number of small ones.
    assert sum(1 for count in counts if count < 1000) < 4 * backend.MERGE_FANOUT


def test_an_idle_index_merges_its_smallest_segments_in_capped_groups():
    assert backend.tidy_merge([500] * backend.TIDY_SEGMENTS) == []  # few enough
    counts = [9_000, 71_000, 14_800, 1_900, 2_000, 1_950, 2_000, 1_800, 1_990, 2_000]
    chosen = backend.tidy_merge(counts)
    assert sorted(counts[n] for n in chosen) == [1_800, 1_900, 1_950, 1_990, 2_000]  # 9,640
    assert sum(counts[n] for n in chosen) <= backend.TIDY_CAP_DOCS
    assert backend.tidy_merge([20_000] * 12) == []  # each over the cap alone


def _courier(number: int):
    return message_document(number, f"Courier {number} crossed at Spielfeld")


@pytest.fixture
def small_caps(monkeypatch):
    monkeypatch.setattr(backend, "MERGE_FANOUT", 3)
    monkeypatch.setattr(backend, "MERGE_CAP_DOCS", 10)
    monkeypatch.setattr(backend, "TIDY_CAP_DOCS", 25)
    monkeypatch.setattr(backend, "TIDY_SEGMENTS", 2)


def _total(whoosh) -> int:
    scope = [Scope(1, "T", frozenset({"team"}))]
    return whoosh.query(scope, q.parse("courier"), sort="date", page=1, per_page=5).total


def test_the_writer_merges_by_commit_and_while_idle(tmp_path, small_caps):
    whoosh = backend.WhooshBackend(tmp_path)
    for first in range(0, 40, 2):  # twenty commits of two documents
        whoosh.apply(1, [_courier(first), _courier(first + 1)], [])
        counts = whoosh.segment_counts(1)
        assert max(counts) <= 10  # no commit merged past the cap
    assert len(whoosh.segment_counts(1)) > 2
    assert _total(whoosh) == 40

    assert whoosh.tidy(stop=lambda: True) == 0  # changes waiting: no merge
    merges = whoosh.tidy()
    counts = whoosh.segment_counts(1)
    assert merges >= 1
    assert len(counts) <= 2 or backend.tidy_merge(counts) == []
    assert sum(counts) == 40
    assert max(counts) <= 25
    assert _total(whoosh) == 40  # the same documents, searchable


def test_idle_is_due_once_after_the_last_change():
    now = [100.0]
    idle = outbox.Idle(30, clock=lambda: now[0])
    assert not idle.due()
    now[0] += 30
    assert idle.due()
    idle.tidied = True
    now[0] += 60
    assert not idle.due()  # once, until something changes
    idle.note(0)
    assert not idle.due()
    idle.note(3)
    assert not idle.due()
    now[0] += 29
    assert not idle.due()
    now[0] += 1
    assert idle.due()
    assert not outbox.Idle(0, clock=lambda: now[0] + 1e6).due()  # 0: never


def test_the_writer_thread_tidies_when_nothing_has_changed(
    app_config, make_team, make_membership, make_item
):
    from jit.app import create_app
    from search.backends import get_backend

    served = create_app(
        app_config
        | {
            "SEARCH_WORKER": True,
            "SEARCH_WRITER": "thread",
            "SEARCH_POLL_SECONDS": 1,
            "SEARCH_GATHER_SECONDS": 0,
            "SEARCH_TIDY_SECONDS": 1.5,
        }
    )
    with served.app_context():
        team = make_team()
        member = make_membership(team, "member", "NL")
        tidied = []
        get_backend(served).tidy = lambda stop: tidied.append(time.monotonic()) or 0
        worker = outbox.ensure_worker(served)

        def tidied_since(moment):
            return [at for at in tidied if at > moment]

        def wait_for_a_tidy_since(moment):
            deadline = time.monotonic() + 20
            while not tidied_since(moment) and time.monotonic() < deadline:
                time.sleep(0.1)
            return tidied_since(moment)

        try:
            make_item(member, title="Ledger", description="Kingfisher")
            changed = time.monotonic()
            after = wait_for_a_tidy_since(changed)
            assert len(after) == 1
            assert after[0] - changed >= 1.4  # not before the index was idle
            time.sleep(3)
            assert len(tidied_since(changed)) == 1  # not again while nothing changes
            make_item(member, title="Ledger 2", description="Kingfisher")
            changed = time.monotonic()
            assert len(wait_for_a_tidy_since(changed)) == 1
        finally:
            worker.stop()
            db.session.remove()
            db.engine.dispose()


def test_a_reindex_ends_with_the_index_merged(
    app, runner, make_team, make_membership, chat, small_caps, monkeypatch
):
    from search import cli
    from search.backends import get_backend

    monkeypatch.setattr(cli, "CHUNK", 2)  # a commit every two documents
    team = make_team()
    member = make_membership(team, "member", "NL")
    for number in range(30):
        chat.post(member, f"Courier {number} crossed at Spielfeld")
    db.session.commit()
    result = runner.invoke(args=["search", "reindex", "--team", team.code])
    assert result.exit_code == 0, result.output
    assert "Index segments merged in" in result.output
    counts = get_backend(app).segment_counts(team.id)
    assert sum(counts) >= 30
    assert len(counts) <= backend.TIDY_SEGMENTS or backend.tidy_merge(counts) == []
