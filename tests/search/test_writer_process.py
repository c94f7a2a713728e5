"""The Whoosh index writer in a child process of its own (JIT_SEARCH_WRITER=process).

These tests start real processes (spawned interpreters that build the app), so there
are few of them and each checks several things.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jit.extensions import db
from search import outbox

ROOT = Path(__file__).resolve().parents[2]

# The writer process is for Whoosh; on PostgreSQL the index is a table and any process
# drains it in a thread.
pytestmark = pytest.mark.parametrize("db_backend", ["sqlite"])

WRITER = {"SEARCH_WORKER": True, "SEARCH_WRITER": "process", "SEARCH_GATHER_SECONDS": 0}


def _until(condition, seconds=60, what="the condition"):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _owner(index_dir) -> int | None:
    path = Path(index_dir) / "writer.lock"
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text else None


def _free(index_dir) -> bool:
    """True if this process could take the writer lock (it lets it go again)."""
    lock = outbox.WriterLock(index_dir)
    if not lock.acquire(0):
        return False
    lock.release()
    return True


def _running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody has reaped yet has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def test_the_writer_runs_in_its_own_process_is_woken_and_restarted(
    app, app_config, case, chat, search_as
):
    from jit.app import create_app

    # The poll is long: only the wake-up after a commit can make a message searchable
    # within the test's wait.
    served = create_app(app_config | WRITER | {"SEARCH_POLL_SECONDS": 300})
    worker = outbox.ensure_worker(served)
    # This test's own app commits the messages; its commits wake the served app's
    # writer as a server's own commits do.
    app.extensions["search"]["worker"] = worker
    index_dir = served.config["SEARCH_INDEX_DIR"]

    def found(word):
        db.session.rollback()
        return search_as(case.nl_member.user, word, team=case.team.code)[1]["total"] == 1

    try:
        assert isinstance(worker, outbox.ProcessWorker)
        first = _until(lambda: worker.child_pid, what="the writer process")
        assert first != os.getpid()
        # Background work: it yields the CPU to the server when the machine is busy.
        _until(
            lambda: (
                os.getpriority(os.PRIO_PROCESS, first)
                == min(19, os.getpriority(os.PRIO_PROCESS, 0) + served.config["SEARCH_WRITER_NICE"])
            ),
            what="the writer to lower its priority",
        )
        # The child, not this process, holds the writer lock, after its first round.
        _until(lambda: _owner(index_dir) == first, what="the child to take the lock")
        assert not _free(index_dir)

        chat.post(case.nl_member, "A kingfisher at the harbour")
        _until(lambda: found("kingfisher"), seconds=30, what="the message to be indexed")

        # Killed (mid-batch or idle): what was committed meanwhile waits in the outbox,
        # and the writer's next process drains it first thing.
        os.kill(first, signal.SIGKILL)
        _until(lambda: not _running(first), what="the child to die")
        chat.post(case.nl_member, "A heron on the quay")
        second = _until(
            lambda: worker.child_pid not in (None, first) and worker.child_pid,
            what="a new writer process",
        )
        _until(lambda: found("heron"), seconds=60, what="the message of the dead writer's time")
        assert found("kingfisher")
        # The index is written before the outbox rows are deleted (a crash between the
        # two indexes again, never loses): the rows go right after, in the writer's commit.
        _until(
            lambda: db.session.rollback() or outbox.pending() == 0,
            what="the drained rows to leave the outbox",
        )
        assert worker.restarts == 1
        assert _owner(index_dir) == second
    finally:
        worker.stop()
        app.extensions["search"]["worker"] = None
        with served.app_context():
            db.session.remove()
            db.engine.dispose()
    assert worker.process.exitcode == 0  # a clean stop, not a kill
    assert _free(index_dir)  # and the lock is free again


SERVER = """
import json, sys, time
from search import outbox
from jit.app import create_app

app = create_app(json.loads(sys.argv[1]))
worker = outbox.ensure_worker(app)
while worker.child_pid is None:
    time.sleep(0.05)
print(worker.child_pid, flush=True)
sys.stdin.read()  # until the test closes our stdin (a clean stop) or kills us
worker.stop()
"""


def test_two_servers_have_one_writer_and_a_dead_servers_writer_exits(app, app_config):
    """Each server starts a writer process; one holds the lock, the other takes over."""
    config = json.dumps(app_config | WRITER | {"SEARCH_POLL_SECONDS": 1})
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    servers = [
        subprocess.Popen(
            [sys.executable, "-c", SERVER, config],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    index_dir = app.config["SEARCH_INDEX_DIR"]
    try:
        children = [int(server.stdout.readline()) for server in servers]
        assert set(children).isdisjoint({server.pid for server in servers})
        owner = _until(lambda: _owner(index_dir) in children and _owner(index_dir))
        assert not _free(index_dir)
        time.sleep(2)  # two polls: the other child has tried, and failed, to take it
        assert _owner(index_dir) == owner
        assert all(_running(child) for child in children)

        # The owner's server dies without a word: its writer process exits, and the
        # other server's takes the lock.
        dead = children.index(owner)
        servers[dead].kill()
        servers[dead].wait()
        _until(lambda: not _running(owner), seconds=15, what="the orphaned writer to exit")
        other = children[1 - dead]
        _until(lambda: _owner(index_dir) == other, seconds=15, what="the other writer")

        # A clean stop ends the writer process too.
        alive = servers[1 - dead]
        alive.stdin.close()
        assert alive.wait(timeout=30) == 0
        _until(lambda: not _running(other), seconds=15, what="the stopped writer to exit")
    finally:
        for server in servers:
            if server.poll() is None:
                server.kill()
                server.wait()
            server.stdout.close()
            if not server.stdin.closed:
                server.stdin.close()
