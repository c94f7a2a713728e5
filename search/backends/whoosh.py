"""The embedded backend: one Whoosh index directory per team under the instance folder.

Only the outbox drainer (one thread in the one process holding the writer lock, see
search/outbox.py) and ``jit search reindex`` call the writing methods; Whoosh allows
one writer per index.
"""

import heapq
import shutil
import threading
import time
from array import array
from contextlib import contextmanager
from datetime import UTC
from functools import partial
from pathlib import Path

from whoosh import collectors, fields, index, matching, query, sorting
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.query.spans import Span, SpanNear2
from whoosh.reading import SegmentReader

from search import highlight, identifiers, languages
from search import query as q
from search.backends import Hit, Results, Scope, digest
from search.registry import Document

PER_TEAM = "team-{}"
_FACET_FIELDS = {
    "kind": "kind",
    "party": "party",
    "handling": "code",
    "type": "evidence_type",
    "month": "month",
}
_FILTER_FIELDS = {
    "party": "party",
    "kind": "kind",
    "exhibit": "exhibit",
    "code": "code",
    "type": "evidence_type",
    "lang": "language",
}


class FoldFilter(Filter):
    """Lower-case and strip accents from every token ("Medellín" → "medellin")."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = languages.fold(token.text)
            yield token


def _analyzer(language: str | None = None):
    # Stem before folding: stemmers know their language's accented suffixes ("-ación").
    if language:
        return RegexTokenizer(r"\w+") | LowercaseFilter() | StemFilter(lang=language) | FoldFilter()
    return RegexTokenizer(r"\w+") | FoldFilter()


# "name:value" tokens (search/identifiers.py, search.query.identifier_tokens) hold no
# space, so whitespace separates them; stored for "also appears in".
IDENTIFIERS = fields.KEYWORD(lowercase=False, stored=True)
# Their types ("phone ip sent"), for has:phone and the identifier-type facet: a few
# terms, where a prefix over IDENTIFIERS expands to every phone number of the team.
IDENTIFIER_TYPES = fields.KEYWORD(lowercase=False)
ADDED_FIELDS = {"identifiers": IDENTIFIERS, "identifier_types": IDENTIFIER_TYPES}


def schema() -> fields.Schema:
    stemmed = {
        f"text_{code}": fields.TEXT(analyzer=_analyzer(code), phrase=True)
        for code in languages.STEMMED
    }
    return fields.Schema(
        uid=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True, sortable=True),
        object_id=fields.STORED,
        team_id=fields.STORED,
        title=fields.STORED,
        body=fields.STORED,
        text=fields.TEXT(analyzer=_analyzer(), phrase=True),
        readers=fields.KEYWORD(lowercase=False),
        identifiers=IDENTIFIERS,
        identifier_types=IDENTIFIER_TYPES,
        party=fields.ID(stored=True, sortable=True),
        code=fields.ID(stored=True, sortable=True),
        exhibit=fields.ID(stored=True),
        evidence_type=fields.ID(stored=True, sortable=True),
        language=fields.ID(stored=True),
        month=fields.ID(stored=True, sortable=True),
        occurred_at=fields.DATETIME(stored=True, sortable=True),
        ref=fields.STORED,
        digest=fields.STORED,
        **stemmed,
    )


class _PhraseMatcher(SpanNear2.SpanNear2Matcher):
    """Whoosh's exact-phrase matcher, its positions compared as sets of numbers.

    Whoosh checks a candidate's positions as ``Span`` objects, each word's against the
    next's with a binary search: ~70 % of a common phrase's time at 100,000 documents
    (``spans._get_spans``, benchmarks/search). A phrase starts at ``s`` when word ``i``
    stands at ``s + i`` for every ``i``, so the starts are one set intersection per
    word. Only slop 1 (the words next to each other, in order) is meant: the only phrase
    the query language has. The matching documents, their scores (the intersection's
    BM25F, as before) and the spans (first to last word) are Whoosh's.
    """

    def _get_spans(self):
        starts = None
        for offset, matcher in enumerate(self.ms):
            shifted = {position - offset for position in matcher.value_as("positions")}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                return []
        last = len(self.ms) - 1
        return [Span(start, start + last) for start in sorted(starts)]


class _Phrase(query.Phrase):
    """``query.Phrase`` answered by :class:`_PhraseMatcher` (the words in order, adjacent)."""

    def matcher(self, searcher, context=None):
        if self.fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[self.fieldname]
        if not field.format.supports("positions"):
            return super().matcher(searcher, context)  # Whoosh's own answer (an error)
        reader = searcher.reader()
        terms = []
        for word in self.words:
            if (self.fieldname, field.to_bytes(word)) not in reader:
                return matching.NullMatcher()  # a word the field never holds
            terms.append(query.Term(self.fieldname, word))
        context = SpanNear2._span_context(context)
        matcher = _PhraseMatcher([term.matcher(searcher, context) for term in terms])
        if self.boost != 1.0:
            matcher = matching.WrappingMatcher(matcher, boost=self.boost)
        return matcher


# How the writer merges segments. Whoosh's own policy (MERGE_SMALL) merges the n
# smallest segments (n >= 5) as soon as they hold fewer documents than fib(n + 4), which
# grows faster than segments do: once a team's index had some 17-20 segments it merged
# 17,000-64,000 documents in one commit (7-27 s at 0.42 ms a document,
# benchmarks/search), and the writer, the only one, made nothing searchable meanwhile.
# Here a commit merges segments of one decimal size (10-99 documents, 100-999...) once
# MERGE_FANOUT of them exist, never more than MERGE_CAP_DOCS documents (~1 s); segments
# that grow past that are merged when the index is idle (tidy), in groups of at most
# TIDY_CAP_DOCS, one commit each.
MERGE_FANOUT = 10
MERGE_CAP_DOCS = 2_000
TIDY_CAP_DOCS = 10_000
TIDY_SEGMENTS = 8


def _tier(count: int) -> int:
    return len(str(max(count, 1))) - 1


def commit_merge(counts: list[int]) -> list[int]:
    """The segments (indices of ``counts``, their document counts) a commit merges."""
    tiers: dict[int, list[int]] = {}
    for number, count in enumerate(counts):
        if count <= MERGE_CAP_DOCS:
            tiers.setdefault(_tier(count), []).append(number)
    for tier in sorted(tiers):
        if len(tiers[tier]) < MERGE_FANOUT:
            continue
        chosen, total = [], 0
        for number in sorted(tiers[tier], key=lambda n: counts[n]):
            if total + counts[number] > MERGE_CAP_DOCS:
                break
            chosen.append(number)
            total += counts[number]
        if len(chosen) > 1:
            return chosen
    return []


def tidy_merge(counts: list[int]) -> list[int]:
    """The segments an idle index merges next: the smallest, together at most
    TIDY_CAP_DOCS documents, while more than TIDY_SEGMENTS segments remain."""
    if len(counts) <= TIDY_SEGMENTS:
        return []
    chosen, total = [], 0
    for number in sorted(range(len(counts)), key=lambda n: counts[n]):
        if total + counts[number] > TIDY_CAP_DOCS:
            break
        chosen.append(number)
        total += counts[number]
    return chosen if len(chosen) > 1 else []


def _merging(choose):
    """A Whoosh merge policy (``commit(mergetype=…)``) that merges what ``choose`` picks."""

    def policy(writer, segments):
        chosen = set(choose([segment.doc_count_all() for segment in segments]))
        for number in sorted(chosen):
            reader = SegmentReader(writer.storage, writer.schema, segments[number])
            writer.add_reader(reader)
            reader.close()
        return [segment for number, segment in enumerate(segments) if number not in chosen]

    return policy


# Whoosh opens an index by listing its newest generation, then reading that generation's
# table of contents. A commit by the index writer (another thread or process) between
# the two replaces the generation and deletes the old file: the read fails with
# FileNotFoundError although the index is fine. Listing again finds the new generation.
OPEN_ATTEMPTS = 5


def _raced(attempt: int, error: FileNotFoundError) -> None:
    """Wait a moment before listing again; give up after the last attempt."""
    if attempt == OPEN_ATTEMPTS - 1:
        raise error
    time.sleep(0.01 * (attempt + 1))


def _searcher(ix):
    """Return a searcher over ``ix``'s newest generation, outliving a concurrent commit."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return ix.searcher()
        except FileNotFoundError as error:
            _raced(attempt, error)
    raise AssertionError("unreachable")


