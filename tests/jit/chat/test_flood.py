"""A person flooding from many connections at once is refused; another person still talks.

One real server (gunicorn), real Socket.IO clients. The flooder sends from several
connections with several sends in flight on each, past their own allowance and past
the sends the process takes in at once (``JIT_CHAT_SEND_QUEUE``, set small). Meanwhile
another member sends a message the way the page does (again at the time a refusal
names, under the same client id): it is acknowledged and reaches a third member within
:data:`BOUND` seconds of its first emit.
"""

import threading
import time

import pytest

pytestmark = pytest.mark.slow

FLOOD_CONNECTIONS = 8
IN_FLIGHT = 4  # sends in flight on each of the flooder's connections
SEND_QUEUE = 3
# From the other member's first emit to their acknowledgement, and to the reader.
BOUND = 2.0
RATE_REFUSAL = "faster than this workspace allows"
FULL_REFUSAL = "still being stored"


@pytest.fixture
def small_server(chat_server, monkeypatch):
    # Five at once, then two a minute per person; three sends in a process at once.
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "2")
    monkeypatch.setenv("JIT_CHAT_RATE_SECONDS", "60")
    monkeypatch.setenv("JIT_CHAT_RATE_BURST", "5")
    monkeypatch.setenv("JIT_CHAT_SEND_QUEUE", str(SEND_QUEUE))
    return chat_server()


class Flood:
    """The flooder's connections, each keeping ``IN_FLIGHT`` sends going until stopped."""

    def __init__(self, clients, channel_id):
        self.clients, self.channel_id = clients, channel_id
        self.answers: list[dict] = []
        self.stop = threading.Event()
        self._lock = threading.Condition()
        self._threads = [
            threading.Thread(target=self._run, args=(index,), daemon=True)
            for index in range(len(clients))
        ]

    def start(self):
        for thread in self._threads:
            thread.start()

    def _run(self, index):
        client, slots, number = self.clients[index], threading.Semaphore(IN_FLIGHT), 0

        def answered(answer):
            with self._lock:
                self.answers.append(answer)
                self._lock.notify_all()
            slots.release()

        while not self.stop.is_set():
            if not slots.acquire(timeout=0.5):
                continue
            number += 1
            client.sio.emit(
                "send",
                {"channel": self.channel_id, "client_id": f"f{index}-{number:07d}", "body": "x"},
                namespace="/chat",
                callback=answered,
            )

    def wait_for_refusals(self, *needles, timeout=60):
        """Return once a refusal containing each needle has been answered."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not all(any(n in (a.get("error") or "") for a in self.answers) for n in needles):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"not refused with each of {needles}")
                self._lock.wait(remaining)

    def end(self):
        self.stop.set()
        for thread in self._threads:
            thread.join(10)


def test_a_concurrent_flood_is_refused_while_another_person_is_heard_in_time(
    chat_team, small_server, live_client
):
    channel_id = chat_team.general.id
    flooders = [
        live_client(small_server, chat_team.nl, chat_team.code) for _ in range(FLOOD_CONNECTIONS)
    ]
    bob = live_client(small_server, chat_team.de, chat_team.code)
    carol = live_client(small_server, chat_team.leader, chat_team.code)
    for client in [*flooders, bob, carol]:
        client.wait_for("ready")
    for client in (bob, carol):
        assert client.call("join", {"channel": channel_id})["ok"]
    flood = Flood(flooders, channel_id)
    flood.start()
    try:
        # Refused both ways before Bob sends: past the flooder's allowance, and past
        # what the process takes in at once.
        flood.wait_for_refusals(RATE_REFUSAL, FULL_REFUSAL)
        began = time.monotonic()
        tries = []
        while True:
            answer = bob.call(
                "send",
                {"channel": channel_id, "client_id": "bob-0000001", "body": "Bob is heard"},
            )
            tries.append(answer)
            if answer["ok"] or not answer.get("retry_after"):
                break
            time.sleep(answer["retry_after"])  # as the page does: again at the time named
        acknowledged = time.monotonic() - began
        delivered = carol.wait_for("message", lambda m: m["client_id"] == "bob-0000001", 30)
        heard = time.monotonic() - began
        # Still flooding while Bob was heard.
        refused_during = len([a for a in flood.answers if not a["ok"]])
    finally:
        flood.end()
    assert tries[-1]["ok"], tries
    assert delivered["text"] == "Bob is heard"
    assert acknowledged < BOUND, (acknowledged, tries)
    assert heard < BOUND, (heard, tries)
    assert refused_during > 0
    # Every refusal of the flood said when to try again, and so did its chat_error.
    refusals = [a for a in flood.answers if not a["ok"]]
    assert all(a.get("retry_after", 0) > 0 for a in refusals), refusals[:5]
    errors = [e for client in flooders for e in client.payloads("chat_error")]
    assert errors
    assert all(e["event"] == "send" and e["retry_after"] > 0 for e in errors)
    # The flooder stored its burst and nothing more (two a minute: maybe one more).
    assert 5 <= len([a for a in flood.answers if a["ok"]]) <= 7
    print(
        f"bob: acknowledged {acknowledged:.3f} s, heard {heard:.3f} s, tries {len(tries)};"
        f" flood answers {len(flood.answers)}, refused {len(refusals)}"
    )
