"""Socket.IO handlers of the ``/chat`` namespace: thin, like views.

A connection belongs to one team (named in the connect ``auth``). The connect and
every later event load the person's access again through
:func:`jit.teams.access.team_access_for` (an event may use the answer of one less than
a second old, until anything changes: :mod:`jit.chat.access_cache`), so a membership
that ended mid-session stops the next event; :mod:`jit.chat.watch` also drops such
connections at once. Each event
answers through its acknowledgement (``{"ok": true, …}`` or ``{"ok": false, "error"}``);
a refused event also sends ``chat_error`` to that connection only, stores nothing, and
leaves the connection open.
"""

import contextlib
import functools
import logging

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room
from socketio import packet
from sqlalchemy.exc import IntegrityError

from jit.accounts import sessions
from jit.chat import access_cache, exhibits, fanout, reading, services
from jit.chat.event_threads import RunHere
from jit.chat.services import ChatError
from jit.clock import utcnow
from jit.extensions import db, socketio
from jit.inputs import holds_nul, nul_message
from jit.permissions import Permission
from jit.teams.access import TeamAccess, team_access_for, team_access_for_session

log = logging.getLogger(__name__)

_SESSION_KEY = "chat_team"
_CONNECTION_KEY = "chat_connection"  # [team id, user id], for presence when it closes


class AccessEnded(Exception):
    """The person is no longer allowed in this team's chat."""


def origin_allowed(origin: str | None, environ: dict) -> bool:
    """Accept a socket only from this workspace's own pages (or configured origins).

    Browsers always send ``Origin`` on WebSocket and cross-site requests; a request
    without one is not a cross-site page and still needs the session cookie.
    """
    if not origin:
        return True
    app = environ.get("flask.app") or current_app
    extra = {o.strip().rstrip("/") for o in app.config["CHAT_ALLOWED_ORIGINS"].split(",")}
    host = environ.get("HTTP_HOST", "")
    schemes = {environ.get("wsgi.url_scheme", "http")}
    hosts = {host}
    if app.config["TRUSTED_PROXIES"]:
        forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip()
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[-1].strip()
        schemes |= {forwarded_proto} if forwarded_proto else set()
        hosts |= {forwarded_host} if forwarded_host else set()
    own = {f"{scheme}://{name}" for scheme in schemes for name in hosts if name}
    return origin.rstrip("/") in (own | extra) - {""}


class ConnectionSessions(SecureCookieSessionInterface):
    """The signed-cookie session, not decoded again for every Socket.IO event.

    Flask-SocketIO (``manage_session=True``) gives each connection a session of its own,
    copied from the cookie at connect and kept in the connection's WSGI environ
    (``saved_session``); every event's request context then uses that. But Flask opens
    the session from the cookie each time a request context is pushed, so each event
    decoded and verified the cookie only to have the result replaced: 3 % of the
    server's busiest thread at a busy channel's rate (benchmarks/chat/README.md,
    session 20). Once the connection has its session, this hands Flask that one.

    Only the server puts ``saved_session`` in an environ (headers arrive as ``HTTP_…``
    keys), so a request cannot choose it. Sign-in state is not trusted from it alone:
    each event checks the sign-in session against the database (:func:`_access`).
    """

    def open_session(self, app, request):
        kept = request.environ.get("saved_session")
        if kept is not None:
            return kept
        return super().open_session(app, request)


def _reload_person() -> None:
    """Load the signed-in person afresh for this event (not from an outer context's cache)."""
    g.pop("_login_user", None)


def _access() -> TeamAccess:
    """The person's access for this event (account and membership, one query; see
    :mod:`jit.chat.access_cache` for how long an answer is kept)."""
    _reload_person()
    code = session.get(_SESSION_KEY)
    access = None
    if isinstance(code, str):
        key = (session.get("_user_id"), session.get(sessions.KEY), code)
        access = access_cache.recall(key)
        if access is None:
            started = access_cache.begin()
            access = team_access_for_session(*key)
            if access is not None:
                access = access_cache.remember(key, started, access)
    if access is None or not access.can(Permission.CHAT):
        raise AccessEnded
    g._login_user = access.user  # what current_user answers for the rest of this event
    return access


def _refuse(event: str, reason: str, retry_after: float | None = None) -> dict:
    """Tell this connection why ``event`` was refused (and when to try again, if it may)."""
    error, answer = _refusal(event, reason, retry_after)
    socketio.emit("chat_error", error, to=request.sid, namespace=fanout.NAMESPACE)
    return answer


