"""The query language: parse what a person typed into a tree both backends compile.

Words, "quoted phrases", AND / OR / NOT (or a leading ``-``), parentheses, prefix
wildcards (``medel*``), fuzzy terms (``medelin~``, ``~2``), field filters
(``party:NL kind:message exhibit:NL-0007 code:H2 type:document lang:fr``) and date
ranges (``date:2026-01..2026-03-31``, either end may be left open), and the headers
and properties found in files (``from:dk@example.net subject:lieferung author:babic
sent:2026-02``), identifiers whatever their writing (``phone:`` ``iban:`` ``email:`` ``ip:``
``vin:`` and the kinds' ``serial:``) and ``has:phone`` for any of a type. Anything else is
a :class:`QueryError` whose message says what to change.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from jit.inputs import EARLIEST_DATE, LATEST_DATE, holds_nul, nul_message

MAX_QUERY_CHARS = 500
MAX_TERMS = 40
MIN_PREFIX_CHARS = 2
MAX_FUZZY_DISTANCE = 2
FIELDS = {
    "party": "the party that holds or wrote it (party:NL)",
    "kind": (
        "the kind of document (kind:item, kind:custody, kind:message, kind:agreement, "
        "kind:firearm, kind:request)"
    ),
    "exhibit": "an exhibit number (exhibit:NL-0007)",
    "code": "a handling code (code:H2)",
    "type": "an evidence type (type:document)",
    "lang": "a document language (lang:fr)",
    "date": "a date or range (date:2026-03, date:2026-01-01..2026-03-31)",
    "has": "holds an identifier of a type (has:phone, has:iban, has:email, has:ip, has:vin)",
}
# Headers and document properties found in files (evidence/readers): each value is
# indexed as "name:value" tokens, so "every mail from this address" is one term.
ADDRESS_FIELDS = {
    "from": "a sender's address (from:dk@example.net)",
    "to": "a recipient's address (to:transport@example.org)",
    "cc": "a copied recipient's address (cc:ana@example.hr)",
    "msgid": "an e-mail's Message-ID (msgid:1234@mail.example.net)",
}
WORD_FIELDS = {
    "subject": "a word of an e-mail's subject (subject:lieferung)",
    "author": "a document's author (author:babic)",
}
DATE_FIELDS = {
    "sent": "the day, month or year an e-mail was sent (sent:2026-02-27)",
    "created": "when a document was created (created:2026-03)",
    "modified": "when a document was last changed (modified:2026)",
}
IDENTIFIER_FIELDS = ADDRESS_FIELDS | WORD_FIELDS | DATE_FIELDS
FIELDS |= IDENTIFIER_FIELDS
_FIELD = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)
_HAS_WORD = re.compile(r"\w", re.UNICODE)
_SPACED_VALUES = {
    "phone": re.compile(r"[\d()./-]{1,8}"),
    "iban": re.compile(r"[A-Z0-9]{1,4}"),
}
# re.ASCII: \d alone also matches other scripts' digits, which int() reads.
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$", re.ASCII)
_FUZZY = re.compile(r"(.+?)~(\d?)", re.ASCII)
# The dates the workspace records (jit.inputs): a range beyond them finds nothing, and
# the day after its end (date:9999) is no date Python holds.
_DATE_RANGE_MESSAGE = (
    f"Search dates run from {EARLIEST_DATE.year} to {LATEST_DATE.year}: "
    "write 2026, 2026-03 or 2026-03-14."
)


class QueryError(ValueError):
    """The query cannot be read; the message tells the person why."""


@dataclass(frozen=True)
class Word:
    text: str
    fuzzy: int = 0


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Prefix:
    text: str


@dataclass(frozen=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True)
class Identifier:
    """A normalised identifier token (``phone:+31612345678``, ``serial:12M5748221``)."""

    token: str


@dataclass(frozen=True)
class IdentifierType:
    """Holds at least one identifier of a type (``has:phone``): any ``phone:…`` token."""

    name: str


@dataclass(frozen=True)
class DateRange:
    start: datetime | None
    end: datetime | None  # exclusive


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class Everything:
    """Matches every document the reader may see (a query of filters only)."""


TEXT_NODES = (Word, Phrase, Prefix)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append((ch, ch))
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end == -1:
                raise QueryError('A quotation mark is not closed: add the closing ".')
            tokens.append(("phrase", text[i + 1 : end]))
            i = end + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in '()"':
                j += 1
            # A field with a quoted value: party:"NL" or exhibit:"NL-0007".
            if text[j - 1] == ":" and j < len(text) and text[j] == '"':
                end = text.find('"', j + 1)
                if end == -1:
                    raise QueryError('A quotation mark is not closed: add the closing ".')
                tokens.append(("word", text[i:j] + text[j + 1 : end]))
                i = end + 1
                continue
            # phone:+31 6 1234 5678 and iban:NL91 ABNA 0417 1643 00 as written: the
            # groups after the field belong to it.
            spaced = _SPACED_VALUES.get(text[i:j].split(":", 1)[0].lower())
            if spaced and ":" in text[i:j]:
                while True:
                    group = re.match(r"\s+(\S+)", text[j:])
                    if not group or not spaced.fullmatch(group.group(1)):
                        break
                    j += group.end()
            tokens.append(("word", text[i:j]))
            i = j
    return tokens


class _Parser:
    def __init__(self, tokens, identifiers=None):
        self.identifiers = identifiers or {}
        self.tokens = tokens
        self.position = 0
        self.terms = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.position += 1
        return token

    def parse(self):
        node = self.or_expression()
        if self.peek()[0] == ")":
            raise QueryError("A closing parenthesis has no opening one: remove the extra ).")
        return node

    def or_expression(self):
        children = [self.and_expression()]
        while self.peek() == ("word", "OR"):
            self.take()
            children.append(self.and_expression())
        return _combine(Or, children)

    def and_expression(self):
        children = [self.unary()]
        while True:
            kind, value = self.peek()
            if kind is None or kind == ")" or (kind, value) == ("word", "OR"):
                break
            if (kind, value) == ("word", "AND"):
                self.take()
            children.append(self.unary())
        return _combine(And, children)

    def unary(self):
        kind, value = self.peek()
        if (kind, value) == ("word", "NOT"):
            self.take()
            child = self.unary()
            return None if child is None else Not(child)
        if kind == "word" and value.startswith("-") and len(value) > 1:
            self.tokens[self.position] = ("word", value[1:])
            child = self.unary()
            return None if child is None else Not(child)
        return self.primary()

    def primary(self):
        kind, value = self.take()
        if kind is None:
            raise QueryError("The query ends where a word was expected (after AND, OR or NOT).")
        if kind == "(":
            node = self.or_expression()
            if self.take()[0] != ")":
                raise QueryError("A parenthesis is not closed: add the closing ).")
            return node
        if kind == ")":
            raise QueryError("A closing parenthesis has no opening one: remove the extra ).")
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"The query has too many terms (at most {MAX_TERMS}).")
        if kind == "phrase":
            if not value.strip():
                raise QueryError("The quotation marks hold nothing: put words between them.")
            return Phrase(value)
        if value in ("AND", "OR"):
            raise QueryError(f"{value} needs a word on each side.")
        return _term(value, self.identifiers)


def _combine(node_type, children):
    kept = [child for child in children if child is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else node_type(tuple(kept))


def _term(value: str, identifiers: dict | None = None):
    identifiers = identifiers or {}
    field = _FIELD.match(value)
    if field and not field.group(2).startswith("//"):
        name = field.group(1).lower()
        if name not in FIELDS and name not in identifiers:
            known = ", ".join(f"{key}:" for key in [*FIELDS, *identifiers])
            raise QueryError(f"There is no field {field.group(1)}: here. Use one of {known}")
        raw = field.group(2).strip()
        if not raw:
            example = FIELDS.get(name, f"{name}:…")
            raise QueryError(f"Say what {name}: should be, e.g. {example}.")
        if name == "has":
            return _identifier_type(raw, identifiers)
        if name in IDENTIFIER_FIELDS:
            # A header or property: one or more "name:value" tokens, all of which must hold.
            tokens = identifier_tokens(name, raw, query=True)
            if not tokens:
                raise QueryError(f"Say what {name}: should be, e.g. {FIELDS[name]}.")
            found = tuple(Identifier(token) for token in tokens)
            return found[0] if len(found) == 1 else And(found)
        if name in identifiers:
            try:
                return Identifier(f"{name}:{identifiers[name](raw)}")
            except ValueError as wrong:
                raise QueryError(str(wrong)) from None
        return parse_date_range(raw) if name == "date" else Field(name, raw)
    if value.endswith("*"):
        stem = value.rstrip("*")
        if "*" in stem or "?" in stem:
            raise QueryError("A wildcard may only end a word (medel*).")
        if len(stem) < MIN_PREFIX_CHARS:
            raise QueryError(f"Put at least {MIN_PREFIX_CHARS} letters before the * wildcard.")
        return Prefix(stem)
    if not _HAS_WORD.search(value):
        return None  # punctuation alone: nothing to look for
    if "*" in value:
        raise QueryError("A wildcard may only end a word (medel*).")
    fuzzy = _FUZZY.fullmatch(value)
    if fuzzy:
        distance = int(fuzzy.group(2) or 1)
        if not 1 <= distance <= MAX_FUZZY_DISTANCE:
            raise QueryError(f"A fuzzy term allows 1 or {MAX_FUZZY_DISTANCE} typos (word~2).")
        return Word(fuzzy.group(1), fuzzy=distance)
    return Word(value)


def _identifier_type(raw: str, identifiers: dict) -> IdentifierType:
    name = raw.lower()
    if name not in identifiers:
        known = ", ".join(f"has:{key}" for key in identifiers)
        raise QueryError(f"There is no identifier type {raw[:20]}. Use one of {known}.")
    return IdentifierType(name)


def _day(raw: str, *, end: bool) -> datetime:
    match = _DATE.match(raw)
    if not match:
        raise QueryError(f"{raw!r} is not a date: write 2026, 2026-03 or 2026-03-14.")
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        raise QueryError(_DATE_RANGE_MESSAGE)
    try:
        start = date(year, int(month or 1), int(day or 1))
    except ValueError:
        raise QueryError(f"{raw} is not a date that exists.") from None
    if not end:
        return datetime.combine(start, time(), tzinfo=UTC)
    if day:
        stop = start + timedelta(days=1)
    elif month:
        stop = date(year + (start.month == 12), start.month % 12 + 1, 1)
    else:
        stop = date(year + 1, 1, 1)
    return datetime.combine(stop, time(), tzinfo=UTC)


def identifier_tokens(name: str, value: str, *, query: bool = False) -> list[str]:
    """Return the index tokens of one metadata value (``query``: as a person typed it)."""
    from search import languages

    value = " ".join(str(value).split())
    if name in ADDRESS_FIELDS:
        value = value.strip("<>").lower()
        return [f"{name}:{value}"] if value and " " not in value else []
    if name in WORD_FIELDS:
        return [f"{name}:{languages.fold(word)}" for word in languages.WORD.findall(value)]
    if name not in DATE_FIELDS:
        return []
    if query:
        match = _DATE.match(value)
        if not match:
            raise QueryError(f"{name}: takes a date: write 2026, 2026-03 or 2026-03-14.")
        parts = [match.group(1), *(f"{int(part):02d}" for part in match.groups()[1:] if part)]
        return [f"{name}:{'-'.join(parts)}"]
    day = value[:10]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day, re.ASCII):
        return []
    return [f"{name}:{day[:4]}", f"{name}:{day[:7]}", f"{name}:{day}"]


def identifiers(metadata: dict | None) -> tuple[str, ...]:
    """Return the sorted index tokens of a file's metadata (``{"from": [...], ...}``)."""
    tokens: set[str] = set()
    for name, values in (metadata or {}).items():
        if isinstance(values, dict):  # "inside": what attachments and members hold
            tokens.update(identifiers(values))
            continue
        for value in values if isinstance(values, list) else [values]:
            tokens.update(identifier_tokens(name, value))
    return tuple(sorted(tokens))


