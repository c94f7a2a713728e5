"""No input reaches a 500: every route, method and field gets hostile values.

The walk seeds the demo (a team with an agreement, items with files, chat messages),
crawls what each identity can reach, then sends values of :mod:`tests.fuzz.catalogue`
into every path argument, query name and form field of every rule of the URL map, with
valid CSRF tokens so the requests reach the handlers. The identity that reaches a route
best gets every planned request; the others a deterministic sample. Any 5xx fails the
test, named by route, method, fields and values.

Sampling (see :class:`Dealer`): each input gets TARGETED_PER_INPUT values of the
families it parses and OTHERS_PER_INPUT of the rest, dealt in turn so that across the
inputs of a form every value is used; up to GROUP inputs are hostile in one request (a
wrong CSRF token goes alone: it stops a post before its fields are read); every route
gets at least one value of every class of ``catalogue.KINDS``; the test checks that the
whole catalogue was sent. Clients stay signed in and sign in again only after a
redirect to the log-in page; the demo is seeded once.

Cost, measured on 2026-12-02 (2 shared cores; walk = after the crawl):
before, every value to every input one by one: 3,760 requests, walk 367 s on SQLite
with the machine half loaded (~18 min per database under full load; the agreement
editor alone 879 requests, 135 s); after: 1,280 requests, walk 38 s on SQLite and 56 s
on PostgreSQL (editor 110 requests, 4–7 s), about 1 to 1.5 min per database with setup.
With bundles, firearms and the directory merged: 1,987 requests, walk 25 s on SQLite and
38 s on PostgreSQL, 78 s for both with setup.
"""

import json
import os
import re
import secrets
import time
import zlib
from urllib.parse import quote_plus

import pytest

from tests.fuzz import walker
from tests.fuzz.catalogue import (
    FILES,
    JSON_DOCUMENTS,
    JSON_FIELD_VALUES,
    KINDS,
    MISSING,
    VALUES,
    Hostile,
)

DEMO_PASSWORD = "demo password for fuzzing"
IDENTITIES = {
    "leader": "hr.leader@demo.example",
    "coordinator": "coordinator@demo.example",
    "admin": "admin@demo.example",
    "member": "nl.member@demo.example",
    # The coordinator of the demo's second team, whose first draft has the JSON import.
    "other coordinator": "bh.coordinator@demo.example",
    "anonymous": None,
}
# Routes whose success ends what the walk needs (the session, the team's being in force,
# a membership, a password): walked after all the others.
RUN_LAST = (
    "/logout",
    "/close",
    "/withdraw",
    "/remove",
    "able>",
    "/reset-password",
    "/reset-second-factor",
)
# Each input gets this many values of the families it parses (guessed from its type and
# name) and this many of the rest, dealt in turn (see Dealer); each route gets at least one
# value of every class (catalogue.KINDS). Up to GROUP inputs of a form or query are made
# hostile in one request. The identity that reaches a route best gets every request;
# the others a sample of the plan.
TARGETED_PER_INPUT = 2
OTHERS_PER_INPUT = 1
GROUP = 4
OTHER_IDENTITY_SAMPLE = 1
JSON_SAMPLE = 1
POST_KINDS = {"missing", "wrong JSON type"}
TOKEN_FIELD = "submission_token"
NUMBER_KINDS = {"number", "hidden"}
NUMBER_NAMES = r"(^|[_-])(id|party|number|page|channel|to|from|count)($|[_-])|_id$"
DATE_KINDS = {"date", "datetime-local"}
DATE_NAMES = r"(_on|_at|_from|_to|date)$|^(from|to)$"
# Query names any list or redirect may read, tried on every GET route that answers a page.
UNIVERSAL_QUERY_NAMES = ("page", "next")