def _refusal(event: str, reason: str, retry_after: float | None) -> tuple[dict, dict]:
    """A refusal's ``chat_error`` payload and its acknowledgement."""
    details = {} if retry_after is None else {"retry_after": round(retry_after, 3)}
    return {"event": event, "reason": reason, **details}, {"ok": False, "error": reason, **details}


# What a handler returns when its event is answered later, by someone else (a send the
# group-commit writer answers: :func:`answer_send`); python-socketio then sends no
# acknowledgement for it.
ANSWERED_LATER = object()

# The most messages one ``messages`` event carries (a burst of a few hundred is split).
MESSAGES_PER_EVENT = 100


def broadcast_messages(payloads: list[dict]) -> None:
    """Send a committed batch to its channels' rooms (the group-commit writer calls this).

    A channel's one new message goes out as a ``message`` event; several committed
    together go out as one ``messages`` event holding them in number order. Each event
    costs the server about the same whatever it holds (a packet queued for every
    connection in the room, woken, framed and written: benchmarks/chat/README.md), so
    under a burst, when batches grow, each message costs less to deliver: the backlog
    drains instead of feeding itself.
    """
    by_channel: dict[int, list[dict]] = {}
    for payload in payloads:
        by_channel.setdefault(payload["channel"], []).append(payload)
    for channel_id, messages in by_channel.items():
        room = fanout.channel_room(channel_id)
        for start in range(0, len(messages), MESSAGES_PER_EVENT):
            part = messages[start : start + MESSAGES_PER_EVENT]
            if len(part) == 1:
                _broadcast("message", part[0], room)
            else:
                _broadcast("messages", part, room)


def chat_event(handler=None, *, gate=None):
    """Authorise, parse, run and answer one event; refuse with a reason, never half-write.

    ``gate``, if given, is a context manager factory entered first, with the event's
    arguments as sent, before the event touches the database; it may refuse the event
    (:class:`ChatError`).
    """
    if handler is None:
        return functools.partial(chat_event, gate=gate)
    event = handler.__name__.removeprefix("on_")

    @functools.wraps(handler)
    def wrapper(self, *args):
        try:
            with gate(*args) if gate is not None else contextlib.nullcontext():
                if len(args) != 1 or not isinstance(args[0], dict):
                    raise ChatError(f"The {event} event takes one object with its fields.")
                access = _access()
                result = handler(self, access, args[0])
                if result is ANSWERED_LATER:
                    return socketio.server.not_handled
                return {"ok": True, **(result or {})}
        except AccessEnded:
            db.session.rollback()
            _drop_this_connection()
            return {"ok": False, "error": "You no longer have access to this team's chat."}
        except ChatError as refused:
            db.session.rollback()
            return _refuse(event, str(refused), getattr(refused, "retry_after", None))
        except Exception:
            db.session.rollback()
            log.exception("chat event %s failed", event)
            return _refuse(event, "The server could not handle this; nothing was saved.")

    return wrapper


def _admitted_send(*args):
    """A send counts against this process's bound from its arrival (jit/chat/writer.py).

    The place was taken (or the send refused) on the connection's reading thread as the
    event arrived (:func:`screen_send`); an event run any other way takes it here.
    """
    data = args[0] if len(args) == 1 else None
    connection = session.get(_CONNECTION_KEY)
    person = connection[1] if connection else None
    return current_app.extensions["jit_chat_writer"].admitted(_turn_key(person, data), person)


def _turn_key(person, data) -> tuple | None:
    """What names a send's turn: the sender and the message's client id.

    A refused send is sent again under its client id: with the sender, that names its
    turn (jit/chat/admission.py). Nothing here is trusted but as a name: a made-up id
    claims no one else's turn, and the send is checked as any other once taken in. The
    sender (whatever the client id) holds at most their share of the process's places.
    """
    client_id = data.get("client_id") if isinstance(data, dict) else None
    named = isinstance(client_id, str) and services.CLIENT_ID.match(client_id)
    return (person, client_id) if person is not None and named else None


class _Reply:
    """Where a send taken in as it arrived is answered: its connection in this process."""

    __slots__ = ("ack_id", "eio_sid", "namespace", "server")

    def __init__(self, server, eio_sid, namespace, ack_id):
        self.server, self.eio_sid, self.namespace = server, eio_sid, namespace
        self.ack_id = ack_id


