"""A NUL character in any text the workspace takes is refused with a message, never a 500.

PostgreSQL refuses a NUL (``\\x00``) in every text value: one that reaches a query or an
insert raises ``DataError``, a 500; SQLite would store it, and so would PostgreSQL's
``json`` (as ``\\u0000``). Unlike the sampling walk of :mod:`tests.fuzz.test_fuzz_routes`,
this one sends a NUL to *every* input, one input at a time, with the other inputs
filled with plausible values so that the NUL gets past the other checks:

- every form the crawl finds (the walker learns them from the pages the demo's
  coordinator, two leaders, the judge, the administrator and a visitor reach, with an
  agreement amendment open), each input in turn, with a valid CSRF token; an upload
  form also gets a file named with a NUL;
- every query-string name the pages' links and search forms use;
- the chat's Socket.IO events, each field in turn.

Any 5xx fails. A refused post (a 4xx, or the form shown again) must carry a message,
one that names the NUL for an input a person types into, and must write nothing (the
rows of every table are counted before and after each request). A post that succeeds
(the input was one the handler ignores, such as a ``next``) must not have stored the
NUL: every text column (SQLite) and JSON column (both) is searched after the walk.

Cost, measured on 2026-12-05 (2 shared cores): about 460 requests, 40 s on SQLite and
60 s on PostgreSQL with the demo's setup.
"""

import re
import time
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import JSON, String, Text, cast, func, inspect, select, text

from jit.extensions import db
from tests.fuzz import walker
from tests.fuzz.test_fuzz_routes import (
    DEMO_PASSWORD,
    RUN_LAST,
    Session,
    _multipart,
    _open_drafts,
    _urlencoded,
)

NUL = "\x00"
# Who crawls and posts, in order of preference for a route: the coordinator reaches
# most, the NL leader the legal requests, the judge the review, the administrator the
# accounts and the directory.
IDENTITIES = {
    "coordinator": "coordinator@demo.example",
    "leader": "nl.leader@demo.example",
    "firearms leader": "hr.leader@demo.example",
    "judge": "judge@demo.example",
    "admin": "admin@demo.example",
    "anonymous": None,  # the log-in form
}
# Tables any request may write whatever its input: the session's "last seen", the
# sign-in throttle, a one-time submission token spent; and the search outbox, which the
# background reader of a file added by an earlier post fills when it is done.
BOOKKEEPING = {"user_sessions", "login_throttles", "submission_tokens", "search_outbox"}
# Refusals the audit log records, as it should: a wrong current password, and a search
# (every search is recorded, one refused too; search/services.py).
AUDITED_REFUSALS = {"field current_password", "query q"}
# Inputs a person types into: a NUL in one is refused with a message that names it (the
# others, choices and hidden fields, only change when tampered with: any refusal will do).
# (A date's text gets the date's own message: "Write the date as YYYY-MM-DD".)
TYPED = {"text", "textarea", "search", "email", "url", "tel", "password"}
DATE_NAMES = r"(^|_)(on|at|date|from|to)$|date_of"
NUL_NAMED = "contains a NUL character"
# Plausible values for inputs the page leaves empty, by the field's format or name.
ISO_FILLERS = {"YYYY-MM-DD": "2026-03-14", "YYYY-MM-DD HH:MM": "2026-03-14 09:30"}
NAME_FILLERS = (
    (r"email", "nul.walk@example.org"),
    (r"zone", "Europe/Amsterdam"),
    (r"country", "NL"),
    (r"language", "en"),
    (r"(^|_)(on|at|date)$|_on$|_at$", "2026-03-14"),
    (r"(^|_)(number|count|quantity|id|seq|calibre_mm)$", "1"),
    (r"url|website", "https://example.org/"),
    (r"phone|tel", "+31 10 123 4567"),
)


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _open_drafts()  # an amendment open, so the agreement's editor is walked too


# --- Counting what was written ------------------------------------------------------------


def _tables() -> list[str]:
    names = inspect(db.engine).get_table_names()
    return sorted(n for n in names if n != "alembic_version" and n not in BOOKKEEPING)


def row_counts(tables: list[str]) -> dict[str, int]:
    """Every table's row count, in one statement."""
    # The names come from the database's own catalogue, not from input.
    counts = ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)  # noqa: S608
    db.session.rollback()  # a fresh snapshot on PostgreSQL
    row = db.session.execute(text(f"SELECT {counts}")).one()
    return dict(zip(tables, row, strict=True))


