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


def test_new_sends_are_taken_in_up_to_the_floor_before_any_pace_is_known(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, admission.FLOOR)
    assert gate.in_progress == admission.FLOOR
    assert refusal(gate, ("alice", "m-0001")) >= admission.MIN_WAIT
    assert gate.in_progress == admission.FLOOR  # the refused one was never counted


def test_refused_sends_get_turns_one_after_another_at_the_measured_pace(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, admission.FLOOR)
    # 400 sends completed in a second: the pace, and so the bound for new sends, grows.
    for _ in range(2):
        for _ in range(200):
            gate.leave()
            gate.enter()
        clock.now += admission.RATE_WINDOW
    gate.leave()
    gate.enter()
    assert gate.rate > 300
    limit = gate.new_send_limit()
    assert limit == int(gate.rate * admission.TARGET_WAIT)
    fill(gate, limit - gate.in_progress)

    waits = [refusal(gate, ("alice", f"m-{n:04d}")) for n in range(5)]
    assert waits[0] >= admission.MIN_WAIT
    gaps = [later - earlier for earlier, later in itertools.pairwise(waits)]
    assert gaps == pytest.approx([1 / gate.rate] * 4)  # not all at once: one per turn


def test_a_send_back_for_its_turn_goes_in_ahead_of_new_ones(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, admission.FLOOR)
    wait = refusal(gate, ("alice", "m-0001"))
    clock.now += wait
    # The process is as full as before: a new send is refused, the one with its turn
    # is taken in (up to the hard bound).
    refusal(gate, ("bob", "m-0002"))
    gate.enter(("alice", "m-0001"))
    assert gate.in_progress == admission.FLOOR + 1
    # A turn is used once.
    refusal(gate, ("alice", "m-0001"))


def test_a_turn_is_the_senders_own(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, admission.FLOOR)
    clock.now += refusal(gate, ("alice", "m-0001"))
    refusal(gate, ("mallory", "m-0001"))  # the same client id, another sender


def test_a_send_back_too_soon_is_told_the_same_turn(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, admission.FLOOR)
    wait = refusal(gate, ("alice", "m-0001"))
    refusal(gate, ("bob", "m-0002"))
    clock.now += wait / 4
    assert refusal(gate, ("alice", "m-0001")) == pytest.approx(wait * 3 / 4)


def test_a_send_back_too_soon_goes_in_if_there_is_room(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, admission.FLOOR)
    refusal(gate, ("alice", "m-0001"))
    gate.leave()
    gate.enter(("alice", "m-0001"))
    assert gate.in_progress == admission.FLOOR


def test_the_hard_bound_holds_even_for_turns(clock):
    gate = Admission(capacity=admission.FLOOR + 1, clock=clock)
    fill(gate, admission.FLOOR)
    first = refusal(gate, ("alice", "m-0001"))
    second = refusal(gate, ("alice", "m-0002"))
    clock.now += second
    gate.enter(("alice", "m-0001"))
    assert refusal(gate, ("alice", "m-0002")) >= admission.MIN_WAIT  # full: a new turn
    assert first < second


def test_no_turn_is_booked_further_than_the_longest_wait(clock):
    gate = Admission(capacity=1000, clock=clock)
    fill(gate, admission.FLOOR)
    turns = int(admission.MAX_WAIT * gate.rate) + 10
    waits = [refusal(gate, ("alice", f"m-{n:05d}")) for n in range(turns)]
    assert max(waits[: turns - 20]) <= admission.MAX_WAIT
    beyond = waits[-5:]
    assert all(admission.MAX_WAIT <= wait < 2 * admission.MAX_WAIT for wait in beyond)
    assert len(set(beyond)) > 1  # drawn: those put off do not all come back together


def test_one_person_holds_at_most_half_of_the_places_without_booking_turns(clock):
    gate = Admission(capacity=1000, clock=clock)
    share = admission.FLOOR // 2
    for number in range(share):
        gate.enter(("mallory", f"m-{number:05d}"), "mallory")
    with pytest.raises(Refused) as refused:
        gate.enter(("mallory", "m-99999"), "mallory")
    assert refused.value.is_own_share
    assert refused.value.retry_after >= admission.MIN_WAIT
    with pytest.raises(Refused):
        gate.enter(None, "mallory")  # a send without a client id is the person's too
    # Others still get in, at once, up to the bound: Mallory's refusals booked no turns.
    for number in range(admission.FLOOR - share):
        gate.enter((f"person-{number}", "m-00001"), f"person-{number}")
    assert gate.in_progress == admission.FLOOR
    assert refusal(gate, ("alice", "m-00001")) == pytest.approx(admission.MIN_WAIT)
    # A send of Mallory's through, another of hers goes in.
    gate.leave("mallory")
    gate.enter(("mallory", "m-99999"), "mallory")
    assert gate.in_progress == admission.FLOOR


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
