"""A connection's events are handled one after another, not each in a thread of its own.

A real server and a real Socket.IO client: a burst sent on one connection is stored and
answered in the order sent, and the server's worker starts no thread per event (a
thread per event let a burst take the GIL from the writer: jit/chat/__init__.py).
"""

import threading
import time
from pathlib import Path

from tests.jit.chat.conftest import NAMESPACE

BURST = 60


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError(f"no thread count for process {pid}")


def test_a_burst_on_one_connection_is_handled_in_order_without_a_thread_per_event(
    chat_team, chat_server, live_client, monkeypatch
):
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "0")  # the burst is past one person's rate
    server = chat_server()
    master = server.process.pid
    worker = int(Path(f"/proc/{master}/task/{master}/children").read_text().split()[0])
    client = live_client(server, chat_team.nl, chat_team.code)
    channel = chat_team.general.id
    assert client.call("join", {"channel": channel})["ok"]
    # One message first, so that the writer's thread and the like already run.
    warm = client.call("send", {"channel": channel, "client_id": "warm-0001", "body": "x"})
    assert warm["ok"]

    baseline = _threads(worker)
    peak, watching = [baseline], threading.Event()
    watching.set()

    def watch():
        while watching.is_set():
            peak[0] = max(peak[0], _threads(worker))
            time.sleep(0.0005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    answers, all_answered, lock = [], threading.Event(), threading.Lock()

    def answered(number):
        def callback(answer):
            with lock:
                answers.append((number, answer))
                if len(answers) == BURST:
                    all_answered.set()

        return callback

    try:
        for number in range(BURST):
            client.sio.emit(
                "send",
                {"channel": channel, "client_id": f"burst-{number:04d}", "body": f"{number}"},
                namespace=NAMESPACE,
                callback=answered(number),
            )
        assert all_answered.wait(60)
    finally:
        watching.clear()
        watcher.join()
    assert all(answer["ok"] for _, answer in answers), answers
    assert [number for number, _ in answers] == list(range(BURST))  # answered in order
    numbers = [answer["seq"] for _, answer in answers]
    assert numbers == list(range(numbers[0], numbers[0] + BURST))  # stored in order, no gap
    assert [answer["message"]["text"] for _, answer in answers] == [
        str(number) for number in range(BURST)
    ]
    # A thread per event started dozens here; a few come and go anyway (pings, the pool).
    assert peak[0] - baseline <= 5, f"{peak[0] - baseline} threads more during the burst"