class _TopWithTies(collectors.TopCollector):
    """Whoosh's top-N collector that also keeps every match tied with the last place.

    Results are ordered by score, then uid: the page needs all the documents that score
    what the last place scores, to take the lowest uids among them (Whoosh's collector
    keeps the first of a tie by document number). Every match is scored, as by the
    collector of all matches used before: Whoosh's block-quality skipping (``minscore``
    above 0, which also lets it drop whole branches of the query) missed documents of
    the first page and scored others lower on a 60-document index, so its bounds are
    not safe here; ``minscore`` stays 0 and quality is not used.
    """

    def __init__(self, limit, readers: dict[int, object]):
        super().__init__(limit, usequality=False)
        self.readers = readers  # {segment offset: the reader tokens' score per document}

    def set_subsearcher(self, subsearcher, offset):
        super().set_subsearcher(subsearcher, offset)
        self.readers_here = self.readers[offset]

    def collect(self, sub_docnum):
        # The query is the text alone; the reader tokens are applied here, as the
        # filter they are, and their score added as Whoosh's AND of the two adds it
        # (IntersectionMatcher.score: a.score() + b.score()), so scores stay the same.
        readers = self.readers_here[sub_docnum]
        if not readers:
            return 0
        return self._collect(self.offset + sub_docnum, self.matcher.score() + readers)

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self.tied = []  # (score, -docnum) scoring exactly what the last place scores
        self.matched = []  # every match's document number, for the total and the facets

    def _collect(self, global_docnum, score):
        items = self.items
        self.matched.append(global_docnum)
        entry = (score, 0 - global_docnum)
        if len(items) < self.limit:
            heapq.heappush(items, entry)
        elif score > items[0][0]:
            pushed_out = heapq.heapreplace(items, entry)
            last = items[0][0]
            if self.tied and self.tied[0][0] < last:
                self.tied = []
            if pushed_out[0] == last:
                self.tied.append(pushed_out)
        elif score == items[0][0]:
            self.tied.append(entry)
        else:
            return 0
        return 0 - score

    def ranked(self) -> list[tuple[float, int]]:
        """``(score, docnum)`` of the top N and their ties, best first."""
        return [
            (score, -negated) for score, negated in sorted(self.items + self.tied, reverse=True)
        ]


