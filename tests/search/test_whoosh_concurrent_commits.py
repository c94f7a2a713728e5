"""A query that races the index writer's commit is answered, never a 500.

Whoosh opens an index by listing its newest generation and then reading that
generation's table of contents; a commit in between deletes the listed file. Under a
50-user load this failed 7 of 601 searches with FileNotFoundError (benchmarks/load).
"""

import threading
from datetime import UTC, datetime

from whoosh.filedb.filestore import FileStorage

from search import query as q
from search.backends import Scope
from search.backends import whoosh as backend
from search.registry import Document

SCOPES = [Scope(1, "OP-1", frozenset({"reader"}))]


def _document(number: int) -> Document:
    return Document(
        kind="item",
        object_id=number,
        team_id=1,
        title=f"Report {number}",
        body="Van searched at the Bajakovo crossing",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        readers=("reader",),
    )


def _search(whoosh) -> int:
    return whoosh.query(SCOPES, q.parse("bajakovo"), sort="relevance", page=1, per_page=5).total


def test_a_generation_replaced_between_listing_and_reading_is_listed_again(tmp_path, monkeypatch):
    whoosh = backend.WhooshBackend(tmp_path)
    whoosh.apply(1, [_document(1)], [])
    real_open = FileStorage.open_file
    vanished = []

    def open_file(storage, name, *args, **kwargs):
        # The first two tables of contents looked for are gone by the time they are
        # read: once while opening the index, once while opening its searcher.
        if name.endswith(".toc") and len(vanished) < 2:
            vanished.append(name)
            raise FileNotFoundError(name)
        return real_open(storage, name, *args, **kwargs)

    monkeypatch.setattr(FileStorage, "open_file", open_file)
    assert _search(whoosh) == 1
    assert len(vanished) == 2


def test_searches_during_a_stream_of_commits_all_answer(tmp_path):
    whoosh = backend.WhooshBackend(tmp_path)
    whoosh.apply(1, [_document(0)], [])
    stop, failures = threading.Event(), []

    def write():
        number = 1
        while not stop.is_set():
            whoosh.apply(1, [_document(number)], [])
            number += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        totals = []
        for _ in range(300):
            try:
                totals.append(_search(whoosh))
            except FileNotFoundError as error:
                failures.append(error)
    finally:
        stop.set()
        writer.join()
    assert failures == []
    assert totals == sorted(totals)  # each search sees the index as at least as new
