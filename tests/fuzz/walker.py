"""What the fuzz walk knows about the app: its routes, example URLs, forms and query names.

Nothing here names a route. The walk crawls the pages each identity can reach, matches
every link, form and redirect against the app's URL map, and so learns a working URL
for each rule, the fields of the forms that post to it and the query names its links
use. A package added later is walked the same way.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Rule

from tests.fuzz.catalogue import Hostile

SKIPPED_ENDPOINTS = {"static"}
# Two pages of each rule per identity: the first version or item may not link to what a
# second one does (a draft's editor, an item's other files).
PAGES_PER_RULE = 2
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>\w+)>")


@dataclass
class FormInput:
    name: str
    kind: str  # the input's type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)  # a select's option values
    placeholder: str = ""  # what the field shows when empty (an ISO field's format)
    required: bool = False


@dataclass
class PageForm:
    action: str
    method: str
    enctype: str
    inputs: list[FormInput] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self.links: list[str] = []
        self._form: PageForm | None = None
        self._select: FormInput | None = None
        self._textarea: FormInput | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "form":
            self._form = PageForm(
                action=attributes.get("action") or self.page_url,
                method=(attributes.get("method") or "get").upper(),
                enctype=attributes.get("enctype") or "application/x-www-form-urlencoded",
            )
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            value = attributes.get("value") or ""
            self._select.options.append(value)
            if "selected" in attributes:
                self._select.value = value
        elif self._form is None or not attributes.get("name"):
            return
        elif tag == "input":
            kind = (attributes.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                value = ""
            else:
                value = attributes.get("value") or ""
            placeholder = attributes.get("placeholder") or ""
            required = "required" in attributes
            # A checkbox or radio button keeps the value it sends when checked.
            options = [attributes.get("value") or "on"] if kind in ("checkbox", "radio") else []
            self._form.inputs.append(
                FormInput(attributes["name"], kind, value, options, placeholder, required)
            )
        elif tag == "select":
            self._select = FormInput(attributes["name"], "select", "")
            self._form.inputs.append(self._select)
        elif tag == "textarea":
            self._textarea = FormInput(attributes["name"], "textarea", "")
            self._textarea.required = "required" in attributes
            self._form.inputs.append(self._textarea)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            if not self._select.value and self._select.options:
                self._select.value = self._select.options[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse_page(url: str, html: str) -> _PageParser:
    parser = _PageParser(url)
    parser.feed(html)
    return parser


@dataclass
class RouteKnowledge:
    rule: Rule
    example_urls: dict[str, str] = field(default_factory=dict)  # identity → URL
    forms: dict[str, list[PageForm]] = field(default_factory=dict)  # identity → forms
    query_names: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)  # identity → status of a GET
    is_page: bool = False  # a GET answered with HTML (not a PDF, a file or an export)

    @property
    def methods(self) -> list[str]:
        return sorted(self.rule.methods - {"HEAD", "OPTIONS"})


class Map:
    """Every rule of the app, with what the crawl learnt about each."""

    def __init__(self, app):
        self.app = app
        self.adapter = app.url_map.bind("localhost")
        self.routes = {
            rule.rule: RouteKnowledge(rule)
            for rule in app.url_map.iter_rules()
            if rule.endpoint not in SKIPPED_ENDPOINTS
        }
        self.argument_examples: dict[str, str] = {}

    def match(self, url: str, method: str = "GET") -> tuple[RouteKnowledge, dict] | None:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            return None
        try:
            rule, arguments = self.adapter.match(parts.path, method=method, return_rule=True)
        except (MethodNotAllowed, HTTPException):
            return None
        knowledge = self.routes.get(rule.rule)
        return (knowledge, arguments) if knowledge else None

    def learn_url(self, identity: str, url: str, method: str = "GET") -> RouteKnowledge | None:
        """Remember ``url`` as an example of its rule; return the rule's knowledge."""
        found = self.match(url, method)
        if found is None:
            return None
        knowledge, _arguments = found
        parts = urlsplit(url)
        knowledge.example_urls.setdefault(identity, parts.path)
        knowledge.query_names.update(name for name, _ in parse_qsl(parts.query))
        for name, raw in _path_arguments(knowledge.rule, parts.path).items():
            self.argument_examples.setdefault(name, raw)
        self._learn_json_twin(identity, parts, method)
        return knowledge

    def _learn_json_twin(self, identity: str, parts, method: str) -> None:
        """Learn ``<path>.json``, the same page for scripts, if the app has one.

        No page links to it (a script builds its URL), but it reads the same query.
        """
        if parts.path.endswith(".json") or parts.path.endswith("/"):
            return
        found = self.match(parts.path + ".json", method)
        if found is not None:
            twin, _arguments = found
            twin.example_urls.setdefault(identity, parts.path + ".json")
            twin.query_names.update(name for name, _ in parse_qsl(parts.query))

    def learn_form(self, identity: str, form: PageForm) -> None:
        knowledge = self.learn_url(identity, form.action, form.method)
        if knowledge is None:
            return
        if form.method == "GET":
            names = {item.name for item in form.inputs}
            knowledge.query_names.update(names)
            twin = self.match(urlsplit(form.action).path + ".json")
            if twin is not None and twin[0] is not knowledge:
                twin[0].query_names.update(names)
        else:
            knowledge.forms.setdefault(identity, []).append(form)

    def example_url(self, knowledge: RouteKnowledge, identity: str) -> str:
        """Return a URL of the rule that works for ``identity`` if one was seen, else a guess."""
        if identity in knowledge.example_urls:
            return knowledge.example_urls[identity]
        if knowledge.example_urls:
            return next(iter(knowledge.example_urls.values()))
        return build_path(knowledge.rule, self._guess)

    def example_argument(self, knowledge, identity: str, name: str, converter) -> str:
        """Return the raw path text of argument ``name`` in the rule's example URL."""
        example = _path_arguments(knowledge.rule, self.example_url(knowledge, identity))
        return example.get(name) or self._guess(name, converter)

    def _guess(self, name: str, converter: str | None) -> str:
        if name in self.argument_examples:
            return self.argument_examples[name]
        return "1" if converter == "int" else "x"


