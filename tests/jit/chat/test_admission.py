"""Which sends a process takes in, and the turns it books for those it refuses."""

import itertools

import pytest

from jit.chat import admission
from jit.chat.admission import Admission, Refused


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def fill(gate: Admission, count: int) -> None:
    for _ in range(count):
        gate.enter()


def refusal(gate: Admission, key=None) -> float:
    with pytest.raises(Refused) as refused:
        gate.enter(key)
    return refused.value.retry_after


def full(gate: Admission) -> int:
    """Take new sends in up to the bound; return how many are in."""
    fill(gate, gate.new_send_limit() - gate.in_progress)
    return gate.in_progress


def test_new_sends_are_taken_in_up_to_the_initial_paces_bound_before_any_is_measured(clock):
    gate = Admission(capacity=1000, clock=clock)
    assert gate.rate == admission.INITIAL_RATE
    assert full(gate) == int(admission.INITIAL_RATE * admission.TARGET_WAIT)
    assert refusal(gate, ("alice", "m-0001")) >= admission.MIN_WAIT
    assert gate.in_progress == gate.new_send_limit()  # the refused one was never counted


def complete(gate: Admission, clock: Clock, per_second: int, seconds: float) -> None:
    """Complete ``per_second`` sends a second (each replaced by a new one) for ``seconds``."""
    for _ in range(int(seconds / admission.RATE_WINDOW)):
        for _ in range(int(per_second * admission.RATE_WINDOW)):
            gate.leave()
            gate.enter()
        clock.now += admission.RATE_WINDOW
    gate.leave()
    gate.enter()


def test_the_pace_follows_what_the_process_completes_when_the_bound_refuses(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, 10)
    complete(gate, clock, 1200, 3)
    assert gate.rate > 1000  # more completed than assumed: the pace rises
    # Then 200 a second complete while new sends fill every place the bound gives.
    for _ in range(8):
        for _ in range(int(200 * admission.RATE_WINDOW)):
            gate.leave()
        while True:
            try:
                gate.enter()
            except Refused:
                break
        clock.now += admission.RATE_WINDOW
    gate.leave()
    assert 200 <= gate.rate < 250


def test_a_quiet_spell_does_not_lower_the_pace(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, 10)
    complete(gate, clock, 1200, 3)
    busy = gate.rate
    # Two sends a second for a minute: the process completed all it was given, which
    # says nothing of what it can do; a burst after it is taken in at the same pace.
    complete(gate, clock, 2, 60)
    assert gate.rate == busy
    assert gate.new_send_limit() == int(busy * admission.TARGET_WAIT)


def test_refused_sends_get_turns_one_after_another_at_the_measured_pace(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, admission.FLOOR)
    # 600 sends completed a second: the pace, and so the bound for new sends, grows.
    complete(gate, clock, 600, 1)
    assert gate.rate > admission.INITIAL_RATE
    limit = gate.new_send_limit()
    assert limit == int(gate.rate * admission.TARGET_WAIT)
    fill(gate, limit - gate.in_progress)

    waits = [refusal(gate, ("alice", f"m-{n:04d}")) for n in range(5)]
    assert waits[0] >= admission.MIN_WAIT
    gaps = [later - earlier for earlier, later in itertools.pairwise(waits)]
    assert gaps == pytest.approx([1 / gate.rate] * 4)  # not all at once: one per turn


def test_a_send_back_for_its_turn_goes_in_ahead_of_new_ones(clock):
    gate = Admission(capacity=1000, clock=clock)
    taken = full(gate)
    wait = refusal(gate, ("alice", "m-0001"))
    clock.now += wait
    # The process is as full as before: a new send is refused, the one with its turn
    # is taken in (up to the hard bound).
    refusal(gate, ("bob", "m-0002"))
    gate.enter(("alice", "m-0001"))
    assert gate.in_progress == taken + 1
    # A turn is used once.
    refusal(gate, ("alice", "m-0001"))