def stored_nuls() -> list[str]:
    """Every column that holds a NUL: text on SQLite (PostgreSQL refuses it there), and
    JSON on either (written as ``\\u0000``, which PostgreSQL's ``json`` keeps)."""
    is_sqlite = db.engine.dialect.name == "sqlite"
    position = func.instr if is_sqlite else func.strpos
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, JSON):
                held = position(cast(column, Text), "\\u0000") > 0  # the escape, as written
            elif isinstance(column.type, String | Text) and is_sqlite:
                # instr, not LIKE: SQLite ends a LIKE pattern at a NUL, so it matches anything.
                held = position(column, NUL) > 0
            else:
                continue
            if db.session.scalar(select(func.count()).select_from(table).where(held)):
                found.append(f"{table.name}.{column.name}")
    return found


_MESSAGE = re.compile(
    r'class="(?:error-text|flash flash--\w+|error|notice notice--error)"[^>]*>(.*?)</'
    r'|class="card narrow error-page">.*?</h1>\s*<p>(.*?)</p>',
    re.S,
)


def messages(page: str) -> list[str]:
    """The error texts and flashed messages of a page."""
    return [" ".join("".join(m).split())[:160] for m in _MESSAGE.findall(page)]


def _changed(before: dict, after: dict) -> dict:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


# --- Filling a form -------------------------------------------------------------------------


def filler(form_input: walker.FormInput) -> str:
    """A plausible value for an input, so that the NUL in another is what is judged."""
    if form_input.value:
        return form_input.value
    if form_input.kind == "select":
        return next((o for o in form_input.options if o), "")
    if form_input.kind in ("checkbox", "radio", "hidden") or not form_input.required:
        return ""
    if form_input.kind == "password":
        return DEMO_PASSWORD
    if form_input.placeholder in ISO_FILLERS:
        return ISO_FILLERS[form_input.placeholder]
    if form_input.kind == "number":
        return "1"
    for pattern, value in NAME_FILLERS:
        if re.search(pattern, form_input.name.lower()):
            return value
    return "walked-text"  # fits a channel name, a code, a tag as well as any free text


def nul_text(form_input: walker.FormInput) -> str:
    """What the input gets with the NUL: its plausible value, or text, split by a NUL."""
    value = filler(form_input) or (
        "" if form_input.kind in ("checkbox", "radio", "hidden", "select") else "Walked text"
    )
    return with_nul(value)


def with_nul(value: str) -> str:
    """``value`` with a NUL in its middle (``a<NUL>b`` if it is empty)."""
    if not value:
        return f"a{NUL}b"
    middle = len(value) // 2
    return value[:middle] + NUL + value[middle:]


# Inputs the walk must reach, or the crawl went wrong (a crawl that finds nothing passes).
MUST_WALK = {
    ("accounts.login", "email"),
    ("admin.users", "email"),
    ("agreements.close", "note"),
    ("bundles.edit", "purpose"),
    ("chat.add_channel", "topic"),
    ("directory.edit", "name"),
    ("evidence.create", "title"),
    ("evidence.index", "?tag"),
    ("firearms.edit_firearm", "manufacturer"),
    ("firearms.index", "?calibre"),
    ("search.team_search", "?q"),
}