class Session:
    """One identity's test client, signed in again whenever a route signed it out."""

    def __init__(self, app, email):
        self.client = app.test_client()
        self.email = email
        self.token = ""
        self.is_signed_out = False
        self.sign_in()

    def sign_in(self):
        if self.email is not None:
            self.client.post("/login", data={"email": self.email, "password": DEMO_PASSWORD})
        page = self.client.get("/account" if self.email else "/login")
        found = walker.parse_page("/", page.get_data(as_text=True))
        tokens = [i.value for f in found.forms for i in f.inputs if i.name == "csrf_token"]
        assert tokens, f"no CSRF token for {self.email}"
        self.token = tokens[0]
        self.is_signed_out = False

    def notice(self, response):
        """Remember a redirect to the log-in page: the identity was signed out."""
        location = response.headers.get("Location") or ""
        if self.email is not None and response.status_code in (302, 303):
            self.is_signed_out |= location.startswith("/login")

    def ensure_signed_in(self):
        if self.is_signed_out:
            self.sign_in()


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _urlencoded(fields: list[tuple[str, object]]) -> bytes:
    return b"&".join(
        quote_plus(name).encode() + b"=" + quote_plus(_bytes(value)).encode()
        for name, value in fields
    )


def _multipart(fields: list[tuple[str, object]], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "fuzz" + secrets.token_hex(8)
    parts = []
    for name, value in fields:
        if name in files:
            head = f'Content-Disposition: form-data; name="{name}"; filename="upload.json"\r\n'
            head += "Content-Type: application/octet-stream\r\n"
            parts.append(head.encode() + b"\r\n" + files[name])
        else:
            head = f'Content-Disposition: form-data; name="{name}"\r\n'
            parts.append(head.encode() + b"\r\n" + _bytes(value))
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + boundary.encode() + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary}"


def _sample(values: list, key: str, size: int) -> list:
    if size >= len(values):
        return values
    start = zlib.crc32(key.encode()) % len(values)
    return [values[(start + step * 7) % len(values)] for step in range(size)]


def _groups(pairs: list) -> list[list]:
    """Pack ``(input, value)`` pairs into requests of up to GROUP distinct inputs."""
    groups: list[list] = []
    for name, value in pairs:
        for group in groups:
            if len(group) < GROUP and all(name != other for other, _ in group):
                group.append((name, value))
                break
        else:
            groups.append([(name, value)])
    return groups


def _families(form_input: walker.FormInput) -> set[str]:
    """Guess which families of hostile values an input parses, from its type and name."""
    name, kind = form_input.name.lower(), form_input.kind
    families = set()
    numeric_choices = kind == "select" and all(o.isdigit() for o in form_input.options if o)
    if kind in NUMBER_KINDS or numeric_choices or re.search(NUMBER_NAMES, name):
        families |= {"integer", "decimal"}
    if kind in DATE_KINDS or re.search(DATE_NAMES, name):
        families.add("date")
    if "zone" in name:
        families.add("zone")
    return families


class Dealer:
    """Deal hostile values to the inputs of one route, rotating through each pool.

    Each pool (the values of some families, or the rest of the catalogue) keeps a cursor,
    so consecutive inputs get consecutive values: across the inputs of a form every
    value of a pool is sent once before any is sent twice.
    """

    def __init__(self, key: str, dealt: set[str]):
        self.start = zlib.crc32(key.encode())
        self.cursors: dict[str, int] = {}
        self.dealt = dealt  # the labels of every value dealt in the walk

    def take(self, pool_name: str, pool: list, size: int) -> list:
        if size >= len(pool):
            chosen = list(pool)
        else:
            position = self.cursors.get(pool_name, self.start % len(pool))
            self.cursors[pool_name] = position + size
            chosen = [pool[(position + step) % len(pool)] for step in range(size)]
        self.dealt.update(value.label for value in chosen)
        return chosen

    def values_for(self, form_input: walker.FormInput) -> list[Hostile]:
        """Values of the input's own families and of the rest of the catalogue, in turn."""
        families = _families(form_input)
        targeted = [value for value in VALUES if value.family in families]
        rest = [value for value in VALUES if value.family not in families]
        chosen = self.take(",".join(sorted(families)), targeted, TARGETED_PER_INPUT)
        return chosen + self.take("rest", rest, OTHERS_PER_INPUT)


