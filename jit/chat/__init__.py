"""Live team chat: channels per team over Socket.IO, persisted, authorised per event.

``init_app`` binds the Socket.IO extension (threading mode, Redis message queue when
``JIT_REDIS_URL`` is set) and attaches the ``/chat`` handlers.
"""

from flask import Flask

from jit.extensions import socketio


def init_app(app: Flask) -> None:
    from jit.chat import events, fanout, watch  # noqa: F401  (watch: session hooks)
    from jit.chat.presence import MemoryPresence, RedisPresence

    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        manager = fanout.RedisManager(redis_url, channel="jit-chat")
        presence = RedisPresence(redis_url)
    else:
        manager = fanout.LocalManager()
        presence = MemoryPresence()
    app.extensions["jit_chat_presence"] = presence
    events.register(socketio)

    def allow(origin, environ):
        return events.origin_allowed(origin, {**environ, "flask.app": app})

    socketio.init_app(
        app,
        async_mode="threading",
        client_manager=manager,
        cors_allowed_origins=allow,
        manage_session=True,
        logger=False,
        engineio_logger=False,
        # The browser client uses WebSocket; long-polling stays as a fallback.
        ping_interval=20,
        ping_timeout=20,
        max_http_buffer_size=256 * 1024,
    )
