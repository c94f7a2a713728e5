"""Room names, and Socket.IO client managers that can drop a person on every process.

Messages reach a channel's room on every server process through the client manager:
in memory for one process, Redis (``JIT_REDIS_URL``) for several. Dropping a person
whose membership ended must also reach every process, but python-socketio can only
look up the connections in a room on the process that holds them. Closing a room is
the one room operation that python-socketio propagates to every process, so a
revocation is sent as ``close_room("revoke:<room>")``; each process's manager then
tells its own connections in ``<room>`` that their access ended and disconnects them.
"""

import socketio

from jit.chat import access_cache
from jit.extensions import socketio as socketio_extension

NAMESPACE = "/chat"
_REVOKE = "revoke:"


def channel_room(channel_id: int) -> str:
    return f"channel:{channel_id}"


def team_room(team_id: int) -> str:
    return f"team:{team_id}"


def member_room(team_id: int, user_id: int) -> str:
    """Every connection of one person to one team's chat."""
    return f"member:{team_id}:{user_id}"


def user_room(user_id: int) -> str:
    """Every chat connection of one person, whatever the team."""
    return f"user:{user_id}"


def sign_in_room(user_session_id: int) -> str:
    """Every chat connection opened with one sign-in (one browser's session)."""
    return f"sign-in:{user_session_id}"


def revoke(room: str, reason: str) -> None:
    """Tell every connection in ``room``, on every process, that access ended; drop them."""
    access_cache.forget_all()
    if socketio_extension.server is None:
        return
    socketio_extension.server.manager.close_room(f"{_REVOKE}{reason}|{room}", NAMESPACE)


def _split(room: str) -> tuple[str, str] | None:
    if not isinstance(room, str) or not room.startswith(_REVOKE):
        return None
    reason, _, target = room.removeprefix(_REVOKE).partition("|")
    return reason, target


class _Revoking:
    """Turn ``close_room("revoke:…")`` into: notify and disconnect this process's sockets."""

    def _revoke_here(self, namespace: str, reason: str, room: str) -> None:
        access_cache.forget_all()  # before anything: the next event loads access afresh
        sids = [sid for sid, _ in self.get_participants(namespace, room)]
        if not sids:
            return
        socketio.Manager.emit(self, "access_revoked", {"reason": reason}, namespace, room=room)
        for sid in sids:
            self.server.disconnect(sid, namespace=namespace, ignore_queue=True)


class LocalManager(_Revoking, socketio.Manager):
    """One process: rooms in memory."""

    def close_room(self, room, namespace):
        revocation = _split(room)
        if revocation is None:
            return super().close_room(room, namespace)
        return self._revoke_here(namespace or "/", *revocation)


class RedisManager(_Revoking, socketio.RedisManager):
    """Several processes sharing rooms through Redis pub/sub."""

    def _handle_close_room(self, message):
        revocation = _split(message.get("room"))
        if revocation is None:
            return super()._handle_close_room(message)
        return self._revoke_here(message.get("namespace") or "/", *revocation)