def _path_arguments(rule: Rule, path: str) -> dict[str, str]:
    """Return the raw path text of each of ``rule``'s arguments in ``path``."""
    pattern, names = "", []
    position = 0
    for match in _ARGUMENT.finditer(rule.rule):
        pattern += re.escape(rule.rule[position : match.start()])
        pattern += "(.+)" if match.group("converter") == "path" else "([^/]+?)"
        names.append(match.group("name"))
        position = match.end()
    pattern += re.escape(rule.rule[position:])
    found = re.fullmatch(pattern, path)
    return dict(zip(names, found.groups(), strict=True)) if found else {}


def build_path(rule: Rule, value_of) -> str:
    """Fill ``rule``'s arguments with ``value_of(name, converter)`` (raw path text)."""

    def fill(match):
        return value_of(match.group("name"), match.group("converter"))

    return _ARGUMENT.sub(fill, rule.rule)


def path_arguments(rule: Rule) -> list[tuple[str, str | None]]:
    return [(m.group("name"), m.group("converter")) for m in _ARGUMENT.finditer(rule.rule)]


def url_text(value: Hostile) -> str:
    """Return a hostile value percent-encoded for a path segment or a query value."""
    raw = value.value if isinstance(value.value, bytes) else str(value.value).encode()
    return quote(raw, safe="")


def crawl(fuzz_map: Map, clients: dict, start_urls=("/", "/account", "/admin/")) -> None:
    """Visit what each identity can reach, one page per rule, learning links and forms."""
    for identity, client in clients.items():
        queue = list(start_urls)
        fetched: dict[str, int] = {}  # rule → pages of it fetched by this identity
        seen_urls: set[str] = set()
        while queue:
            url = queue.pop(0)
            if url in seen_urls:
                continue
            seen_urls.add(url)
            knowledge = fuzz_map.learn_url(identity, url)
            if knowledge is None or fetched.get(knowledge.rule.rule, 0) >= PAGES_PER_RULE:
                continue
            fetched[knowledge.rule.rule] = fetched.get(knowledge.rule.rule, 0) + 1
            if knowledge.statuses and not knowledge.is_page:
                continue  # a download (a PDF, an export) is fetched by one identity only
            response = client.get(url)
            knowledge.statuses[identity] = response.status_code
            knowledge.is_page |= response.mimetype == "text/html"
            location = response.headers.get("Location")
            if location:
                fuzz_map.learn_url(identity, location)
                queue.append(location)
            if response.mimetype != "text/html":
                continue
            page = parse_page(url, response.get_data(as_text=True))
            for form in page.forms:
                fuzz_map.learn_form(identity, form)
            queue.extend(link.split("#")[0] for link in page.links)
