"""The chat's Markdown subset, rendered to HTML that is safe to put in a page.

Two layers: markdown-it with raw HTML off and only the rules we allow (emphasis, code,
lists, links, line breaks), then nh3 (ammonia) keeps only the tags, attributes and URL
schemes listed here and adds ``rel="noopener noreferrer nofollow"`` to every link.
Exhibit references (``#NL-0007``) become neutral ``<span class="exhibit-ref">`` elements;
whether a reader gets a link is decided per reader (:mod:`jit.chat.exhibits`).
"""

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# An exhibit number as the evidence register writes it: a party prefix and a number.
EXHIBIT_REFERENCE = re.compile(r"#([A-Z][A-Z0-9]{1,9}-[0-9]{1,6})(?![A-Za-z0-9-])")

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "a", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "span": {"data-exhibit"}, "ol": {"start"}}
ALLOWED_CLASSES = {"span": {"exhibit-ref"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def _exhibit_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "#":
        return False
    if state.pos > 0 and (state.src[state.pos - 1].isalnum() or state.src[state.pos - 1] == "&"):
        return False
    match = EXHIBIT_REFERENCE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("exhibit_ref", "span", 0)
        token.meta = {"ref": match.group(1)}
    state.pos = match.end()
    return True


def _render_exhibit(self, tokens, index, options, env) -> str:
    ref = tokens[index].meta["ref"]  # matched [A-Z0-9-] only: nothing to escape
    return f'<span class="exhibit-ref" data-exhibit="{ref}">#{ref}</span>'


def _build() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False})
    md.enable(["emphasis", "backticks", "escape", "entity", "newline", "link", "autolink"])
    md.enable(["list", "fence", "code"])
    md.inline.ruler.before("emphasis", "exhibit", _exhibit_rule)
    md.add_render_rule("exhibit_ref", _render_exhibit)
    return md


_MARKDOWN = _build()


def render(text: str) -> str:
    """Return ``text`` as sanitised HTML of the chat subset."""
    html = _MARKDOWN.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


_BLOCK_ENDS = re.compile(r"<br\s*/?>|</(?:p|li|pre)>")


def plain_text(text: str) -> str:
    """Return what a reader sees of ``text``, without its Markdown marks or any HTML.

    Search indexes and shows this, so a hit reads "#HR-0001", not "**#HR-0001**".
    """
    html = _BLOCK_ENDS.sub("\n", render(text))
    return re.sub(r"\n{2,}", "\n", unescape(nh3.clean(html, tags=set()))).strip()


def exhibit_references(text: str) -> list[str]:
    """Return the exhibit numbers a text refers to, in order, each once (code excluded)."""
    found: list[str] = []

    def walk(tokens):
        for token in tokens:
            if token.type == "exhibit_ref" and token.meta["ref"] not in found:
                found.append(token.meta["ref"])
            if token.children:
                walk(token.children)

    walk(_MARKDOWN.parse(text))
    return found