class Walk:
    def __init__(self, app, exceptions):
        self.app = app
        self.exceptions = exceptions
        self.sessions = {name: Session(app, email) for name, email in IDENTITIES.items()}
        self.map = walker.Map(app)
        walker.crawl(self.map, {name: s.client for name, s in self.sessions.items()})
        for session in self.sessions.values():
            session.sign_in()  # fresh CSRF tokens after the crawl
        self.failures: list[str] = []
        self.requests = 0
        self.dealt: set[str] = set()

    # --- sending ---------------------------------------------------------------------

    def send(self, identity, method, url, where, value, body=b"", content_type=None, headers=None):
        session = self.sessions[identity]
        session.ensure_signed_in()
        self.requests += 1
        before, started = len(self.exceptions), time.monotonic()
        response = session.client.open(
            url, method=method, data=body, content_type=content_type, headers=headers or {}
        )
        if os.environ.get("JIT_FUZZ_PROGRESS") and time.monotonic() - started > 1:
            print(f"  slow: {method} {url[:80]} {where[:200]}", flush=True)
        session.notice(response)
        if response.status_code >= 500:
            cause = "; ".join(self.exceptions[before:]) or "no exception recorded"
            sent = where if value is None else f"{where} = {value!r}"
            self.failures.append(
                f"{method} {url[:120]} as {identity}: {sent[:600]} → "
                f"{response.status_code} ({cause})"
            )

    def post_form(self, identity, url, form, fields, files, where, value):
        token = self.sessions[identity].token
        fields = [(n, token if n == "csrf_token" and v is None else v) for n, v in fields]
        if form is not None and "multipart" in form.enctype:
            body, content_type = _multipart(fields, files or {})
        else:
            body, content_type = _urlencoded(fields), "application/x-www-form-urlencoded"
        self.send(identity, "POST", url, where, value, body, content_type)

    # --- what to send ------------------------------------------------------------------

    def primary(self, knowledge, method) -> str:
        """Return the identity that reaches the route's handler best (it gets everything)."""
        for name in IDENTITIES:
            if method == "GET" and knowledge.statuses.get(name) == 200:
                return name
            if method != "GET" and knowledge.forms.get(name):
                return name
        return "leader"

    def baseline(self, knowledge, identity) -> tuple[walker.PageForm | None, list]:
        """Return the form that posts to the route as the page rendered it, and its fields.

        The one-time submission token is left blank (a post without one is not
        deduplicated), so every hostile post reaches validation and the service, not
        the "already sent" answer to the token the first post claimed.
        """
        forms = knowledge.forms.get(identity) or next(iter(knowledge.forms.values()), [])
        if not forms:
            return None, [("csrf_token", None)]
        form = max(forms, key=lambda f: len(f.inputs))
        fields = [
            (i.name, None if i.name == "csrf_token" else "" if i.name == TOKEN_FIELD else i.value)
            for i in form.inputs
        ]
        if not any(name == "csrf_token" for name, _ in fields):
            fields.insert(0, ("csrf_token", None))
        return form, fields

    def plan(self, knowledge, method) -> list:
        """Return ``(what, send(identity))`` for every hostile request of the route."""
        dealer = Dealer(method + knowledge.rule.rule, self.dealt)
        requests, kinds = [], set()
        for name, converter in walker.path_arguments(knowledge.rule):
            if converter != "path":
                kind = "number" if converter == "int" else "text"
                for value in dealer.values_for(walker.FormInput(name, kind)):
                    requests.append(self._path_request(knowledge, method, name, value))
                    kinds.add(value.kind)
        if method == "GET":
            slots = self._query_slots(knowledge)
            pairs = [
                (name, value)
                for name in slots
                for value in dealer.values_for(walker.FormInput(name, "text"))
            ]
            path_names = [n for n, c in walker.path_arguments(knowledge.rule) if c != "path"]
            applicable = set(KINDS) - POST_KINDS
            if slots or not path_names:
                # A route that reads no query and has no path argument (a health check)
                # gets its classes in the query names any page may read.
                slots = slots or list(UNIVERSAL_QUERY_NAMES)
                pairs += self._missing_kinds(pairs, kinds, slots, applicable)
            else:
                # A download that reads no query: its classes go into its path.
                for name, value in self._missing_kinds([], kinds, path_names, applicable):
                    requests.append(self._path_request(knowledge, method, name, value))
            requests += [self._query_request(knowledge, group) for group in _groups(pairs)]
            return requests
        return requests + self._form_plan(knowledge, dealer, kinds)

    def _query_slots(self, knowledge) -> list[str]:
        """Return the query names the route's links and forms use (any page's too)."""
        names = set(knowledge.query_names)
        if knowledge.is_page:
            names |= set(UNIVERSAL_QUERY_NAMES)
        return sorted(names)

    def _missing_kinds(self, pairs, kinds, slots, applicable) -> list:
        """Add a value of every applicable class the route was not sent yet."""
        kinds = kinds | {value.kind for _name, value in pairs}
        extra = []
        for position, kind in enumerate(kind for kind in KINDS if kind in applicable):
            if kind in kinds:
                continue
            pool = [MISSING] if kind == "missing" else [v for v in VALUES if v.kind == kind]
            extra.append((slots[position % len(slots)], pool[position % len(pool)]))
        return extra

    def _path_request(self, knowledge, method, name, value):
        def send(identity):
            url = walker.build_path(
                knowledge.rule,
                lambda arg, conv: (
                    walker.url_text(value)
                    if arg == name
                    else self.map.example_argument(knowledge, identity, arg, conv)
                ),
            )
            if method == "GET":
                self.send(identity, method, url, f"path <{name}>", value)
            else:
                form, fields = self.baseline(knowledge, identity)
                self.post_form(identity, url, form, fields, None, f"path <{name}>", value)

        return f"path <{name}> = {value!r}", send

    def _query_request(self, knowledge, group):
        where = ", ".join(f"query {name} = {value!r}" for name, value in group)

        def send(identity):
            url = self.map.example_url(knowledge, identity)
            query = "&".join(quote_plus(n) + "=" + walker.url_text(v) for n, v in group)
            self.send(identity, "GET", f"{url}?{query}", where, None)

        return where, send

    def _form_plan(self, knowledge, dealer, kinds) -> list:
        form, fields = self.baseline(knowledge, self.primary(knowledge, "POST"))
        inputs = {i.name: i for i in (form.inputs if form else [])}
        names = list(dict.fromkeys([n for n, _ in fields if n != "csrf_token"]))
        names += [n for n, _ in walker.path_arguments(knowledge.rule) if n not in names]
        pairs = []
        for name in names:
            form_input = inputs.get(name, walker.FormInput(name, "text"))
            if form_input.kind == "file":
                pairs += [(name, document) for document in FILES]
            else:
                pairs += [(name, value) for value in dealer.values_for(form_input)]
            pairs.append((name, MISSING))
        # A wrong CSRF token stops a post before its fields are read: sent on its own.
        alone = [
            ("csrf_token", value)
            for value in dealer.values_for(walker.FormInput("csrf_token", "hidden"))
        ]
        requests = [self._form_request(knowledge, inputs, [pair]) for pair in alone]
        json_values = dealer.take("JSON values", JSON_FIELD_VALUES, JSON_SAMPLE)
        for value in json_values:
            body = json.dumps({name: value.value for name in names}).encode()
            requests.append(self._json_request(knowledge, f"JSON body {value!r}", body))
        for document in dealer.take("JSON documents", JSON_DOCUMENTS, JSON_SAMPLE):
            body = _bytes(document.value)
            requests.append(self._json_request(knowledge, f"JSON body {document!r}", body))
        kinds = kinds | {value.kind for _name, value in alone} | {v.kind for v in json_values}
        pairs += self._missing_kinds(pairs, kinds, names or ["csrf_token"], set(KINDS))
        requests += [self._form_request(knowledge, inputs, group) for group in _groups(pairs)]
        return requests

    def _form_request(self, knowledge, inputs, group):
        where = ", ".join(f"field {name} = {value!r}" for name, value in group)

        def send(identity):
            url = self.map.example_url(knowledge, identity)
            form, fields = self.baseline(knowledge, identity)
            changed = dict(group)
            kept = [(n, v) for n, v in fields if n not in changed]
            files = {}
            for name, value in group:
                if inputs.get(name) and inputs[name].kind == "file":
                    files[name] = _bytes(value.value)
                    kept.append((name, ""))
                elif value.value is not None:
                    kept.append((name, value.value))
            self.post_form(identity, url, form, kept, files, where, None)

        return where, send

    def _json_request(self, knowledge, where, body):
        def send(identity):
            url = self.map.example_url(knowledge, identity)
            headers = {"X-CSRFToken": self.sessions[identity].token}
            self.send(identity, "POST", url, where, None, body, "application/json", headers)

        return where, send

    # --- the walk ----------------------------------------------------------------------

    def walk_route(self, knowledge):
        for method in knowledge.methods:
            primary = self.primary(knowledge, method)
            planned = self.plan(knowledge, method)
            for identity in IDENTITIES:
                self.sessions[identity].ensure_signed_in()
                if identity == primary:
                    chosen = planned
                else:
                    chosen = _sample(planned, identity + knowledge.rule.rule, OTHER_IDENTITY_SAMPLE)
                for _what, send in chosen:
                    send(identity)

    def run(self):
        rules = sorted(
            self.map.routes.values(),
            key=lambda k: (any(k.rule.rule.endswith(end) for end in RUN_LAST), k.rule.rule),
        )
        for knowledge in rules:
            started, count = time.monotonic(), self.requests
            self.walk_route(knowledge)
            if os.environ.get("JIT_FUZZ_PROGRESS"):
                print(
                    f"{knowledge.rule.rule}: {self.requests - count} requests "
                    f"in {time.monotonic() - started:.1f} s",
                    flush=True,
                )