def screen_send(app, server, sid, eio_sid, data, namespace, ack_id):
    """Take a send's place in the process's bound as it arrives, or refuse it there.

    For :func:`jit.chat.event_threads.run_events_in`, on the connection's reading
    thread. A send refused is answered here and now, as :func:`_refuse` answers
    (``chat_error``, then the acknowledgement), and takes no thread: past the process's
    capacity, refusals that each waited for a thread among hundreds were what turned an
    overload into a collapse (benchmarks/chat/README.md, session 31).

    A send taken in runs here too, on the reading thread, holding its place: it is
    checked, rendered and queued for the writer, which answers it once it is stored
    (:func:`answer_send`), so nothing waits for its commit. A send cost the process two
    thread hand-overs before (to a kept thread, and back to it from the writer), which
    made most of what it cost that grows with each message (benchmarks/chat/README.md,
    session 32). Other events, and sends of connections this process does not know
    (yet), go on as before: their gate takes the place, on a kept thread.
    """
    if namespace != fanout.NAMESPACE or not isinstance(data, list) or len(data) != 2:
        return None
    if data[0] != "send":
        return None
    person = app.extensions["jit_chat_people"].get(sid)
    if person is None:
        return None
    writer = app.extensions["jit_chat_writer"]
    try:
        place = writer.take_place(_turn_key(person, data[1]), person)
    except services.ChatBusy as busy:
        refusal = _refusal("send", str(busy), busy.retry_after)
        _answer_here(server, eio_sid, namespace, ack_id, *refusal)
        return False
    place.reply = _Reply(server, eio_sid, namespace, ack_id)
    return RunHere(writer.screened(place))


def answer_send(app, send, busy: services.ChatBusy | None = None) -> None:
    """Answer a send the writer took from :func:`screen_send`, as :func:`chat_event`
    would have: its acknowledgement, after a ``chat_error`` when it was refused.

    Called by the group-commit writer once the send is stored (or refused, or its time
    ran out: ``busy``), after the batch's broadcast, so the acknowledgement goes out
    with the message the sender's connection was sent anyway.
    """
    reply = send.reply
    if busy is not None:
        error, answer = _refusal("send", str(busy), busy.retry_after)
    elif send.error:
        error, answer = _refusal("send", send.error, None)
    else:
        if not send.is_new:
            # Answered from the record: give back what the rate took, as send_message does.
            app.extensions["jit_chat_rate_limiter"].give_back(send.author["id"])
        error, answer = None, {"ok": True, **_sent(send.payload, send.is_new)}
    _answer_here(reply.server, reply.eio_sid, reply.namespace, reply.ack_id, error, answer)


def _answer_here(server, eio_sid, namespace, ack_id, error: dict | None, answer: dict) -> None:
    """Send a send's ``chat_error`` (if any) and its acknowledgement through
    python-socketio's own way to a connection of this process (as it sends an event's
    acknowledgement): no thread, no request context."""
    packets = []
    if error is not None:
        packets.append(
            server.packet_class(packet.EVENT, namespace=namespace, data=["chat_error", error])
        )
    if ack_id is not None:
        packets.append(
            server.packet_class(packet.ACK, namespace=namespace, id=ack_id, data=[answer])
        )
    for each in packets:
        server._send_packet(eio_sid, each)


@contextlib.contextmanager
def _within_event_rate(*args):
    """Spend one of the person's other chat requests (``JIT_CHAT_EVENT_RATE``), or refuse
    the event with the time to wait, before it touches the database.

    Keyed by the signed-in person of the connection's session, so all their tabs and
    connections (and, with Redis, all server processes) share one allowance. A session
    without a person is refused by the access check that follows.
    """
    person = session.get("_user_id")
    if person is not None:
        limiter = current_app.extensions["jit_chat_event_limiter"]
        wait = limiter.take(person)
        if wait > 0:
            raise services.ChatBusy(
                "Too many chat requests at once "
                f"({limiter.rate.messages} a second, or {limiter.rate.burst} at once); "
                "this one was not answered.",
                retry_after=wait,
            )
    yield


def _drop_this_connection() -> None:
    socketio.emit(
        "access_revoked",
        {"reason": "membership"},
        to=request.sid,
        namespace=fanout.NAMESPACE,
    )
    socketio.server.disconnect(request.sid, namespace=fanout.NAMESPACE)


def _broadcast(event: str, payload: dict, room: str, skip_sid=None) -> None:
    socketio.emit(event, payload, to=room, namespace=fanout.NAMESPACE, skip_sid=skip_sid)