def _leading(searcher, ranked: list[tuple[float, int]], wanted: int) -> list[tuple[float, int]]:
    """Return the ``(score, docnum)`` of ``ranked`` that take the first ``wanted`` places.

    Results are ordered by score, then uid (:meth:`WhooshBackend.query`), so the hits
    tied with the last place's score are ordered by uid here too, and the page is the
    one all the matches would give. Only these are turned into hits and highlighted: a
    common word matching thousands of documents must not highlight them all.
    """
    if len(ranked) <= wanted:
        return ranked
    last = ranked[wanted - 1][0]
    above = [entry for entry in ranked if entry[0] > last]
    tied = [entry for entry in ranked if entry[0] == last]
    if len(above) + len(tied) == wanted:
        return above + tied
    tied.sort(key=lambda entry: searcher.stored_fields(entry[1])["uid"])
    return above + tied[: wanted - len(above)]


def _bits(docnums) -> int:
    """A set of document numbers as an int whose bit n is set for document n.

    The matches are counted per facet value as bit masks: ``&`` and ``int.bit_count``
    run in C over 100,000 documents in microseconds, where Whoosh's facet collector
    works out each match's values one by one in Python.
    """
    docnums = list(docnums)
    if not docnums:
        return 0
    buffer = bytearray(max(docnums) // 8 + 1)
    for docnum in docnums:
        buffer[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


class _Kept:
    """What the searches of one index share between queries.

    Opening a searcher opens every segment's files and reads their tables (0.2 s at
    100,000 documents, 17 segments), so searchers are kept open: each is used by one
    query at a time, taken from the backend's idle ones and given back. A searcher is
    only taken again while its generation is still the index's newest (checked at each
    query: the writer is another process, and a commit must be searchable at once); a
    newer generation gets a new searcher. (Whoosh's own ``Searcher.refresh()`` is not used:
    in whoosh3 3.54.0 it keeps the readers of segments that a merge replaced and the
    deleted-documents list a segment had before the commit.)

    Besides, per segment (a segment's documents never change; only deletions are
    added), bit masks of each facet value's documents and each identifier type's.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.index = None  # the FileIndex, kept to list the newest generation
        self.segments: dict[str, dict] = {}  # segment id -> its masks
        self.content: tuple | None = None  # the segments ``combined`` describes
        self.combined: dict = {}  # the masks over all those segments


# Searchers kept open, all indexes together: each holds its segments' files open.
IDLE_SEARCHERS = 8
# Masks remembered per segment (facet fields, identifier types): a mask of a segment
# of 100,000 documents is 12.5 kB.
CACHED_PER_SEGMENT = 64


def _version(folder: Path, generation: int) -> tuple | None:
    """Identify one generation of the index in ``folder``, or None if it is gone.

    The number alone is not enough: ``jit search reindex`` starts an index afresh and
    counts its generations again from the start.
    """
    try:
        status = (folder / f"_MAIN_{generation}.toc").stat()
    except FileNotFoundError:
        return None
    return (generation, status.st_ino, status.st_mtime_ns, status.st_size)


def _segment_id(reader) -> str | None:
    """The reader's segment, or None for a reader of no segment (an empty index)."""
    segment = getattr(reader, "segment", lambda: None)()
    return None if segment is None else segment.segment_id()


def _per_segment(kept: _Kept, searcher, what, compute) -> list[tuple[int, object]]:
    """Return ``[(offset, compute(segment searcher, offset))]`` for the index's segments.

    ``compute`` answers in the segment's own document numbers, deleted documents
    included (what it answers is only ever applied to matches, which never are): a
    segment's documents never change, so neither does its answer, kept while the
    segment is in the index.
    """
    leaves = searcher.leaf_searchers()
    content = tuple(_segment_id(sub.reader()) for sub, _offset in leaves)
    with kept.lock:
        if kept.content != content:
            # Forget what belongs to segments the index no longer has (merged away).
            kept.segments = {key: kept.segments[key] for key in content if key in kept.segments}
            kept.content, kept.combined = content, {}
    answers = []
    for (sub, offset), key in zip(leaves, content, strict=True):
        with kept.lock:
            store = None if key is None else kept.segments.setdefault(key, {})
            local = None if store is None else store.get(what)
        if local is None:
            local = compute(sub, offset)
            if store is not None:
                with kept.lock:
                    if len(store) > CACHED_PER_SEGMENT:
                        store.clear()
                    store[what] = local
        answers.append((offset, local))
    return answers


def _combined(kept: _Kept, searcher, what, compute):
    """Return :func:`_per_segment`'s bit masks (or ``{name: mask}``) over the whole index.

    The segments' masks shifted to their offsets and ORed, once per set of segments.
    """
    content = tuple(_segment_id(sub.reader()) for sub, _offset in searcher.leaf_searchers())
    with kept.lock:
        cached = kept.combined.get(what) if kept.content == content else None
    if cached is not None:
        return cached
    answers = _per_segment(kept, searcher, what, compute)
    combined = None
    for offset, local in answers:
        if isinstance(local, dict):
            combined = {} if combined is None else combined
            for name, mask in local.items():
                combined[name] = combined.get(name, 0) | (mask << offset)
        else:
            combined = (combined or 0) | (local << offset)
    with kept.lock:
        if kept.content == content:
            if len(kept.combined) > CACHED_PER_SEGMENT:
                kept.combined.clear()
            kept.combined[what] = combined
    return combined


def _reader_scores(allowed, segment, _offset):
    """What ``allowed`` (the reader tokens' OR) scores for each document of a segment.

    0 for a document none of the tokens opens. Whoosh's own matcher for the tokens,
    in the context a search gives it, so the score added to the text's is the one
    an AND of the two gave. Small whole numbers (one per token a document holds) fit
    a byte each: 100 kB for 100,000 documents.
    """
    scores = array("d", bytes(8 * segment.reader().doc_count_all()))
    matcher = allowed.matcher(segment, segment.context())
    while matcher.is_active():
        scores[matcher.id()] = matcher.score()
        matcher.next()
    if all(score.is_integer() and score < 256 for score in scores):
        return bytearray(int(score) for score in scores)
    return scores


def _facet_masks(searcher, field: str, segment, offset: int) -> dict:
    """``{value: mask}`` of one segment's documents for a facet field, deleted included.

    The values are the ones Whoosh's ``FieldFacet`` groups by (its own categorizer
    reads them: the field's column), read once per segment.
    """
    categorizer = sorting.FieldFacet(field).categorizer(searcher)
    categorizer.set_searcher(segment, offset)
    groups: dict = {}
    for docnum in range(segment.reader().doc_count_all()):
        name = categorizer.key_to_name(categorizer.key_for(None, docnum))
        groups.setdefault(name, []).append(docnum)
    return {name: _bits(docnums) for name, docnums in groups.items()}


def _filter_value(name: str, value: str) -> str:
    return value.upper() if name in ("party", "exhibit", "code") else value.lower()


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._kept: dict[Path, _Kept] = {}
        self._idle: list[tuple[Path, tuple, object]] = []  # (folder, version, searcher)

    # --- the writer's side ---------------------------------------------------------

    def team_dir(self, team_id: int) -> Path:
        return self.root / PER_TEAM.format(team_id)

    def _open(self, team_id: int, *, create: bool):
        folder = self.team_dir(team_id)
        for attempt in range(OPEN_ATTEMPTS):
            try:
                if index.exists_in(folder):
                    return index.open_dir(folder)
                break
            except FileNotFoundError as error:
                _raced(attempt, error)
        if not create:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        return index.create_in(folder, schema())

    def apply(self, team_id: int, upserts: list[Document], deletes: list[str]) -> None:
        """Write one team's changes in one commit."""
        if not upserts and not deletes:
            return
        ix = self._open(team_id, create=bool(upserts))
        if ix is None:
            return
        writer = ix.writer()
        try:
            for name, field_type in ADDED_FIELDS.items():
                if name not in writer.schema:
                    # An index made before the field existed gains it.
                    writer.add_field(name, field_type)
            for uid in deletes:
                writer.delete_by_term("uid", uid)
            for document in upserts:
                writer.update_document(**self._fields(document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=_merging(commit_merge))

    def segment_counts(self, team_id: int) -> list[int]:
        """The documents (deleted ones included) of each of the team's index segments."""
        ix = self._open(team_id, create=False)
        return [] if ix is None else [segment.doc_count_all() for segment in ix._segments()]

    def tidy(self, stop=lambda: False) -> int:
        """Merge the small segments of every team's index, one capped group a commit,
        until few remain or ``stop()`` says changes are waiting; return the merges done.

        Called by the writer when nothing has changed for a while (search/outbox.py).
        """
        merged = 0
        for folder in sorted(self.root.glob(PER_TEAM.format("*"))):
            team_id = int(folder.name.split("-", 1)[1])
            while not stop() and tidy_merge(self.segment_counts(team_id)):
                writer = self._open(team_id, create=False).writer()
                writer.commit(mergetype=_merging(tidy_merge))
                merged += 1
        return merged

    def delete_everywhere(self, uids: list[str]) -> None:
        """Forget documents whose team is unknown (their row is gone)."""
        for folder in sorted(self.root.glob(PER_TEAM.format("*"))):
            team_id = int(folder.name.split("-", 1)[1])
            ix = self._open(team_id, create=False)
            if ix is None:
                continue
            with _searcher(ix) as searcher:
                held = [uid for uid in uids if searcher.document_number(uid=uid) is not None]
            self.apply(team_id, [], held)

    def clear_team(self, team_id: int) -> None:
        """Start the team's index afresh (reindex)."""
        shutil.rmtree(self.team_dir(team_id), ignore_errors=True)
        self._open(team_id, create=True)

    def optimize(self, team_id: int) -> None:
        ix = self._open(team_id, create=False)
        if ix is not None:
            ix.optimize()

    def indexed(self, team_id: int) -> dict[str, str]:
        """Return ``{uid: digest}`` of what the team's index holds."""
        ix = self._open(team_id, create=False)
        if ix is None:
            return {}
        with _searcher(ix) as searcher:
            return {stored["uid"]: stored["digest"] for stored in searcher.all_stored_fields()}

    def _fields(self, document: Document) -> dict:
        text = f"{document.title}\n{document.body}"
        values = {
            "uid": document.uid,
            "kind": document.kind,
            "object_id": document.object_id,
            "team_id": document.team_id,
            "title": document.title,
            "body": document.body,
            "text": text,
            "readers": " ".join(document.readers),
            "identifiers": " ".join(document.identifiers),
            "identifier_types": " ".join(identifiers.types_of(document.identifiers)),
            "party": document.party.upper(),
            "code": document.handling_code.upper(),
            "exhibit": document.exhibit.upper(),
            "evidence_type": document.evidence_type,
            "language": document.language,
            "month": document.occurred_at.strftime("%Y-%m"),
            "occurred_at": document.occurred_at.replace(tzinfo=None),
            "ref": document.ref,
            "digest": digest(document),
        }
        if document.language in languages.STEMMED:
            values[f"text_{document.language}"] = text
        return values

    # --- the reader's side ---------------------------------------------------------

    def _text_query(self, node, schema_):
        """A word or phrase in every text field, in every language's reading of it.

        Each field holds its documents' words as its language stems them; the query's
        words are looked up in each field as every language reads them ("pistolen" is
        "pistol" in Dutch and German, "pistolen" in English), so a word finds its forms
        in documents of every language, as PostgreSQL's readings ORed in all its
        configurations do. The readings are mostly the same: only distinct ones count.
        """
        names = ["text", *(f"text_{code}" for code in languages.STEMMED)]
        readings = dict.fromkeys(
            tuple(token.text for token in schema_[name].analyzer(node.text, mode="query"))
            for name in names
        )
        readings.pop((), None)
        if not readings:
            return query.NullQuery
        alternatives = [
            query.Term(name, reading[0]) if len(reading) == 1 else _Phrase(name, list(reading))
            for name in names
            for reading in readings
        ]
        return query.Or(alternatives)

    def compile(self, node, schema_):
        """Turn a parsed query tree into a Whoosh query."""
        if isinstance(node, q.Everything):
            return query.Every()
        if isinstance(node, q.And):
            return query.And([self.compile(child, schema_) for child in node.children])
        if isinstance(node, q.Or):
            return query.Or([self.compile(child, schema_) for child in node.children])
        if isinstance(node, q.Not):
            return query.Not(self.compile(node.child, schema_))
        if isinstance(node, q.Field):
            name = _FILTER_FIELDS[node.name]
            return query.Term(name, _filter_value(node.name, node.value))
        if isinstance(node, q.Identifier):
            if "identifiers" not in schema_:
                return query.NullQuery
            if "?" in node.token:  # a partly legible serial: ? stands for one character
                return query.Wildcard("identifiers", node.token)
            return query.Term("identifiers", node.token)
        if isinstance(node, q.IdentifierType):
            if "identifier_types" not in schema_:
                return query.NullQuery
            return query.Term("identifier_types", node.name)
        if isinstance(node, q.DateRange):
            start, end = (
                moment and moment.replace(tzinfo=None) for moment in (node.start, node.end)
            )
            return query.DateRange("occurred_at", start, end, endexcl=True)
        words = [languages.fold(w) for w in languages.WORD.findall(node.text)]
        if isinstance(node, q.Prefix):
            parts = [query.Term("text", w) for w in words[:-1]]
            return (
                query.And([*parts, query.Prefix("text", words[-1])])
                if parts
                else (query.Prefix("text", words[-1]))
            )
        if isinstance(node, q.Word) and node.fuzzy:
            terms = [query.FuzzyTerm("text", w, maxdist=node.fuzzy, prefixlength=1) for w in words]
            return terms[0] if len(terms) == 1 else query.And(terms)
        return self._text_query(node, schema_)

    @contextmanager
    def _reading(self, team_id: int):
        """Yield a searcher over the team's newest generation (None: no index) and its _Kept.

        The searcher is one kept from an earlier query if its generation is still the
        newest, else a new one; it is kept for the next query unless the body raised.
        """
        folder = self.team_dir(team_id)
        with self._lock:
            kept = self._kept.setdefault(folder, _Kept())
        ix = kept.index if kept.index is not None else self._open(team_id, create=False)
        if ix is None:
            yield None, kept
            return
        kept.index = ix
        try:
            current = _version(folder, ix.latest_generation())
        except OSError:  # the folder is gone
            current = None
        searcher = version = None
        with self._lock:
            stale = [entry for entry in self._idle if entry[0] == folder and entry[1] != current]
            for entry in reversed(self._idle):
                if current is not None and entry[0] == folder and entry[1] == current:
                    _folder, version, searcher = entry
                    break
            self._idle = [
                entry
                for entry in self._idle
                if entry not in stale and (searcher is None or entry[2] is not searcher)
            ]
        for entry in stale:
            entry[2].close()
        if searcher is None:
            if current is None and not index.exists_in(folder):
                kept.index = None
                yield None, kept
                return
            searcher = _searcher(ix)
            version = _version(folder, searcher.reader().generation())
        answered = False
        try:
            yield searcher, kept
            answered = True
        finally:
            evicted = [searcher]
            if answered and version is not None:
                with self._lock:
                    self._idle.append((folder, version, searcher))
                    evicted = [entry[2] for entry in self._idle[:-IDLE_SEARCHERS]]
                    self._idle = self._idle[-IDLE_SEARCHERS:]
            for old in evicted:
                old.close()

    def query(
        self,
        scopes: list[Scope],
        tree,
        *,
        sort: str,
        page: int,
        per_page: int,
        identifier_types: tuple[str, ...] = (),
    ) -> Results:
        results = Results()
        terms = q.positive_terms(tree)
        wanted = page * per_page
        for scope in scopes:
            if not scope.tokens:
                continue
            for attempt in range(2):
                try:
                    found = self._query_team(scope, tree, sort, wanted, identifier_types, terms)
                    break
                except FileNotFoundError:
                    # A kept searcher read a file a commit had just removed: once more
                    # with a new searcher (the failed one is not kept).
                    if attempt:
                        raise
            if found is None:
                continue
            total, counts, hits = found
            results.total += total
            results.per_team[scope.team_id] = total
            results.add_facets(counts)
            results.hits += hits
        if sort == "date":
            results.hits.sort(key=lambda hit: hit.occurred_at, reverse=True)
        else:
            results.hits.sort(key=lambda hit: (-hit.score, hit.uid))
        start = (page - 1) * per_page
        results.hits = results.hits[start : start + per_page]
        return results

    def _query_team(self, scope: Scope, tree, sort, wanted, identifier_types, terms):
        """One team's total, facet counts and the hits that can be on the page.

        By relevance: one Whoosh search of the query's text, whose collector
        (:class:`_TopWithTies`) applies the reader tokens from a kept table per segment
        (:func:`_reader_scores`) and keeps the page's best and the document numbers of
        all the readable matches; by date: Whoosh's sorted search of the text ANDed
        with the tokens. The matches are counted against kept bit masks of each facet
        value (:func:`_combined`), not by Whoosh's facet collector per match.
        """
        with self._reading(scope.team_id) as (searcher, kept):
            if searcher is None:
                return None
            # The searcher's schema, not ix.schema: that reads the newest table of
            # contents again, which a commit may just have replaced.
            schema_ = searcher.schema
            tokens = tuple(sorted(scope.tokens))
            allowed = query.Or([query.Term("readers", token) for token in tokens])
            text = self.compile(tree, schema_)
            compiled = query.And([text, allowed])
            if sort == "date":
                found = searcher.search(
                    compiled, limit=wanted, sortedby="occurred_at", reverse=True
                )
                docnums = found.docs()
                leading = [(hit.score, hit.docnum) for hit in found]
            else:
                readers = dict(
                    _per_segment(
                        kept, searcher, ("readers", tokens), partial(_reader_scores, allowed)
                    )
                )
                collector = _TopWithTies(wanted, readers)
                if isinstance(tree, q.Word) and isinstance(text, query.Or):
                    # A word alone, looked up in every language's field: Whoosh's union
                    # that adds each field's scores into an array a block of documents
                    # at a time, instead of stepping a tree of union matchers per match
                    # (`pistolen`, 49,094 hits: ~355 ms → ~245 ms, benchmarks/search).
                    # Not under an AND: there it reads blocks the other side skips.
                    text = query.PreloadedOr(text.subqueries)
                searcher.search_with_collector(text, collector)
                docnums = collector.matched
                leading = _leading(searcher, collector.ranked(), wanted)
            total = len(docnums)
            matched = _bits(docnums)
            counts = {}
            for name, field in _FACET_FIELDS.items():
                masks = _combined(
                    kept, searcher, ("facet", field), partial(_facet_masks, searcher, field)
                )
                counts[name] = {
                    value: count
                    for value, mask in masks.items()
                    if (count := (matched & mask).bit_count())
                }
            if identifier_types and "identifier_types" in schema_:
                counts["idtype"] = {}
                for name in identifier_types:
                    holding = query.Term("identifier_types", name)
                    mask = _combined(
                        kept,
                        searcher,
                        ("idtype", name),
                        lambda sub, _offset, holding=holding: _bits(sub.docs_for_query(holding)),
                    )
                    if count := (matched & mask).bit_count():
                        counts["idtype"][name] = count
            hits = [
                self._hit(searcher.stored_fields(docnum), score, terms) for score, docnum in leading
            ]
            return total, counts, hits

    def _hit(self, stored: dict, score, terms) -> Hit:
        return Hit(
            uid=stored["uid"],
            kind=stored["kind"],
            object_id=stored["object_id"],
            team_id=stored["team_id"],
            title=stored["title"],
            fragment=highlight.fragments(stored["body"], terms, stored.get("language", "")),
            occurred_at=stored["occurred_at"].replace(tzinfo=UTC),
            party=stored.get("party", ""),
            handling_code=stored.get("code", ""),
            exhibit=stored.get("exhibit", ""),
            evidence_type=stored.get("evidence_type", ""),
            ref=stored.get("ref", ""),
            score=score or 0.0,
        )

    def vocabulary(self, scopes: list[Scope], word: str, limit: int = 5) -> list[str]:
        """Words of the scopes' indexes close to ``word`` (candidates for "did you mean")."""
        found: list[str] = []
        for scope in scopes:
            ix = self._open(scope.team_id, create=False)
            if ix is None:
                continue
            with _searcher(ix) as searcher:
                found += searcher.corrector("text").suggest(languages.fold(word), limit=limit)
        return list(dict.fromkeys(found))[:limit]