def _open_drafts():
    """Open an amendment in the demo's team and a first draft in the other, to walk the editor.

    Only a first draft offers the JSON import.
    """
    from agreements import services as agreements
    from jit.accounts.services import find_user_by_email
    from jit.extensions import db
    from jit.teams.access import team_access_for

    coordinator = find_user_by_email(IDENTITIES["coordinator"])
    access = team_access_for(coordinator, "IRON-MERIDIAN")
    agreements.start_version(access, "amendment", "Opened for the fuzz walk.")
    other = find_user_by_email(IDENTITIES["other coordinator"])
    agreements.start_version(team_access_for(other, "BLUE-HARBOUR"), "original")
    db.session.commit()


@pytest.mark.slow
def test_no_hostile_input_reaches_a_500(app, runner, exceptions):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _open_drafts()
    started = time.monotonic()
    walk = Walk(app, exceptions)
    if os.environ.get("JIT_FUZZ_PROGRESS"):
        print(f"crawl: {time.monotonic() - started:.1f} s", flush=True)
    # A rule with no arguments has one URL, which the walk uses as it is (/healthz);
    # a rule with arguments that no page linked to is walked with guessed values.
    unreached = sorted(
        k.rule.rule
        for k in walk.map.routes.values()
        if not k.example_urls and not k.forms and walker.path_arguments(k.rule)
    )
    walk.run()
    elapsed = time.monotonic() - started
    print(f"fuzz walk: {walk.requests} requests in {elapsed:.0f} s; unreached: {unreached}")
    assert not walk.failures, f"{len(walk.failures)} requests reached a 5xx:\n" + "\n".join(
        walk.failures[:200]
    )
    # The walk must reach the handlers: nearly every rule was found on a page. (The demo
    # offers no form to start or sign a version in the state the walk finds it, and a person's
    # own session has no "sign out" button: those are walked with guessed values.)
    assert len(unreached) <= len(walk.map.routes) // 8, unreached
    # Sampling per input still sends every value of the catalogue somewhere.
    catalogue = {value.label for value in [*VALUES, *JSON_DOCUMENTS, *JSON_FIELD_VALUES]}
    assert catalogue <= walk.dealt, sorted(catalogue - walk.dealt)