def parse_date_range(raw: str) -> DateRange:
    """Read ``2026``, ``2026-03``, ``2026-03-14`` or ``FROM..TO`` (an end may be empty)."""
    if ".." in raw:
        first, _, last = raw.partition("..")
        start = _day(first, end=False) if first else None
        stop = _day(last, end=True) if last else None
        if start is None and stop is None:
            raise QueryError("Give at least one end of the date range (date:2026-01..).")
        if start and stop and start >= stop:
            raise QueryError("The date range runs backwards: put the earlier date first.")
        return DateRange(start, stop)
    return DateRange(_day(raw, end=False), _day(raw, end=True))


def parse(text: str, filters: dict | None = None, identifiers: dict | None = None):
    """Parse ``text`` and AND the ``filters`` (field → value) onto it.

    ``identifiers`` maps identifier fields (``phone``, ``serial``) to the function that
    normalises a typed value (search/identifiers.py).
    """
    text = text or ""
    if holds_nul(text) or holds_nul(filters or {}):
        # PostgreSQL refuses a NUL in a query's text; no indexed word holds one.
        raise QueryError(nul_message("search"))
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"The query is too long: at most {MAX_QUERY_CHARS} characters.")
    tokens = _tokens(text)
    node = _Parser(tokens, identifiers).parse() if tokens else None
    extra = []
    for name, value in (filters or {}).items():
        if value:
            extra.append(_term(f"{name}:{value}", identifiers))
    extra = [node for node in extra if node is not None]
    if node is None and not extra:
        raise QueryError("Type the words to search for.")
    nodes = ([node] if node is not None else []) + extra
    if not any(
        has_positive_text(n) or isinstance(n, Field | DateRange | Identifier | IdentifierType)
        for n in nodes
    ):
        nodes.insert(0, Everything())
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def has_positive_text(node) -> bool:
    if isinstance(node, TEXT_NODES):
        return True
    if isinstance(node, And | Or):
        return any(has_positive_text(child) for child in node.children)
    return False


def positive_terms(node) -> list:
    """The text leaves a hit may match (not under NOT), for highlighting and ranking."""
    if isinstance(node, TEXT_NODES):
        return [node]
    if isinstance(node, And | Or):
        return [leaf for child in node.children for leaf in positive_terms(child)]
    return []
