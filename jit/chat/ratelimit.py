"""How fast one person may send chat messages: a token bucket per person.

A person may send ``burst`` messages at once, then ``messages`` per ``seconds``
sustained, across all their tabs. One process keeps the buckets in memory; with
``JIT_REDIS_URL`` they live in Redis so every server process counts the same sends.
A refused send is told how long to wait, never dropped silently.
"""

import threading
import time

import redis


class SendRate:
    """The limit: ``messages`` per ``seconds`` sustained, ``burst`` at once."""

    def __init__(self, messages: int, seconds: int, burst: int):
        self.is_limited = messages > 0 and seconds > 0
        self.per_second = messages / seconds if self.is_limited else 0.0
        self.burst = max(burst, 1)
        self.messages, self.seconds = messages, seconds

    def describe(self) -> str:
        """Say the limit in words, e.g. "10 messages in 5 s, or 20 at once"."""
        noun = "message" if self.messages == 1 else "messages"
        return f"{self.messages} {noun} in {self.seconds} s, or {self.burst} at once"


class MemoryLimiter:
    """Buckets in this process's memory (one server process)."""

    # Buckets that have refilled completely are forgotten when there are this many.
    _PRUNE_AT = 10_000

    def __init__(self, rate: SendRate, clock=time.monotonic):
        self.rate = rate
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[int, tuple[float, float]] = {}  # user id -> (tokens, at)

    def take(self, user_id: int) -> float:
        """Spend one send of ``user_id``'s; return 0, or the seconds to wait when refused."""
        if not self.rate.is_limited:
            return 0.0
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(user_id, (self.rate.burst, now))
            tokens = min(self.rate.burst, tokens + (now - at) * self.rate.per_second)
            if tokens >= 1:
                self._buckets[user_id] = (tokens - 1, now)
                if len(self._buckets) > self._PRUNE_AT:
                    self._prune(now)
                return 0.0
            self._buckets[user_id] = (tokens, now)
            return (1 - tokens) / self.rate.per_second

    def give_back(self, user_id: int) -> None:
        """Return one send taken by :meth:`take` that turned out to cost nothing (a resend
        of a stored message); never above the burst."""
        if not self.rate.is_limited:
            return
        with self._lock:
            bucket = self._buckets.get(user_id)
            if bucket is not None:
                tokens, at = bucket
                self._buckets[user_id] = (min(self.rate.burst, tokens + 1), at)

    def _prune(self, now: float) -> None:
        full = [
            user_id
            for user_id, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate.per_second >= self.rate.burst
        ]
        for user_id in full:
            del self._buckets[user_id]


# Redis runs the bucket arithmetic itself, on its own clock, so processes (and their
# clocks) never race: KEYS[1] the bucket, ARGV per second, burst. Returns 0 when the
# send may go, else the milliseconds to wait.
_TAKE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now_ms
tokens = math.min(burst, tokens + math.max(0, now_ms - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now_ms)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return wait
"""


# KEYS[1] the bucket, ARGV burst: one token back, never above the burst; the refill
# time stays, so the arithmetic of _TAKE goes on from there.
_GIVE_BACK = """
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
if tokens then
  redis.call('HSET', KEYS[1], 'tokens', tostring(math.min(tonumber(ARGV[1]), tokens + 1)))
end
return 0
"""


class RedisLimiter:
    """Buckets in Redis, shared by every server process."""

    def __init__(self, rate: SendRate, url: str, prefix: str = "jit:chat:rate:"):
        self.rate = rate
        self._redis = redis.Redis.from_url(url)
        self._take = self._redis.register_script(_TAKE)
        self._give_back = self._redis.register_script(_GIVE_BACK)
        self._prefix = prefix

    def take(self, user_id: int) -> float:
        """Spend one send of ``user_id``'s; return 0, or the seconds to wait when refused."""
        if not self.rate.is_limited:
            return 0.0
        wait_ms = self._take(
            keys=[f"{self._prefix}{user_id}"], args=[self.rate.per_second, self.rate.burst]
        )
        return int(wait_ms) / 1000

    def give_back(self, user_id: int) -> None:
        """Return one send taken by :meth:`take` (see :meth:`MemoryLimiter.give_back`)."""
        if self.rate.is_limited:
            self._give_back(keys=[f"{self._prefix}{user_id}"], args=[self.rate.burst])

    def close(self) -> None:
        self._redis.close()


def limiter_for(config) -> MemoryLimiter | RedisLimiter:
    """Return the limiter of sends (and edits, retractions) an app's settings ask for."""
    rate = SendRate(
        config["CHAT_RATE_MESSAGES"], config["CHAT_RATE_SECONDS"], config["CHAT_RATE_BURST"]
    )
    if config.get("REDIS_URL"):
        return RedisLimiter(rate, config["REDIS_URL"])
    return MemoryLimiter(rate)


def event_limiter_for(config) -> MemoryLimiter | RedisLimiter:
    """Return the limiter of a person's other chat requests (joins, history, read marks,
    typing, exhibit look-ups): the same buckets, with their own allowance and keys.

    Each of those costs the server a query, a write under the write lock (a read mark)
    or a packet to every member of the room (typing), and none writes a message; the
    page makes a few a minute. Without a bound, one member's script could fill the
    server with them, at every other member's expense.
    """
    rate = SendRate(config["CHAT_EVENT_RATE"], 1, config["CHAT_EVENT_BURST"])
    if config.get("REDIS_URL"):
        return RedisLimiter(rate, config["REDIS_URL"], prefix="jit:chat:events:")
    return MemoryLimiter(rate)