def test_a_turn_is_the_senders_own(clock):
    gate = Admission(capacity=1000, clock=clock)
    full(gate)
    clock.now += refusal(gate, ("alice", "m-0001"))
    refusal(gate, ("mallory", "m-0001"))  # the same client id, another sender


def test_a_send_back_too_soon_is_told_the_same_turn(clock):
    gate = Admission(capacity=1000, clock=clock)
    full(gate)
    wait = refusal(gate, ("alice", "m-0001"))
    refusal(gate, ("bob", "m-0002"))
    clock.now += wait / 4
    assert refusal(gate, ("alice", "m-0001")) == pytest.approx(wait * 3 / 4)


def test_a_send_back_too_soon_goes_in_if_there_is_room(clock):
    gate = Admission(capacity=1000, clock=clock)
    taken = full(gate)
    refusal(gate, ("alice", "m-0001"))
    gate.leave()
    gate.enter(("alice", "m-0001"))
    assert gate.in_progress == taken


def test_the_hard_bound_holds_even_for_turns(clock):
    # Room for one send above the bound for new ones.
    gate = Admission(capacity=int(admission.INITIAL_RATE * admission.TARGET_WAIT) + 1, clock=clock)
    full(gate)
    assert gate.in_progress == gate.capacity - 1
    first = refusal(gate, ("alice", "m-0001"))
    second = refusal(gate, ("alice", "m-0002"))
    clock.now += second
    gate.enter(("alice", "m-0001"))
    assert refusal(gate, ("alice", "m-0002")) >= admission.MIN_WAIT  # full: a new turn
    assert first < second


def test_no_turn_is_booked_further_than_the_longest_wait(clock):
    gate = Admission(capacity=1000, clock=clock)
    full(gate)
    # The first turn is MIN_WAIT away, then one every 1 / rate.
    within = int((admission.MAX_WAIT - admission.MIN_WAIT) * gate.rate)
    turns = within + 10
    waits = [refusal(gate, ("alice", f"m-{n:05d}")) for n in range(turns)]
    assert max(waits[:within]) <= admission.MAX_WAIT
    beyond = waits[-5:]
    assert all(admission.MAX_WAIT <= wait < 2 * admission.MAX_WAIT for wait in beyond)
    assert len(set(beyond)) > 1  # drawn: those put off do not all come back together


def test_one_person_holds_at_most_half_of_the_places_without_booking_turns(clock):
    gate = Admission(capacity=1000, clock=clock)
    limit = gate.new_send_limit()
    share = limit // 2
    for number in range(share):
        gate.enter(("mallory", f"m-{number:05d}"), "mallory")
    with pytest.raises(Refused) as refused:
        gate.enter(("mallory", "m-99999"), "mallory")
    assert refused.value.is_own_share
    assert refused.value.retry_after >= admission.MIN_WAIT
    with pytest.raises(Refused):
        gate.enter(None, "mallory")  # a send without a client id is the person's too
    # Others still get in, at once, up to the bound: Mallory's refusals booked no turns.
    for number in range(limit - share):
        gate.enter((f"person-{number}", "m-00001"), f"person-{number}")
    assert gate.in_progress == limit
    assert refusal(gate, ("alice", "m-00001")) == pytest.approx(admission.MIN_WAIT)
    # A send of Mallory's through, another of hers goes in.
    gate.leave("mallory")
    gate.enter(("mallory", "m-99999"), "mallory")
    assert gate.in_progress == limit


def test_a_persons_share_follows_the_bound_and_is_never_below_one(clock):
    gate = Admission(capacity=3, clock=clock)
    gate.enter(("mallory", "m-00001"), "mallory")
    with pytest.raises(Refused) as refused:
        gate.enter(("mallory", "m-00002"), "mallory")
    assert refused.value.is_own_share
    gate.enter(("alice", "m-00001"), "alice")
    gate.enter(("bob", "m-00001"), "bob")
    assert gate.in_progress == 3
    gate.leave("alice")
    gate.leave("mallory")
    gate.enter(("mallory", "m-00002"), "mallory")
    assert gate.in_progress == 2