class NulWalk:
    def __init__(self, app, exceptions):
        self.app = app
        self.exceptions = exceptions
        self.sessions = {name: Session(app, email) for name, email in IDENTITIES.items()}
        self.map = walker.Map(app)
        walker.crawl(self.map, {name: s.client for name, s in self.sessions.items()})
        for session in self.sessions.values():
            session.sign_in()  # fresh CSRF tokens after the crawl
        self.tables = _tables()
        self.failures: list[str] = []
        self.requests = 0
        self.walked_inputs: set[tuple[str, str]] = set()  # (endpoint, input name)

    def fail(self, what: str) -> None:
        self.failures.append(what)

    def send(self, identity, where, url, *, method="GET", body=b"", content_type=None, typed=True):
        """Send one request with a NUL somewhere; judge the answer and what it wrote."""
        session = self.sessions[identity]
        session.ensure_signed_in()
        before_rows, before_errors = row_counts(self.tables), len(self.exceptions)
        response = session.client.open(url, method=method, data=body, content_type=content_type)
        self.requests += 1
        session.notice(response)
        changed = _changed(before_rows, row_counts(self.tables))
        status, page = response.status_code, response.get_data(as_text=True)
        label = f"{method} {url[:100]} as {identity}: {where}"
        if status >= 500:
            cause = "; ".join(self.exceptions[before_errors:]) or "no exception recorded"
            self.fail(f"{label} → {status} ({cause})")
            return
        is_page = response.mimetype == "text/html"
        refused = 400 <= status < 500 or (method == "POST" and status == 200 and is_page)
        if where in AUDITED_REFUSALS:
            changed.pop("audit_entries", None)
        if refused and changed:
            self.fail(f"{label} → {status}, refused but wrote {changed}")
        if method == "POST" and status in (200, 400) and is_page and not messages(page):
            self.fail(f"{label} → {status}, shown again without a message")
        elif refused and typed and status in (200, 400) and is_page and NUL_NAMED not in page:
            self.fail(f"{label} → {status}, refused saying only {messages(page)}")

    # --- forms ------------------------------------------------------------------------

    def forms(self):
        """Yield ``(identity, rule knowledge, form)``: each route's fullest form, once."""
        rules = sorted(
            self.map.routes.values(),
            key=lambda k: (any(k.rule.rule.endswith(end) for end in RUN_LAST), k.rule.rule),
        )
        for knowledge in rules:
            for identity in IDENTITIES:
                forms = knowledge.forms.get(identity)
                if forms:
                    yield identity, knowledge, max(forms, key=lambda f: len(f.inputs))
                    break

    def walk_forms(self):
        for identity, knowledge, form in self.forms():
            url = self.map.example_url(knowledge, identity)
            names = [i.name for i in form.inputs if i.name != "csrf_token" and i.kind != "file"]
            for name in dict.fromkeys(names):
                self.walked_inputs.add((knowledge.rule.endpoint, name))
                self.post(identity, url, form, nul_in=name)
            if any(i.kind == "file" for i in form.inputs):
                self.post(identity, url, form, nul_in=None, file_name=f"seizure{NUL}.txt")

    def post(self, identity, url, form, *, nul_in, file_name="seizure.txt"):
        token = self.sessions[identity].token
        fields, files, seen = [("csrf_token", token)], {}, set()
        # A group of radio buttons none of which is checked gets its first choice.
        checked = {i.name for i in form.inputs if i.kind == "radio" and i.value}
        for form_input in form.inputs:
            name = form_input.name
            if name == "csrf_token":
                continue
            if form_input.kind == "radio" and name not in checked and name != nul_in:
                form_input = walker.FormInput(name, "radio", form_input.options[0])
                checked.add(name)
            if form_input.kind == "file":
                files[name] = (file_name, b"A walked file.\n")
                fields.append((name, ""))
                continue
            value = filler(form_input)
            if name == nul_in and name not in seen:
                value = nul_text(form_input)
            elif form_input.kind in ("checkbox", "radio") and not value:
                continue  # unchecked: not sent, as a browser would
            seen.add(name)
            fields.append((name, value))
        if files:
            body, content_type = _multipart_named(fields, files)
        else:
            body, content_type = _urlencoded(fields), "application/x-www-form-urlencoded"
        where = f"field {nul_in}" if nul_in else f"file name {file_name!r}"
        # (A file's name is judged by the NUL search after the walk: an import reads none.)
        typed = any(
            i.name == nul_in
            and i.kind in TYPED
            and not (i.placeholder in ISO_FILLERS or re.search(DATE_NAMES, i.name))
            for i in form.inputs
        )
        self.send(
            identity, where, url, method="POST", body=body, content_type=content_type, typed=typed
        )

    # --- query strings ------------------------------------------------------------------

    def walk_queries(self):
        for knowledge in sorted(self.map.routes.values(), key=lambda k: k.rule.rule):
            if "GET" not in knowledge.methods or not knowledge.query_names:
                continue
            # Who read the page, or (a page only a search form leads to) who saw its form.
            identity = next(
                (name for name in IDENTITIES if knowledge.statuses.get(name) == 200),
                next((name for name in IDENTITIES if name in knowledge.example_urls), None),
            )
            if identity is None:
                continue
            url = self.map.example_url(knowledge, identity)
            for name in sorted(knowledge.query_names):
                self.walked_inputs.add((knowledge.rule.endpoint, f"?{name}"))
                query = f"{quote_plus(name)}={quote(with_nul('Walked'), safe='')}"
                # A filter refused or ignored says so in its own words (a date's format).
                self.send(identity, f"query {name}", f"{url}?{query}", typed=False)


def _multipart_named(fields, files):
    """``_multipart`` with each file under its own name (which may hold a NUL)."""
    body, content_type = _multipart(fields, {name: data for name, (_, data) in files.items()})
    for name, (file_name, _) in files.items():
        body = body.replace(
            f'name="{name}"; filename="upload.json"'.encode(),
            f'name="{name}"; filename="{file_name}"'.encode(),
        )
    return body, content_type