def _field(data: dict, name: str, default=None):
    return data.get(name, default)


def _draft(data: dict) -> services.Draft:
    return services.check_draft(
        _field(data, "body"),
        _field(data, "handling_code", "H0"),
        _field(data, "handling_conditions", ""),
        _field(data, "source_reliability"),
        _field(data, "information_accuracy"),
    )


class ChatNamespace(Namespace):
    def on_connect(self, auth=None):
        _reload_person()
        if not origin_allowed(request.headers.get("Origin"), request.environ):
            raise ConnectionRefusedError("This page's origin may not open the workspace chat.")
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("Sign in to use the chat.")
        if current_app.config["REQUIRE_MFA"] and not current_user.has_mfa:
            raise ConnectionRefusedError("Set up your second factor to use the chat.")
        code = auth.get("team") if isinstance(auth, dict) else None
        access = team_access_for(current_user, code.upper()) if isinstance(code, str) else None
        if access is None or not access.can(Permission.CHAT):
            # A non-member and a member without chat get the same answer.
            raise ConnectionRefusedError("No chat in this team for you.")
        team_id, user_id = access.team.id, access.user.id
        session[_SESSION_KEY] = access.team.code
        session[_CONNECTION_KEY] = [team_id, user_id]
        join_room(fanout.team_room(team_id))
        join_room(fanout.member_room(team_id, user_id))
        join_room(fanout.user_room(user_id))
        join_room(fanout.sign_in_room(g.user_session.id))  # dropped when that sign-in ends
        presence = current_app.extensions["jit_chat_presence"]
        if presence.arrive(team_id, user_id):
            _broadcast(
                "presence",
                {"user": _person(access), "online": True},
                fanout.team_room(team_id),
                skip_sid=request.sid,
            )
        unread = reading.unread_counts(access)
        marks = reading.read_marks(access)
        socketio.emit(
            "ready",
            {
                "me": _person(access),
                "team": access.team.code,
                "channels": [
                    reading.channel_payload(c, unread.get(c.id, 0), marks.get(c.id, 0))
                    for c in services.channels_of(access)
                ],
                "online": sorted(presence.online(team_id)),
                "max_length": current_app.config["CHAT_MAX_MESSAGE_CHARS"],
                "handling_codes": services.HANDLING_CODES,
                "may_read_history": services.may_read_history(access),
            },
            to=request.sid,
            namespace=fanout.NAMESPACE,
        )
        # Who sends on this connection, for screen_send (which runs before any session).
        current_app.extensions["jit_chat_people"][request.sid] = user_id
        return True

    def on_disconnect(self, reason=None):
        current_app.extensions["jit_chat_people"].pop(request.sid, None)
        connection = session.get(_CONNECTION_KEY)
        if not connection:
            return
        team_id, user_id = connection
        presence = current_app.extensions["jit_chat_presence"]
        if presence.leave(team_id, user_id):
            _broadcast(
                "presence",
                {"user": {"id": user_id}, "online": False},
                fanout.team_room(team_id),
            )

    @chat_event(gate=_within_event_rate)
    def on_join(self, access, data):
        """Enter a channel's room; with ``after_seq``, also get what was missed since.

        Every answer carries ``synced_at``; given back as ``changed_since`` after a
        reconnect, the answer also holds the older messages edited or retracted since.
        """
        synced_at = utcnow()
        channel = services.channel_for(access, _field(data, "channel"))
        join_room(fanout.channel_room(channel.id))
        # Counted once in the room: what arrives from now on comes live. (A join asked
        # again after a refusal comes later than the connection's ``ready`` counts.)
        unread = reading.unread_counts(access, channel.id).get(channel.id, 0)
        mark = reading.read_marks(access, channel.id).get(channel.id, 0)
        answer = {"channel": reading.channel_payload(channel, unread, mark)}
        if _field(data, "after_seq") is not None:
            answer |= _catch_up(channel, data)
        return answer | {"synced_at": synced_at.isoformat()}

    @chat_event(gate=_within_event_rate)
    def on_catch_up(self, access, data):
        synced_at = utcnow()
        channel = services.channel_for(access, _field(data, "channel"))
        return _catch_up(channel, data) | {"synced_at": synced_at.isoformat()}

    @chat_event(gate=_within_event_rate)
    def on_history(self, access, data):
        channel = services.channel_for(access, _field(data, "channel"))
        messages, has_more = reading.history(
            channel,
            before_seq=_field(data, "before_seq"),
            limit=_field(data, "limit", reading.PAGE_SIZE),
        )
        return {"messages": [reading.message_payload(m) for m in messages], "has_more": has_more}

    @chat_event(gate=_admitted_send)
    def on_send(self, access, data):
        outcome = services.send_message(
            access,
            _field(data, "channel"),
            client_id=_field(data, "client_id"),
            draft=_draft(data),
        )
        if outcome is None:
            return ANSWERED_LATER  # by the writer (answer_send)
        return _sent(*outcome)

    @chat_event
    def on_edit(self, access, data):
        draft = _draft(data)
        services.check_may_write(access)
        with services.serialised_writes():
            message = services.edit_message(access, _field(data, "message"), draft)
            payload = reading.message_payload(message)
            db.session.commit()
        _broadcast("message_updated", payload, fanout.channel_room(payload["channel"]))
        return {"message": payload}

    @chat_event
    def on_retract(self, access, data):
        services.check_may_write(access)
        with services.serialised_writes():
            message = services.retract_message(access, _field(data, "message"))
            payload = reading.message_payload(message)
            db.session.commit()
        _broadcast("message_updated", payload, fanout.channel_room(payload["channel"]))
        return {"message": payload}

    @chat_event(gate=_within_event_rate)
    def on_read(self, access, data):
        channel = services.channel_for(access, _field(data, "channel"))
        # Commit expires the rows; these are read before it so nothing is loaded again.
        channel_id, team_id, user_id = channel.id, access.team.id, access.user.id
        with services.serialised_writes():
            try:
                mark = services.mark_read(access, channel, _field(data, "seq"))
                db.session.commit()
            except IntegrityError:
                # Another tab created the same mark first: move that one instead.
                db.session.rollback()
                mark = services.mark_read(access, channel, _field(data, "seq"))
                db.session.commit()
        # The person's other tabs clear the same count.
        _broadcast(
            "read",
            {"channel": channel_id, "seq": mark},
            fanout.member_room(team_id, user_id),
            skip_sid=request.sid,
        )
        return {"channel": channel_id, "seq": mark}

    @chat_event(gate=_within_event_rate)
    def on_typing(self, access, data):
        channel = services.channel_for(access, _field(data, "channel"))
        _broadcast(
            "typing",
            {"channel": channel.id, "user": _person(access)},
            fanout.channel_room(channel.id),
            skip_sid=request.sid,
        )
        return {}

    @chat_event(gate=_within_event_rate)
    def on_exhibits(self, access, data):
        """Answer which exhibit references this reader may open (and where)."""
        refs = _field(data, "refs")
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise ChatError("refs must be a list of exhibit numbers.")
        if holds_nul(refs):
            raise ChatError(nul_message("exhibit number"))
        if len(refs) > exhibits.MAX_REFERENCES_PER_LOOKUP:
            raise ChatError(
                f"Ask for at most {exhibits.MAX_REFERENCES_PER_LOOKUP} exhibits at a time."
            )
        return {"links": exhibits.exhibit_links(access, refs)}


