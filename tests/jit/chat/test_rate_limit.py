"""A person sending too fast is told to wait, with a time to retry; nobody else waits."""

import time

import pytest
from sqlalchemy import func, select

from jit.chat.models import Message
from jit.chat.ratelimit import MemoryLimiter, RedisLimiter, SendRate
from jit.extensions import db
from tests.jit.chat.conftest import ack, events


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_bucket_allows_the_burst_then_the_sustained_rate():
    clock = FakeClock()
    limiter = MemoryLimiter(SendRate(messages=10, seconds=5, burst=20), clock=clock)
    assert [limiter.take(7) for _ in range(20)] == [0.0] * 20
    assert limiter.take(7) == pytest.approx(0.5)  # 2 a second: the next token in 0.5 s
    assert limiter.take(8) == 0.0  # another person has their own bucket
    clock.now += 0.5
    assert limiter.take(7) == 0.0
    assert limiter.take(7) == pytest.approx(0.5)
    clock.now += 60  # a long pause refills the burst, never more
    assert [limiter.take(7) for _ in range(21)][-2:] == [0.0, pytest.approx(0.5)]


def test_a_send_given_back_is_spent_again_never_above_the_burst():
    clock = FakeClock()
    limiter = MemoryLimiter(SendRate(messages=1, seconds=10, burst=2), clock=clock)
    limiter.give_back(7)  # nothing taken yet: nothing to give back
    assert [limiter.take(7), limiter.take(7)] == [0.0, 0.0]
    assert limiter.take(7) > 0
    limiter.give_back(7)
    assert limiter.take(7) == 0.0
    assert limiter.take(7) > 0
    for _ in range(5):
        limiter.give_back(7)
    assert [limiter.take(7), limiter.take(7)] == [0.0, 0.0]  # the burst, not five
    assert limiter.take(7) > 0


def test_no_limit_when_the_rate_is_zero():
    limiter = MemoryLimiter(SendRate(messages=0, seconds=5, burst=1))
    assert all(limiter.take(1) == 0.0 for _ in range(100))


def test_redis_buckets_are_shared_by_every_process(redis_url):
    rate = SendRate(messages=1, seconds=10, burst=3)
    prefix = f"jit:test:rate:{time.monotonic_ns()}:"
    first, second = RedisLimiter(rate, redis_url, prefix), RedisLimiter(rate, redis_url, prefix)
    try:
        assert [first.take(5), second.take(5), first.take(5)] == [0.0, 0.0, 0.0]
        wait = second.take(5)
        assert 9.0 < wait <= 10.0  # one message in 10 s: the next token is ~10 s away
        assert first.take(6) == 0.0
        first.give_back(5)  # one back, seen by the other process
        assert second.take(5) == 0.0
        assert second.take(5) > 9.0
        for _ in range(5):
            second.give_back(6)
        assert [first.take(6), first.take(6), first.take(6)] == [0.0, 0.0, 0.0]  # the burst
        assert first.take(6) > 9.0
    finally:
        first.close()
        second.close()


@pytest.fixture
def app_config(app_config):
    return app_config | {
        "CHAT_RATE_MESSAGES": 2,
        "CHAT_RATE_SECONDS": 60,
        "CHAT_RATE_BURST": 5,
        "CHAT_EVENT_RATE": 1,
        "CHAT_EVENT_BURST": 6,
    }


def _send(sio, channel, client_id, body="hello"):
    return ack(sio, "send", {"channel": channel, "client_id": client_id, "body": body})


def test_a_flood_is_refused_with_a_retry_time_while_others_still_talk(chat_team, connect):
    alice = connect(chat_team.nl, chat_team.code)
    bob = connect(chat_team.de, chat_team.code)
    for sio in (alice, bob):
        assert ack(sio, "join", {"channel": chat_team.general.id})["ok"]
        events(sio)
    channel = chat_team.general.id
    answers = [_send(alice, channel, f"flood-{n:05d}") for n in range(8)]
    assert [a["ok"] for a in answers] == [True] * 5 + [False] * 3
    refused = answers[5]
    assert 25 < refused["retry_after"] <= 30  # 2 a minute: the next one in ~30 s
    assert "faster than this workspace allows" in refused["error"]
    errors = events(alice, "chat_error")
    assert len(errors) == 3
    assert errors[0]["event"] == "send"
    assert errors[0]["retry_after"] == refused["retry_after"]
    # The other sender is not held up by the flood.
    began = time.monotonic()
    answer = _send(bob, channel, "bob-00001", "still here")
    assert answer["ok"]
    assert time.monotonic() - began < 1.0
    assert [m["text"] for m in events(alice, "message")][-1] == "still here"
    # A refused send stored nothing and used no number.
    assert db.session.scalar(select(func.count()).select_from(Message)) == 6
    assert answer["seq"] == 6


def test_a_resend_of_a_stored_message_costs_nothing(chat_team, connect):
    alice = connect(chat_team.nl, chat_team.code)
    channel = chat_team.general.id
    first = _send(alice, channel, "resent-0001")
    for _ in range(10):
        again = _send(alice, channel, "resent-0001")
        assert again["ok"]
        assert again["duplicate"]
        assert again["id"] == first["id"]
    assert all(_send(alice, channel, f"more-{n:05d}")["ok"] for n in range(4))