@pytest.mark.slow
def test_a_nul_in_any_form_or_query_is_refused_with_a_message(app, demo, exceptions):
    started = time.monotonic()
    walk = NulWalk(app, exceptions)
    walk.walk_forms()
    walk.walk_queries()
    nuls = stored_nuls()
    print(f"NUL walk: {walk.requests} requests in {time.monotonic() - started:.0f} s")
    assert not walk.failures, f"{len(walk.failures)} failures:\n" + "\n".join(walk.failures)
    assert not nuls, f"a NUL was stored in {nuls}"
    # The walk reached the forms that matter (a crawl that found nothing passes nothing).
    assert walk.walked_inputs >= MUST_WALK, sorted(walk.walked_inputs)


# --- The chat's Socket.IO events ------------------------------------------------------------

CHAT = "/chat"
# Each event with a valid payload; the walk puts a NUL into each string field in turn
# (and a NUL string into each number field). ``{message}`` and ``{channel}`` are filled in.
CHAT_EVENTS = {
    "send": {
        "channel": "{channel}",
        "client_id": "nul-walk-0001",
        "body": "The van left at 09:30.",
        "handling_code": "H3",
        "handling_conditions": "Not to be shared outside the team.",
        "source_reliability": "B",
        "information_accuracy": "2",
    },
    "edit": {
        "message": "{message}",
        "body": "The van left at 09:40.",
        "handling_code": "H3",
        "handling_conditions": "Not to be shared outside the team.",
    },
    "retract": {"message": "{message}"},
    "join": {"channel": "{channel}", "after_seq": 0, "changed_since": "2026-03-14T09:30:00"},
    "catch_up": {"channel": "{channel}", "after_seq": 0, "changed_since": "2026-03-14T09:30:00"},
    "history": {"channel": "{channel}", "limit": 10},
    "read": {"channel": "{channel}", "seq": 1},
    "typing": {"channel": "{channel}"},
    "exhibits": {"refs": ["NL-0001", "HR-0002"]},
}
# Fields a person types: the refusal names the NUL (the others are refused as malformed).
CHAT_TYPED = {"body", "handling_conditions", "refs"}


def _chat_counts() -> dict[str, int]:
    return row_counts(["chat_messages", "chat_message_revisions", "chat_channels", "audit_entries"])


def _fill(value, channel_id: int, message_id: int):
    if value == "{channel}":
        return channel_id
    if value == "{message}":
        return message_id
    return value


def _with_nul_in(value):
    if isinstance(value, list):
        return [with_nul(value[0]), *value[1:]]
    return with_nul(value if isinstance(value, str) else str(value))


def test_a_nul_in_any_chat_event_is_refused_with_a_reason(app, make_team, make_membership):
    from jit.chat.services import channels_of
    from jit.extensions import socketio
    from jit.teams.access import team_access_for
    from tests.conftest import Auth

    team = make_team(code="NUL-CHAT")
    member = make_membership(team, "leader", "NL").user
    channel_id = channels_of(team_access_for(member, team.code))[0].id
    client = app.test_client()
    Auth(client).login(member)
    sio = socketio.test_client(
        app, namespace=CHAT, flask_test_client=client, auth={"team": team.code}
    )
    assert sio.is_connected(CHAT)

    def emit(event, data):
        return sio.emit(event, data, namespace=CHAT, callback=True)

    sent = emit("send", {"channel": channel_id, "client_id": "nul-walk-first", "body": "First."})
    assert sent["ok"], sent
    failures = []
    for event, payload in CHAT_EVENTS.items():
        valid = {name: _fill(value, channel_id, sent["id"]) for name, value in payload.items()}
        for name, value in valid.items():
            before = _chat_counts()
            answer = emit(event, {**valid, name: _with_nul_in(value)})
            where = f"{event} with a NUL in {name}"
            if not isinstance(answer, dict) or answer.get("ok") is not False:
                failures.append(f"{where}: not refused ({answer!r})")
            elif "could not handle" in answer["error"]:
                failures.append(f"{where}: failed on the server ({answer['error']})")
            elif name in CHAT_TYPED and "NUL character" not in answer["error"]:
                failures.append(f"{where}: refused saying only {answer['error']!r}")
            if _chat_counts() != before:
                failures.append(f"{where}: wrote {_changed(before, _chat_counts())}")
    assert not failures, "\n".join(failures)
    # The connection is still usable after every refusal.
    assert emit("send", {"channel": channel_id, "client_id": "nul-walk-last", "body": "Ok."})["ok"]
    sio.disconnect(namespace=CHAT)
