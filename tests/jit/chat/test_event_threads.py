"""Chat events run on kept threads: reused, bounded, in order past the bound, fork-safe."""

import os
import threading
import time

import socketio

from jit.chat import event_threads
from jit.chat.event_threads import EventThreads, run_events_in


def _wait_until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_calls_one_after_another_reuse_one_thread():
    pool = EventThreads(limit=8)
    ran = []
    for number in range(50):
        done = threading.Event()
        pool.submit(lambda n=number, d=done: (ran.append((n, threading.get_ident())), d.set()))
        assert done.wait(5)
        _wait_until(lambda: pool.idle() == 1)
    assert [n for n, _ in ran] == list(range(50))
    assert len({ident for _, ident in ran}) == 1
    assert pool.threads == 1


def test_blocked_calls_get_threads_of_their_own_up_to_the_limit_then_wait_in_order():
    pool = EventThreads(limit=3)
    release = threading.Event()
    started, finished = [], []

    def blocked(number):
        started.append(number)
        release.wait(10)
        finished.append(number)

    for number in range(6):
        pool.submit(blocked, number)
    _wait_until(lambda: len(started) == 3)
    time.sleep(0.05)
    assert sorted(started) == [0, 1, 2]  # the other three wait for a free thread
    assert pool.threads == 3
    assert pool.waiting() == 3  # what the chat benchmark's queue probe reads
    release.set()
    _wait_until(lambda: len(finished) == 6)
    assert pool.waiting() == 0
    assert sorted(started[3:]) == [3, 4, 5]
    assert pool.threads == 3
    _wait_until(lambda: pool.idle() == 3)  # each thread accounted for: all idle again
    more = threading.Barrier(4)
    for _ in range(3):
        pool.submit(more.wait, 5)  # three at once need the three idle threads, no more
    more.wait(5)
    assert pool.threads == 3


def test_many_reading_threads_submitting_at_once_lose_no_event_and_keep_the_counts():
    """Eight submitters (the connections' reading threads) and short calls that sometimes
    block: every call runs once, never more threads than the limit, and when all is done
    every thread is counted idle."""
    pool = EventThreads(limit=16)
    ran = []
    lock = threading.Lock()

    def call(number):
        if number % 50 == 0:
            time.sleep(0.01)  # a send waiting for its commit
        with lock:
            ran.append(number)

    def submitter(first):
        for number in range(first, first + 500):
            pool.submit(call, number)

    submitters = [threading.Thread(target=submitter, args=(k * 500,)) for k in range(8)]
    for thread in submitters:
        thread.start()
    for thread in submitters:
        thread.join()
    _wait_until(lambda: len(ran) == 4000)
    assert sorted(ran) == list(range(4000))
    assert 1 <= pool.threads <= 16
    _wait_until(lambda: pool.idle() == pool.threads and pool.waiting() == 0)


def test_a_failing_call_leaves_its_thread_serving(caplog):
    pool = EventThreads(limit=1)
    done = threading.Event()
    pool.submit(lambda: 1 / 0)
    pool.submit(done.set)
    assert done.wait(5)
    assert "a chat event failed" in caplog.text


def test_idle_threads_end(monkeypatch):
    monkeypatch.setattr(event_threads, "IDLE_SECONDS", 0.05)
    pool = EventThreads(limit=4)
    release = threading.Event()
    for _ in range(3):
        pool.submit(release.wait, 10)
    _wait_until(lambda: pool.threads == 3)
    release.set()
    _wait_until(lambda: pool.threads == 0)
    done = threading.Event()
    pool.submit(done.set)  # and a new one starts when needed
    assert done.wait(5)


def test_a_forked_process_starts_its_own_threads():
    pool = EventThreads(limit=2)
    done = threading.Event()
    pool.submit(done.set)
    assert done.wait(5)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        ok = threading.Event()
        pool.submit(ok.set)
        os.write(write, b"1" if ok.wait(5) and pool.threads == 1 else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(child, 0)
    assert answer == b"1"


def test_a_socketio_server_runs_its_events_on_the_kept_threads():
    """python-socketio's own dispatch (an event packet on a connected socket), with the
    server's other background tasks left to python-socketio."""
    server = socketio.Server(async_mode="threading")
    pool = EventThreads(limit=4, name="kept-event")
    run_events_in(server, pool)
    seen = []
    arrived = threading.Semaphore(0)

    @server.on("probe", namespace="/chat")
    def probe(sid, data):
        seen.append((data, threading.current_thread().name))
        arrived.release()

    server._handle_eio_connect("eio-1", {})
    server._handle_eio_message("eio-1", "0/chat,")
    for number in range(5):
        server._handle_eio_message("eio-1", f'2/chat,["probe",{number}]')
        assert arrived.acquire(timeout=5)
    assert sorted(data for data, _ in seen) == list(range(5))
    assert {name for _, name in seen} == {"kept-event"}
    assert pool.threads == 1
    task = server.start_background_task(time.sleep, 0)
    task.join(5)
    assert task.name != "kept-event"