def test_a_resend_is_answered_when_the_person_is_at_their_limit(chat_team, connect, make_team):
    from jit.chat.services import channels_of
    from jit.teams.access import team_access_for

    other = make_team(code="OTHER-TEAM")
    foreign = channels_of(team_access_for(other.memberships[0].user, other.code))[0].id
    alice = connect(chat_team.nl, chat_team.code)
    channel = chat_team.general.id
    sent = [_send(alice, channel, f"limit-{n:05d}") for n in range(5)]  # the burst of 5
    assert all(answer["ok"] for answer in sent)
    refused = _send(alice, channel, "limit-00005")
    assert not refused["ok"]
    assert refused["retry_after"] > 0
    again = _send(alice, channel, "limit-00002")
    assert again["ok"]
    assert again["duplicate"]
    assert again["id"] == sent[2]["id"]
    # Refused as the writer refuses: another team's channel, a client id used elsewhere.
    assert _send(alice, foreign, "limit-00002")["error"] == "There is no such channel in this team."
    assert db.session.scalar(select(func.count()).select_from(Message)) == 5


def test_edits_and_retractions_count_against_the_same_allowance(chat_team, connect):
    alice = connect(chat_team.nl, chat_team.code)
    channel = chat_team.general.id
    sent = _send(alice, channel, "edit-me-0001", "first")  # 1 of the burst of 5
    for number in range(4):
        edited = ack(alice, "edit", {"message": sent["id"], "body": f"edit {number}"})
        assert edited["ok"], edited
    refused = ack(alice, "retract", {"message": sent["id"]})
    assert not refused["ok"]
    assert refused["retry_after"] > 0
    again = ack(alice, "edit", {"message": sent["id"], "body": "one edit too many"})
    assert not again["ok"]
    assert again["retry_after"] > 0
    assert db.session.get(Message, sent["id"]).body == "edit 3"
    assert db.session.get(Message, sent["id"]).retracted_at is None


def test_other_requests_beyond_the_allowance_are_refused_before_any_work(
    app, chat_team, connect, monkeypatch
):
    """Typing reaches every member of the room and a read mark takes the write lock: a
    member's script sending them in a loop is refused with a time to wait, before the
    database, while another member's requests and messages still go."""
    from sqlalchemy import event as sa_event

    # The allowance's clock stands still until the test moves it: at one request a
    # second, a slow machine would otherwise refill a request in the middle (CI did).
    now = [1000.0]
    monkeypatch.setattr(app.extensions["jit_chat_event_limiter"], "_clock", lambda: now[0])
    alice = connect(chat_team.nl, chat_team.code)
    bob = connect(chat_team.de, chat_team.code)
    channel = chat_team.general.id
    for sio in (alice, bob):
        assert ack(sio, "join", {"channel": channel})["ok"]  # 1 of the burst of 6
        events(sio)
    answers = [ack(alice, "typing", {"channel": channel}) for _ in range(5)]
    assert all(a["ok"] for a in answers)
    assert len(events(bob, "typing")) == 5
    statements = []

    def executed(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", executed)
    try:
        refused = [
            ack(alice, "typing", {"channel": channel}),
            ack(alice, "read", {"channel": channel, "seq": 0}),
            ack(alice, "history", {"channel": channel}),
            ack(alice, "exhibits", {"refs": ["NL-0001"]}),
        ]
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", executed)
    assert statements == []
    for answer in refused:
        assert not answer["ok"]
        assert 0 < answer["retry_after"] <= 1.0  # one a second: the next in under a second
        assert "Too many chat requests at once (1 a second, or 6 at once)" in answer["error"]
    errors = events(alice, "chat_error")
    assert [e["event"] for e in errors] == ["typing", "read", "history", "exhibits"]
    assert all(e["retry_after"] > 0 for e in errors)
    assert events(bob, "typing") == []  # the refused typing reached no one
    # Another member's allowance is their own, and messages have theirs.
    assert ack(bob, "typing", {"channel": channel})["ok"]
    assert _send(alice, channel, "after-flood-1")["ok"]
    # The allowance refills: after the wait, the request goes.
    assert not ack(alice, "history", {"channel": channel})["ok"]
    now[0] += refused[-1]["retry_after"] + 0.05
    assert ack(alice, "history", {"channel": channel})["ok"]


def test_no_limit_on_other_requests_when_their_rate_is_zero(app, chat_team, connect):
    from jit.chat.ratelimit import event_limiter_for

    app.extensions["jit_chat_event_limiter"] = event_limiter_for(
        {"CHAT_EVENT_RATE": 0, "CHAT_EVENT_BURST": 1}
    )
    alice = connect(chat_team.nl, chat_team.code)
    channel = chat_team.general.id
    assert all(ack(alice, "typing", {"channel": channel})["ok"] for _ in range(30))


def test_other_requests_and_sends_keep_separate_buckets_in_redis(redis_url):
    """Across processes the two allowances live in Redis under their own keys: a person
    whose requests are spent may still send, and the other way round."""
    from jit.chat.ratelimit import event_limiter_for, limiter_for

    config = {
        "REDIS_URL": redis_url,
        "CHAT_RATE_MESSAGES": 1,
        "CHAT_RATE_SECONDS": 60,
        "CHAT_RATE_BURST": 1,
        "CHAT_EVENT_RATE": 1,
        "CHAT_EVENT_BURST": 2,
    }
    person = f"person-{time.monotonic_ns()}"
    sends, requests, elsewhere = (
        limiter_for(config),
        event_limiter_for(config),
        event_limiter_for(config),  # another server process's
    )
    try:
        assert [requests.take(person), elsewhere.take(person)] == [0.0, 0.0]
        assert 0 < requests.take(person) <= 1.0  # the burst of 2 is spent in both
        assert sends.take(person) == 0.0  # the send allowance is untouched
        assert sends.take(person) > 50
        time.sleep(1.05)
        assert elsewhere.take(person) == 0.0  # refilled, one a second
    finally:
        for limiter in (sends, requests, elsewhere):
            limiter.close()
