"""Who is connected to a team's chat right now: in memory, or in Redis across processes.

A person is online while at least one of their connections is open; the registry
counts connections so a second tab closing does not mark them away.
"""

import threading
from collections import defaultdict

import redis


class MemoryPresence:
    def __init__(self):
        self._lock = threading.Lock()
        self._connections: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    def arrive(self, team_id: int, user_id: int) -> bool:
        """Count a new connection; return whether the person just came online."""
        with self._lock:
            self._connections[team_id][user_id] += 1
            return self._connections[team_id][user_id] == 1

    def leave(self, team_id: int, user_id: int) -> bool:
        """Count a closed connection; return whether the person just went offline."""
        with self._lock:
            team = self._connections[team_id]
            team[user_id] -= 1
            if team[user_id] <= 0:
                del team[user_id]
                return True
            return False

    def online(self, team_id: int) -> set[int]:
        with self._lock:
            return set(self._connections[team_id])


class RedisPresence:
    """Connection counts in one Redis hash per team, shared by every server process.

    A process that dies without closing its sockets leaves its counts behind until
    the hash expires (a day after the last change); see docs/operations.md.
    """

    TTL_SECONDS = 24 * 3600

    def __init__(self, url: str, prefix: str = "jit:chat:presence:"):
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def _key(self, team_id: int) -> str:
        return f"{self._prefix}{team_id}"

    def arrive(self, team_id: int, user_id: int) -> bool:
        pipe = self._redis.pipeline()
        pipe.hincrby(self._key(team_id), str(user_id), 1)
        pipe.expire(self._key(team_id), self.TTL_SECONDS)
        count, _ = pipe.execute()
        return count == 1

    def leave(self, team_id: int, user_id: int) -> bool:
        count = self._redis.hincrby(self._key(team_id), str(user_id), -1)
        if count <= 0:
            self._redis.hdel(self._key(team_id), str(user_id))
            return True
        return False

    def online(self, team_id: int) -> set[int]:
        return {int(user_id) for user_id in self._redis.hkeys(self._key(team_id))}

    def close(self) -> None:
        self._redis.close()
