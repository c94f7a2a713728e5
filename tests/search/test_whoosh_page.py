"""Whoosh turns only the page's matches into hits: the others are counted, not highlighted."""

from datetime import UTC, datetime

from search import highlight
from search.backends import Scope
from search.backends.whoosh import WhooshBackend
from search.query import parse
from search.registry import Document

SCOPE = [Scope(1, "PAGE", frozenset({"reader"}))]


def _document(number: int, body: str) -> Document:
    return Document(
        kind="item",
        object_id=number,
        team_id=1,
        title=f"T{number}",
        body=body,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        readers=("reader",),
        language="en",
    )


def test_only_the_page_is_highlighted_and_ties_keep_their_uid_order(tmp_path, monkeypatch):
    backend = WhooshBackend(tmp_path)
    # Five that rank first, then 25 with the same score: their places go by uid
    # ("item:10" before "item:6"), not by the order Whoosh stored them in.
    documents = [_document(n, "courier courier courier at the harbour") for n in range(1, 6)]
    documents += [_document(n, "the courier left the harbour") for n in range(6, 31)]
    backend.apply(1, documents, [])
    every = backend.query(SCOPE, parse("courier"), sort="relevance", page=1, per_page=30)
    assert every.total == 30
    ranked = [hit.uid for hit in every.hits]
    assert ranked[5:8] == ["item:10", "item:11", "item:12"]

    highlighted = []
    real = highlight.fragments

    def counting(text, terms, language):
        highlighted.append(text)
        return real(text, terms, language)

    monkeypatch.setattr(highlight, "fragments", counting)
    for page in (1, 2, 3):
        highlighted.clear()
        found = backend.query(SCOPE, parse("courier"), sort="relevance", page=page, per_page=10)
        assert found.total == 30
        assert [hit.uid for hit in found.hits] == ranked[(page - 1) * 10 : page * 10]
        # The hits that can take the first page * 10 places, not all 30.
        assert len(highlighted) <= page * 10
        assert "<mark>courier</mark>" in found.hits[0].fragment
