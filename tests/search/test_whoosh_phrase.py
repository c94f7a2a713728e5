"""A phrase on Whoosh: the workspace's matcher finds what Whoosh's own finds, scored alike.

``_PhraseMatcher`` compares a candidate's word positions as sets of numbers instead of
Whoosh's ``Span`` objects (benchmarks/search: the span check was most of a common
phrase's time). Same documents, same scores, same spans, on texts made to trip a
positional check: words repeated, out of order, overlapping occurrences, the phrase at
the start and at the end, in several segments with deletions.
"""

import random

import pytest
from whoosh import query

from search import query as q
from search.backends import Scope
from search.backends import whoosh as backend
from tests.search.conftest import message_document

VOCABULARY = ["the", "van", "was", "searched", "at", "border", "van", "the"]
CRAFTED = [
    "the van was searched",
    "searched was van the",
    "the van the van was searched was searched",
    "van van was was searched searched",
    "the van was stopped and searched, the van was empty",
    "was searched the van",
    "the the van was searched searched",
    "border van was searched at the border",
]


@pytest.fixture
def whoosh(tmp_path):
    index = backend.WhooshBackend(tmp_path)
    rng = random.Random(11)
    bodies = CRAFTED + [
        " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(2, 30))) for _ in range(400)
    ]
    documents = [message_document(number, body) for number, body in enumerate(bodies, start=1)]
    for first in range(0, len(documents), 100):  # several segments
        index.apply(1, documents[first : first + 100], [])
    index.apply(1, [], [f"message:{n}" for n in (9, 120, 250)])  # deletions in old segments
    return index


PHRASES = [
    ["the", "van"],
    ["van", "was"],
    ["the", "van", "was", "searched"],
    ["van", "was", "searched"],
    ["searched", "the"],
    ["the", "the"],
    ["van", "van", "van"],
    ["was", "searched", "at", "the", "border"],
    ["border", "border"],
    ["the", "nowhere"],
]


@pytest.mark.parametrize("field", ["text", "text_en"])
@pytest.mark.parametrize("words", PHRASES, ids=" ".join)
def test_the_phrase_matcher_finds_and_scores_what_whooshs_does(whoosh, field, words):
    ix = whoosh._open(1, create=False)
    with ix.searcher() as searcher:
        analysed = [t.text for t in searcher.schema[field].analyzer(" ".join(words))]
        theirs = searcher.search(query.Phrase(field, analysed), limit=None)
        ours = searcher.search(backend._Phrase(field, analysed), limit=None)
        expected = {hit["uid"]: hit.score for hit in theirs}
        assert {hit["uid"]: hit.score for hit in ours} == expected
        if words != ["the", "nowhere"]:
            assert expected, words  # the corpus holds every phrase but the last

        # The spans too: first to last word of each occurrence, in order.
        for whooshs, workspaces in [
            (query.Phrase(field, analysed), backend._Phrase(field, analysed))
        ]:
            theirs_m = whooshs.matcher(searcher)
            ours_m = workspaces.matcher(searcher)
            while theirs_m.is_active():
                assert ours_m.is_active()
                assert ours_m.id() == theirs_m.id()
                assert ours_m.spans() == theirs_m.spans()
                theirs_m.next()
                ours_m.next()
            assert not ours_m.is_active()


def test_a_phrase_query_finds_the_phrase_and_not_its_words_apart(whoosh):
    scope = [Scope(1, "T", frozenset({"team"}))]
    found = whoosh.query(
        scope, q.parse('"the van was searched"'), sort="relevance", page=1, per_page=50
    )
    uids = {hit.uid for hit in found.hits}
    assert {"message:1", "message:3", "message:7"} <= uids
    assert not {"message:2", "message:4", "message:6"} & uids
