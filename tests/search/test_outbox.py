"""The outbox commits with the content; a crash between commit and indexing loses nothing."""

import time

from sqlalchemy import select

from jit.extensions import db
from search import outbox
from search.models import OutboxEntry


def _entries():
    return [(e.kind, e.object_id) for e in db.session.scalars(select(OutboxEntry))]


def test_a_change_writes_its_outbox_rows_in_its_own_transaction(app, case, make_item, chat):
    item = make_item(case.nl_member, title="Seized ledger")
    assert ("item", item.id) in _entries()

    db.session.execute(OutboxEntry.__table__.delete())
    db.session.commit()
    item.title = "Seized ledger (corrected)"
    db.session.flush()
    # The item, and its custody notes (they carry the item's visibility and exhibit).
    assert {kind for kind, _id in _entries()} == {"item", "custody"}
    assert ("item", item.id) in _entries()
    db.session.rollback()  # the change is undone, and so is its outbox row
    assert _entries() == []

    message = chat.post(case.nl_member, "hello")
    assert _entries() == [("message", message.id)]


def test_rows_left_by_a_crash_are_indexed_at_the_next_start(
    app, app_config, case, make_item, search_as
):
    # The process "dies" after the commit: nothing drained the outbox.
    make_item(case.nl_member, title="Ledger", description="Kingfisher account")
    assert outbox.pending() > 0
    assert search_as(case.nl_member.user, "kingfisher", team=case.team.code)[1]["total"] == 0

    # The next process starts its writer thread, which catches up first thing.
    from jit.app import create_app

    restarted = create_app(app_config | {"SEARCH_WORKER": True, "SEARCH_POLL_SECONDS": 1})
    with restarted.app_context():
        worker = outbox.ensure_worker(restarted)
        try:
            deadline = time.monotonic() + 30
            while outbox.pending() and time.monotonic() < deadline:
                time.sleep(0.1)
                db.session.rollback()
            assert outbox.pending() == 0
        finally:
            worker.stop()
            db.session.remove()
            db.engine.dispose()
    _status, body = search_as(case.nl_member.user, "kingfisher", team=case.team.code)
    assert body["total"] == 1


def test_draining_twice_changes_nothing(app, case, make_item, index, search_as):
    item = make_item(case.nl_member, title="Ledger", description="Kingfisher account")
    index()
    # A writer that dies after writing the index but before deleting the rows repeats them.
    db.session.add(OutboxEntry(kind="item", object_id=item.id))
    db.session.commit()
    assert index() == 1
    assert search_as(case.nl_member.user, "kingfisher", team=case.team.code)[1]["total"] == 1


def test_one_process_holds_the_index_writer(app, tmp_path):
    first, second = outbox.WriterLock(tmp_path), outbox.WriterLock(tmp_path)
    assert first.acquire()
    try:
        assert not second.acquire(timeout=0.3)
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_a_server_process_indexes_by_itself(app_config, make_team, make_membership, make_item):
    """With the writer thread on, a change is searchable shortly after its commit."""
    from jit.app import create_app
    from tests.conftest import Auth, WorkspaceClient

    served = create_app(app_config | {"SEARCH_WORKER": True, "SEARCH_POLL_SECONDS": 1})
    served.test_client_class = WorkspaceClient
    with served.app_context():
        try:
            client = served.test_client()
            team = make_team()
            member = make_membership(team, "member", "NL")
            Auth(client).login(member.user)
            assert client.get("/").status_code == 200  # the first request starts the writer
            make_item(member, title="Ledger", description="Kingfisher account")
            deadline, total = time.monotonic() + 30, 0
            while time.monotonic() < deadline and not total:
                response = client.get(f"/t/{team.code}/search.json?q=kingfisher")
                assert response.status_code == 200
                total = response.get_json()["total"]
                time.sleep(0.2)
            assert total == 1
        finally:
            served.extensions["search"]["worker"].stop()
            db.session.remove()
            db.engine.dispose()


def test_the_writer_gathers_a_burst_into_one_index_commit(
    app_config, make_team, make_membership, make_item
):
    """Commits in quick succession wake the writer once; their changes share a commit.

    Without the gathering, each wake drained the few rows there were: one index commit
    (and segment merge) per few chat messages, which took a third of a busy chat
    server's CPU (docs/search.md).
    """
    from jit.app import create_app
    from search.backends import get_backend

    served = create_app(
        app_config | {"SEARCH_WORKER": True, "SEARCH_POLL_SECONDS": 30, "SEARCH_GATHER_SECONDS": 3}
    )
    with served.app_context():
        team = make_team()
        member = make_membership(team, "member", "NL")
        backend = get_backend(served)
        applied = []
        real_apply = backend.apply

        def counting_apply(team_id, documents, gone):
            applied.append(len(documents))
            return real_apply(team_id, documents, gone)

        backend.apply = counting_apply
        worker = outbox.ensure_worker(served)
        try:
            deadline = time.monotonic() + 30  # the writer's first round catches up
            while outbox.pending() and time.monotonic() < deadline:
                time.sleep(0.1)
                db.session.rollback()
            time.sleep(0.5)
            applied.clear()
            for number in range(5):  # five commits, each waking the writer
                make_item(member, title=f"Ledger {number}", description="Kingfisher")
                worker.wake()
            deadline = time.monotonic() + 30
            while outbox.pending() and time.monotonic() < deadline:
                time.sleep(0.1)
                db.session.rollback()
            assert outbox.pending() == 0
            assert len(applied) == 1, applied  # one index commit for the five
        finally:
            worker.stop()
            db.session.remove()
            db.engine.dispose()
