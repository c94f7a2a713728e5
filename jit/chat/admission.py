"""Which chat sends a process takes in, and when a refused one should come back.

Past what it can store and deliver, a server can only refuse. How it refuses decides
whether overload degrades or collapses. With a fixed ``retry_after`` (1 to 2 s) the
refused senders came back in a crowd, met a queue kept full by new sends, were refused
again, and the refusals themselves (a thread and two packets each) took the CPU the
stores needed: at twice the knee, one process stored a quarter of what it stored at the
knee, and 64 % of the messages never arrived (benchmarks/chat/README.md, session 19).

So a refusal books a **turn**, as a ticket machine does. The process counts the sends it
completes each second; each refused send gets the next free turn at that pace, and its
``retry_after`` is the time until that turn. A send that comes back for its turn is
taken in ahead of new sends (below); a new send only while fewer are in than the
process completes in ``TARGET_WAIT`` (at least ``FLOOR``), which keeps the wait of those
taken in short. Each message is refused about once, the process keeps completing what
it can, and the wait grows with the backlog instead of the backlog feeding itself.

The pace is measured every ``RATE_WINDOW``; until the process has measured itself under
load it is ``INITIAL_RATE``. It is lowered only by a window in which the bound refused a
send: when fewer came than the process completes, the completions say what was asked of
it, not what it can do. It used to start at, and fall back to, 50 a second after any
quiet spell; a burst into such a process had its refusals booked 20 ms apart, seconds
out (several runs that then collapsed had refused 135–276 sends in their first second:
benchmarks/chat/README.md, session 31). A send that comes back for its turn is taken in
up to twice the bound for new sends, and never past ``capacity`` (the hard bound): a
pace measured too high cannot draw every thread into waiting.

Turns are kept per process, in memory, keyed by the sender and the message's client id
(a client sends a refused message again under the same id). A turn not used within
``FORGET_AFTER`` is forgotten; the sender is then treated as new.

One person holds at most half of the places open to a send (``PERSON_SHARE``), however
many connections they send from. Beyond it their send is refused without a turn: their
own sends hold the places, and a turn booked for each of a flood's refusals pushed every
other person's turn seconds out (tests/jit/chat/test_flood.py). The page sends one
message at a time, so a person writing in it never meets this share.
"""

import random
import threading
import time
from collections.abc import Callable, Hashable

# A new send is taken in while fewer than (completions per second x this) are in. (A
# quarter of a second before session 31: more refusals near the capacity, and each one
# costs the process what the sends it completes need.)
TARGET_WAIT = 0.5
# ... and never fewer than this, so a burst after a quiet spell is not refused.
FLOOR = 50
# Completions per second assumed until the process has measured itself under load.
INITIAL_RATE = 400.0
# The measured pace is never taken below this.
RATE_FLOOR = 50.0
# How often the completion rate is measured, in seconds.
RATE_WINDOW = 0.5
# The soonest a refused send is told to come back, in seconds.
MIN_WAIT = 0.1
# No turn further away than this: past it, the sender waits this long (and a little
# more, drawn, so that they do not all come back together) and then asks as a new send.
MAX_WAIT = 60.0
# A turn not used this long after it came is forgotten.
FORGET_AFTER = 60.0
# The most turns remembered (a turn is a few hundred bytes).
MAX_TURNS = 100_000
# A send may come back this much before its turn (timers round; a client's clock runs).
EARLY = 0.05
# The part of the places open to a send that one person's sends may hold at once.
PERSON_SHARE = 0.5


class Refused(Exception):
    """Not taken in now; come back after ``retry_after`` seconds.

    ``is_own_share`` when the sender's own sends hold their share of the places.
    """

    def __init__(self, retry_after: float, *, is_own_share: bool = False):
        super().__init__(retry_after)
        self.retry_after = retry_after
        self.is_own_share = is_own_share


class Admission:
    """The count of sends in, the measured pace, and the booked turns."""

    def __init__(self, capacity: int, clock: Callable[[], float] = time.monotonic):
        self.capacity = capacity
        self._clock = clock
        self._lock = threading.Lock()
        self._in = 0
        self._in_by_person: dict[Hashable, int] = {}
        self._turns: dict[Hashable, float] = {}
        self._last_turn = clock()
        self._rate = INITIAL_RATE
        self._completed = 0
        self._measured_at = clock()
        # Whether the bound refused a new send since the pace was last measured.
        self._was_full = False

    @property
    def in_progress(self) -> int:
        return self._in

    @property
    def rate(self) -> float:
        """Sends completed per second, as last measured."""
        return self._rate

    def new_send_limit(self) -> int:
        """How many may be in when a new send (one without a turn) is taken in."""
        return min(self.capacity, max(FLOOR, int(self._rate * TARGET_WAIT)))

    def enter(self, key: Hashable | None = None, person: Hashable | None = None) -> None:
        """Take a send in, or raise :class:`Refused` with the time until its turn.

        ``key`` names the message (sender and client id); without one, a refusal books
        a turn no one can claim, so those with keys still come back at a sound pace.
        ``person``, the sender, holds at most their share of the places; pass the same
        to :meth:`leave`.
        """
        now = self._clock()
        with self._lock:
            turn = self._turns.get(key) if key is not None else None
            has_turn = turn is not None and now >= turn - EARLY
            limit = self.new_send_limit()
            if has_turn:
                # Up to twice the bound for new sends, never past the hard bound: a
                # pace that came out too high cannot draw every thread into waiting.
                limit = min(self.capacity, 2 * limit)
            if person is not None:
                held = self._in_by_person.get(person, 0)
                if held >= max(1, int(limit * PERSON_SHARE)):
                    # No turn: the person's own sends hold the places, and come out at
                    # the pace the process completes sends.
                    raise Refused(max(MIN_WAIT, held / self._rate), is_own_share=True)
            if self._in < limit:
                if turn is not None:
                    del self._turns[key]
                self._in += 1
                if person is not None:
                    self._in_by_person[person] = self._in_by_person.get(person, 0) + 1
                return
            self._was_full = True
            if turn is not None and not has_turn:
                raise Refused(turn - now)  # back too soon: the same turn
            raise Refused(self._book(key, now) - now)

    def leave(self, person: Hashable | None = None) -> None:
        """A send taken in is through (stored, refused later, or failed)."""
        now = self._clock()
        with self._lock:
            self._in -= 1
            if person is not None:
                held = self._in_by_person.pop(person) - 1
                if held:
                    self._in_by_person[person] = held
            self._completed += 1
            elapsed = now - self._measured_at
            if elapsed >= RATE_WINDOW:
                measured = self._completed / elapsed
                if measured > self._rate or self._was_full:
                    # Half the last measure, half this one: steady under a steady load,
                    # following a change within a few windows.
                    self._rate = max(RATE_FLOOR, (self._rate + measured) / 2)
                # Else fewer came than the process completes: what it completed says
                # what was asked of it, not what it can do, and the pace stays.
                self._completed, self._measured_at, self._was_full = 0, now, False

    def _book(self, key: Hashable | None, now: float) -> float:
        turn = max(now + MIN_WAIT, self._last_turn + 1 / self._rate)
        if turn - now > MAX_WAIT:
            return now + MAX_WAIT * (1 + random.random())  # noqa: S311 (not a secret)
        self._last_turn = turn
        if key is not None:
            if len(self._turns) >= MAX_TURNS:
                self._forget(now)
            if len(self._turns) < MAX_TURNS:
                self._turns[key] = turn
        return turn

    def _forget(self, now: float) -> None:
        for key in [k for k, turn in self._turns.items() if turn < now - FORGET_AFTER]:
            del self._turns[key]
