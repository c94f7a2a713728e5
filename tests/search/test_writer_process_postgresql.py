"""PostgreSQL: each server drains the outbox in a writer process of its own too.

Loading each document and finding its identifiers is Python: as a thread, the drain took
a third of each of two chat servers' GIL samples (benchmarks/chat, session 21). The
index is a table, so there is no file lock: every server's writer process drains, one
batch at a time under the advisory lock.
"""

import os
from pathlib import Path

import pytest

from jit.extensions import db
from search import outbox
from tests.conftest import _backends
from tests.search.test_writer_process import WRITER, _running, _until


@pytest.fixture(params=[name for name in _backends() if name == "postgresql"])
def db_backend(request) -> str:
    return request.param


def test_each_server_drains_in_a_writer_process_of_its_own(app, app_config, case, chat, search_as):
    from jit.app import create_app

    # Two servers of one instance; the poll is long, so only a commit's wake-up can make
    # a message searchable within the test's wait.
    served = [create_app(app_config | WRITER | {"SEARCH_POLL_SECONDS": 300}) for _ in range(2)]
    workers = [outbox.ensure_worker(server) for server in served]
    index_dir = Path(served[0].config["SEARCH_INDEX_DIR"])

    def found(word):
        db.session.rollback()
        return search_as(case.nl_member.user, word, team=case.team.code)[1]["total"] == 1

    try:
        assert all(isinstance(worker, outbox.ProcessWorker) for worker in workers)
        children = [_until(lambda w=worker: w.child_pid, what="a writer") for worker in workers]
        assert os.getpid() not in children
        assert len(set(children)) == 2
        # Each server's commits wake its own writer; both drain (no file lock to wait for).
        for number, worker in enumerate(workers):
            app.extensions["search"]["worker"] = worker
            word = ["kingfisher", "cormorant"][number]
            chat.post(case.nl_member, f"A {word} at the harbour")
            _until(lambda w=word: found(w), seconds=30, what=f"{word} to be indexed")
        _until(lambda: db.session.rollback() or outbox.pending() == 0, what="an empty outbox")
        assert not (index_dir / "writer.lock").exists()
        assert all(_running(child) for child in children)
    finally:
        app.extensions["search"]["worker"] = None
        for worker in workers:
            worker.stop()
        for server in served:
            with server.app_context():
                db.session.remove()
                db.engine.dispose()
    assert [worker.process.exitcode for worker in workers] == [0, 0]
