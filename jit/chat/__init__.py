"""Live team chat: channels per team over Socket.IO, persisted, authorised per event.

``init_app`` binds the Socket.IO extension (threading mode, Redis message queue when
``JIT_REDIS_URL`` is set), attaches the ``/chat`` handlers, and gives the app its send
rate limiter and its group-commit writer. No other namespace accepts a connection, and
the Socket.IO responses carry the pages' security headers.
"""

import functools

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from jit.extensions import socketio
from jit.web import SecurityHeadersMiddleware, UncompressedWebSockets

# Flask-SocketIO's default path, where the Engine.IO transports are served.
SOCKET_IO_PATH = "socket.io"


def init_app(app: Flask) -> None:
    from jit import signals
    from jit.chat import closeout, events, fanout, watch  # noqa: F401  (watch: session hooks)
    from jit.chat.event_threads import EventThreads, run_events_in
    from jit.chat.presence import MemoryPresence, RedisPresence
    from jit.chat.ratelimit import event_limiter_for, limiter_for
    from jit.chat.record import openable_chat
    from jit.chat.search_kinds import search_kinds
    from jit.chat.writer import GroupWriter

    signals.search_kinds.connect(search_kinds)

    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        manager = fanout.RedisManager(redis_url, channel="jit-chat")
        presence = RedisPresence(redis_url)
    else:
        manager = fanout.LocalManager()
        presence = MemoryPresence()
    app.extensions["jit_chat_presence"] = presence
    app.extensions["jit_chat_rate_limiter"] = limiter_for(app.config)
    app.extensions["jit_chat_event_limiter"] = event_limiter_for(app.config)
    app.extensions["jit_chat_writer"] = GroupWriter(
        app,
        app.config["CHAT_SEND_QUEUE"],
        deliver=events.broadcast_messages,
        answer=events.answer_send,
    )
    events.register(socketio)
    signals.record_visibility.connect(openable_chat)
    signals.closeout_payload.connect(closeout.closeout_payload)

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
        # Only the chat exists: python-socketio would otherwise accept anyone on "/".
        namespaces=[fanout.NAMESPACE],
        path=SOCKET_IO_PATH,
    )
    if app.config["CHAT_EVENT_THREADS"] < 1:
        raise ValueError("JIT_CHAT_EVENT_THREADS must be at least 1.")
    threads = app.extensions["jit_chat_event_threads"] = EventThreads(
        app.config["CHAT_EVENT_THREADS"]
    )
    # Each chat connection's person, by its sid, for the sends' screen (events.screen_send).
    app.extensions["jit_chat_people"] = {}
    run_events_in(socketio.server, threads, screen=functools.partial(events.screen_send, app))
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = events.ConnectionSessions()
    app.wsgi_app = SecurityHeadersMiddleware(
        UncompressedWebSockets(app.wsgi_app, f"/{SOCKET_IO_PATH}/"), f"/{SOCKET_IO_PATH}/"
    )