def _sent(payload: dict, is_new: bool) -> dict:
    """What a send's acknowledgement says of its message."""
    return {"id": payload["id"], "seq": payload["seq"], "duplicate": not is_new, "message": payload}


def _catch_up(channel, data: dict) -> dict:
    """The messages after ``after_seq``, and with ``changed_since`` the earlier ones changed."""
    after_seq = _field(data, "after_seq")
    messages, has_more = reading.missed(channel, after_seq=after_seq)
    answer = {"messages": [reading.message_payload(m) for m in messages], "has_more": has_more}
    changed_since = _field(data, "changed_since")
    if changed_since is not None:
        since = reading.parse_synced_at(changed_since)
        updated, complete = reading.changed(channel, since=since, up_to_seq=after_seq)
        answer |= {"updated": [reading.message_payload(m) for m in updated]}
        answer |= {"updates_complete": complete}
    return answer


def _person(access: TeamAccess) -> dict:
    return {
        "id": access.user.id,
        "name": access.user.display_name,
        "party": access.party.short_label,
    }


def register(extension) -> None:
    """Attach the handlers once per process; init_app re-attaches them to each server."""
    if not getattr(extension, "_jit_chat_registered", False):
        extension.on_namespace(ChatNamespace(fanout.NAMESPACE))
        extension._jit_chat_registered = True
