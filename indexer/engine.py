"""The one module that talks to Whoosh.

Its interface is narrow on purpose, so another engine (a Whoosh fork, tantivy, OpenSearch) can
take its place: write a batch of analysed documents into a new directory (``IndexWriter``),
join indexes written in parallel into one generation (``combine_shards``), open a finished
generation (``Generation.open``, ``Generation.warm``), search it with a query plan, filters and facets
(``Generation.search``), fetch one stored document (``Generation.get``).

Documents arrive already analysed (space-separated terms per field, made in worker processes),
so the Whoosh analyser here is a plain space tokenizer and indexing costs no Python analysis.
Facet counts and date sorting use per-generation column arrays read once from the postings at
open time, not stored fields per hit. Queries are evaluated with numpy over each term's postings
(read once per generation and cached): one pass gives the match set, the facet counts and the
BM25F scores, the same scores Whoosh's own matchers compute one posting at a time.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import zlib
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.matching.wrappers import MultiMatcher
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from .analysis import bigrams, is_number
from .query import Group, QueryPlan
from .textnorm import folded_key

_SPACE = SpaceSeparatedTokenizer()

# Bumped whenever fields or stored layout change: a build never extends a generation written in
# another format (it rebuilds in full instead).
INDEX_FORMAT = 2


def _schema() -> Schema:
    def text(phrase: bool = False, boost: float = 1.0) -> TEXT:
        return TEXT(analyzer=_SPACE, phrase=phrase, stored=False, field_boost=boost)

    return Schema(
        id=ID(stored=True, unique=True),
        path=STORED(),
        doc=STORED(),  # everything shown for a hit or an article page, as one JSON string
        syl=text(),
        sylf=text(),
        words=text(),
        bigf=text(),
        tsyl=text(),
        tsylf=text(),
        docnum=KEYWORD(lowercase=False, commas=False, scorable=True),
        entity=KEYWORD(lowercase=False, commas=False, scorable=True),
        agency=ID(),
        unit=KEYWORD(lowercase=False, commas=False),
        day=ID(),  # YYYY-MM-DD or "none"
    )


# Per-term boosts: an exact accented match outranks the same syllable typed without diacritics,
# a title match outranks a body match, and an exact document number beats everything.
ACCENT_BOOST = 2.0
TITLE_BOOST = 0.5  # known-item queries come from bodies; a title match helps, but must not decide
# When the query is typed with diacritics, a match on the folded form only (a different word
# that loses its accents the same way: "lận" ~ "lan") counts for less than the exact word.
FOLDED_WHEN_ACCENTED = 0.3
DOCNUM_BOOST = 200.0
BIGRAM_BOOST = 3.0
WORD_BOOST = 2.0
ENTITY_BOOST = 3.0
RANK_SECONDS = 1.0
# K1: term frequency saturates early. Chosen on a development set of our own (bench/tune.py: 0.5
# to 0.8 all beat Whoosh's default 1.2 there, known-item queries reward covering every word more
# than repeating one); B is Whoosh's default. Whoosh's searcher is given the same values.
BM25_B, BM25_K1 = 0.75, 0.5
# Cached postings per generation: 8 bytes each (int32 document, float32 frequency), 128 MB in all,
# enough for the frequent syllables of a 100,000-page archive (serving ~270 MB there). Scores are
# computed per query from them, which costs less than reading a frequent term again.
TERM_CACHE_POSTINGS = 16_000_000
# The fields queries score (``build_query``): their norms are computed before a generation serves.
SCORED_FIELDS = ("syl", "tsyl", "sylf", "tsylf", "bigf", "words", "docnum", "entity")


def facet_key(value: str) -> str:
    """Facet values are indexed as single terms: spaces would split them."""
    return value.replace(" ", "\x1f")


def entity_term(canonical: str) -> str:
    """Names are matched whatever their case, accents or tone placement."""
    return facet_key(folded_key(canonical))


def _unkey(term: str) -> str:
    return term.replace("\x1f", " ")


@dataclass
class IndexDoc:
    id: str
    path: str
    stored: dict[str, Any]
    syl: list[str]
    sylf: list[str]
    words: list[str]
    bigf: list[str]
    tsyl: list[str]
    tsylf: list[str]
    docnums: list[str]
    entities: list[str]
    agency: str
    units: list[str]
    day: str | None


class IndexWriter:
    """Writes documents into an index directory: a new one, or a copy of the previous generation
    (``append_writer``) for an incremental build. ``commit(optimize=True)`` leaves one segment."""

    def __init__(self, directory: Path, memory_mb: int = 256, create: bool = True):
        directory.mkdir(parents=True, exist_ok=True)
        if create:
            self._index = whoosh_index.create_in(str(directory), _schema())
        else:
            self._index = whoosh_index.open_dir(str(directory))
        self._writer = self._index.writer(limitmb=memory_mb)

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)

    def add(self, doc: IndexDoc) -> None:
        self._writer.add_document(
            id=doc.id,
            path=doc.path,
            doc=zlib.compress(json.dumps(doc.stored, ensure_ascii=False).encode("utf-8"), 6),
            syl=" ".join(doc.syl),
            sylf=" ".join(doc.sylf),
            words=" ".join(doc.words),
            bigf=" ".join(doc.bigf),
            tsyl=" ".join(doc.tsyl),
            tsylf=" ".join(doc.tsylf),
            docnum=" ".join(doc.docnums),
            entity=" ".join(entity_term(e) for e in doc.entities),
            agency=facet_key(doc.agency),
            unit=" ".join(facet_key(u) for u in doc.units),
            day=doc.day or "none",
        )

    def commit(self, optimize: bool = True) -> None:
        self._writer.commit(optimize=optimize)

    def cancel(self) -> None:
        self._writer.cancel()


def append_writer(directory: Path) -> IndexWriter:
    return IndexWriter(directory, create=False)


def combine_shards(directory: Path, shards: list[Path]) -> int:
    """Make ``directory`` one index of the segments of the finished ``shards`` indexes (each
    written by its own process, with the same schema), in order, without merging them: merging
    is a single-threaded pass over every posting, the longest step of a large build. The shards'
    segment files move into ``directory``; returns the number of segments."""
    directory.mkdir(parents=True, exist_ok=True)
    index = whoosh_index.create_in(str(directory), _schema())
    segments: list[Any] = []
    for shard in shards:
        storage = FileStorage(str(shard))
        with storage.open_index().reader() as reader:
            parts = reader.segments() or []
        for segment in parts:
            for name in segment.list_files(storage):
                (shard / name).replace(directory / name)
            segments.append(segment)
    # Whoosh's documented hook for choosing a commit's segments: keep these, as they are
    index.writer().commit(mergetype=lambda _writer, existing: existing + segments)
    return len(segments)


@dataclass
class Filters:
    agencies: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    years: list[int] = field(default_factory=list)
    months: list[str] = field(default_factory=list)  # "YYYY-MM"


@dataclass
class Hit:
    docnum: int
    id: str
    path: str
    score: float
    doc: dict[str, Any]


@dataclass
class EngineResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    relaxed: bool = False  # not every word matched: results hold most of them
    partial: bool = False  # ranking ran out of time: the best of what was scored, total still exact


@dataclass
class _Column:
    """A facet as arrays: value names, and for every (doc, value) pair the indices."""

    values: list[str]
    doc_idx: np.ndarray
    value_idx: np.ndarray

    def counts(self, mask: np.ndarray) -> list[tuple[str, int]]:
        if not len(self.values):
            return []
        chosen = self.value_idx[mask[self.doc_idx]]
        counts = np.bincount(chosen, minlength=len(self.values))
        present = np.flatnonzero(counts)
        ranked = sorted(present.tolist(), key=lambda i: (-counts[i], self.values[i]))
        return [(self.values[i], int(counts[i])) for i in ranked]

    def mask_for(self, wanted: Iterable[str], size: int) -> np.ndarray:
        index = {v: i for i, v in enumerate(self.values)}
        ids = [index[w] for w in wanted if w in index]
        mask = np.zeros(size, dtype=bool)
        if ids:
            mask[self.doc_idx[np.isin(self.value_idx, ids)]] = True
        return mask


@dataclass
class _Postings:
    """One term's documents, frequencies and idf, as cached."""

    ids: np.ndarray  # int32
    tf: np.ndarray  # float32 when every frequency is exact in it (whole numbers are), else float64
    idf: float

    def scores(self, norm: np.ndarray) -> np.ndarray:
        """BM25F scores (before any query boost); ``norm`` is the field's per-document
        ``K1 * ((1 - B) + B * length / average length)``. The same operations on the same values
        as Whoosh's ``BM25F``, so the same floats."""
        tf = self.tf.astype(np.float64)
        return self.idf * (tf * (BM25_K1 + 1)) / (tf + norm[self.ids])


@dataclass
class _Evaluation:
    mask: np.ndarray
    scores: np.ndarray | None  # None for no query: every live document, unranked
    partial: bool = False  # the time budget ran out: optional boosts left out of the scores


class Generation:
    """An opened, read-only index generation, shared by all request threads."""

    def __init__(self, directory: Path):
        self.directory = directory
        # Not memory-mapped: whoosh3 copies each mapped part of a segment (postings, terms) into
        # a BytesIO for every reader, and every request thread has its own reader (~210 MB each
        # at 20,000 pages). Plain file reads share the OS page cache instead.
        self._index = FileStorage(str(directory), supports_mmap=False, readonly=True).open_index()
        self._local = threading.local()
        self._searchers: list[Any] = []
        self._lock = threading.Lock()
        self._postings: dict[tuple[str, str], _Postings] = {}  # insertion order = LRU order
        self._cached_postings = 0
        self._norms: dict[str, np.ndarray] = {}
        reader = self._index.reader()
        try:
            self.size = reader.doc_count_all()
            if reader.has_deletions():
                self.live = np.zeros(self.size, dtype=bool)
                self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
            else:
                self.live = np.ones(self.size, dtype=bool)
            self.doc_count = int(self.live.sum())
            self.agency = self._column(reader, "agency")
            self.unit = self._column(reader, "unit")
            day = self._column(reader, "day")
            # 0 = unknown date; dates are parsed once per distinct day, then spread to documents
            when = [None if value == "none" else date.fromisoformat(value) for value in day.values]
            self.day_ordinal = np.zeros(self.size, dtype=np.int32)
            self.year = np.zeros(self.size, dtype=np.int32)
            self.month = np.zeros(self.size, dtype=np.int32)
            for array, part in ((self.day_ordinal, date.toordinal), (self.year, lambda d: d.year),
                                (self.month, lambda d: d.month)):
                per_value = np.array([part(d) if d else 0 for d in when], dtype=np.int32)
                array[day.doc_idx] = per_value[day.value_idx]
            self.vocabulary = self._doc_frequencies(reader, "sylf")
            # the accented spelling the archive uses most for each folded syllable, for suggestions
            best: dict[str, tuple[int, str]] = {}
            for t, df in self._doc_frequencies(reader, "syl").items():
                key = folded_key(t)
                if df > best.get(key, (0, ""))[0]:
                    best[key] = (df, t)
            self.accented = {k: v[1] for k, v in best.items()}
        finally:
            reader.close()

    @classmethod
    def open(cls, directory: Path) -> "Generation":
        return cls(Path(directory))

    @staticmethod
    def _doc_frequencies(reader: Any, fieldname: str) -> dict[str, int]:
        """Every term of a field with its document frequency, in term order. One pass over each
        segment's term index with each term's info: a lookup per term (what Whoosh does for a
        reader of several segments) costs a second per 10,000 terms, and there are 100,000s."""
        totals: dict[str, int] = {}
        leaves = reader.leaf_readers()
        for leaf, _base in leaves:
            for term, info in leaf.iter_field(fieldname):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                totals[text] = totals.get(text, 0) + info.doc_frequency()
        return dict(sorted(totals.items())) if len(leaves) > 1 else totals

    def _column(self, reader: Any, fieldname: str) -> _Column:
        values: list[str] = []
        docs: list[np.ndarray] = []
        idx: list[np.ndarray] = []
        for term in self._doc_frequencies(reader, fieldname):
            ids = _read_postings(reader.postings(fieldname, term))[0]
            docs.append(ids)
            idx.append(np.full(len(ids), len(values), dtype=np.int64))
            values.append(_unkey(term))
        if not values:
            return _Column([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        return _Column(values, np.concatenate(docs), np.concatenate(idx))

    def _searcher(self) -> Any:
        # Whoosh searchers read through file objects with a position: one per thread.
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._index.searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1))
            self._local.searcher = searcher
            with self._lock:
                self._searchers.append(searcher)
        return searcher

    def recent_terms(self, postings: int = TERM_CACHE_POSTINGS) -> list[tuple[str, str]]:
        """The cached terms, most recently used first, up to ``postings`` postings in all: what
        the traffic has been asking, for a successor generation to read before it takes over."""
        with self._lock:
            cached = [(key, len(post.ids)) for key, post in self._postings.items()]
        out, total = [], 0
        for key, size in reversed(cached):
            if total + size > postings:
                break
            out.append(key)
            total += size
        return out

    def warm(self, terms: Iterable[tuple[str, str]] = (), deadline: float | None = None) -> int:
        """Compute every scored field's norms, then read ``terms`` ((field, text) pairs) into the
        term cache until ``deadline`` (a ``time.monotonic()`` value); returns how many were read.
        Done before a generation serves, so that its first requests do not pay these reads."""
        searcher = self._searcher()
        for fieldname in SCORED_FIELDS:
            self._norm(searcher, fieldname)
        done = 0
        for fieldname, text in terms:
            if deadline is not None and time.monotonic() > deadline:
                break
            self._term(searcher, fieldname, text)
            done += 1
        return done

    def close(self) -> None:
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
        self._index.close()

    # ------------------------------------------------------------------ queries

    def _group_query(self, group: Group, exact: bool = False) -> Q.Query:
        if group.kind == "docnum":
            exact = Q.Term("docnum", group.key, boost=DOCNUM_BOOST)
            return Q.Or([exact, self._phrase(group.fold)])
        if group.kind == "entity":
            return Q.Or([Q.Term("entity", entity_term(group.key), boost=ENTITY_BOOST), self._phrase(group.fold)])
        if group.kind == "phrase":
            required = self._phrase(group.fold)
            bonus = [Q.Term("syl", s, boost=ACCENT_BOOST) for s, f in zip(group.syl, group.fold) if s != f]
            return Q.AndMaybe(required, Q.Or(bonus)) if bonus else required
        s, f = group.syl[0], group.fold[0]
        if is_number(s):
            return Q.Or([Q.Term("syl", s), Q.Term("tsyl", s, boost=TITLE_BOOST)])
        accented = [Q.Term("syl", s, boost=ACCENT_BOOST), Q.Term("tsyl", s, boost=ACCENT_BOOST * TITLE_BOOST)]
        if exact and s != f:
            return Q.Or(accented)
        folded = FOLDED_WHEN_ACCENTED if s != f else 1.0
        options: list[Q.Query] = [Q.Term("sylf", f, boost=folded), Q.Term("tsylf", f, boost=TITLE_BOOST * folded)]
        return Q.Or(options + accented) if s != f else Q.Or(options)

    @staticmethod
    def _phrase(folds: tuple[str, ...]) -> Q.Query:
        words = [f for f in folds if not is_number(f)]
        numbers = [Q.Term("syl", f) for f in folds if is_number(f)]
        if not words:
            return Q.And(numbers) if len(numbers) > 1 else numbers[0]
        # A phrase is the AND of its adjacent pairs: exact for two words, and for longer phrases
        # it differs only when every pair occurs but not in one run. No positions are stored, which
        # keeps the index small and phrase queries as fast as any other.
        pairs = [Q.Term("bigf", pair) for pair in bigrams(words)]
        phrase: Q.Query = Q.Term("sylf", words[0]) if len(words) == 1 else (Q.And(pairs) if len(pairs) > 1 else pairs[0])
        return Q.And([phrase, *numbers]) if numbers else phrase

    def _boosts(self, plan: QueryPlan) -> list[Q.Query]:
        extra: list[Q.Query] = [Q.Term("bigf", b, boost=BIGRAM_BOOST) for b in plan.bigrams]
        extra += [Q.Term("words", w, boost=WORD_BOOST) for w in plan.words]
        return extra

    def build_query(self, plan: QueryPlan, strict: bool = True, exact: bool = False) -> Q.Query:
        """``exact``: syllables typed with accents match only as typed (their folded look-alikes
        are neither matched nor scored)."""
        groups = [self._group_query(g, exact) for g in plan.groups]
        if strict:
            required: Q.Query = Q.And(groups) if len(groups) > 1 else groups[0]
        else:
            # Most, not all, of the words: long pasted sentences and one stray word still find
            # pages. At least one word may be missing, so two-word queries keep either word.
            need = max(1, min(len(groups) - 1, math.ceil(len(groups) * 0.6)))
            required = Q.Or(groups, minmatch=need) if len(groups) > 1 else groups[0]
        boosts = self._boosts(plan)
        return Q.AndMaybe(required, Q.Or(boosts)) if boosts else required

    def filter_mask(self, filters: Filters, skip: str | None = None) -> np.ndarray:
        mask = self.live.copy()
        if filters.agencies and skip != "agency":
            mask &= self.agency.mask_for(filters.agencies, self.size)
        if filters.units and skip != "unit":
            mask &= self.unit.mask_for(filters.units, self.size)
        if filters.date_from:
            mask &= self.day_ordinal >= filters.date_from.toordinal()
        if filters.date_to:
            mask &= (self.day_ordinal <= filters.date_to.toordinal()) & (self.day_ordinal > 0)
        if filters.years and skip != "year":
            mask &= np.isin(self.year, filters.years)
        if filters.months and skip != "month":
            wanted = np.zeros(self.size, dtype=bool)
            for ym in filters.months:
                y, m = int(ym[:4]), int(ym[5:7])
                wanted |= (self.year == y) & (self.month == m)
            mask &= wanted
        return mask

    def matching(self, query: Q.Query | None) -> np.ndarray:
        return self.evaluate(query).mask

    def evaluate(self, query: Q.Query | None, deadline: float | None = None) -> _Evaluation:
        """The match mask of ``query`` and every document's score. Past ``deadline`` (a
        ``time.monotonic()`` value) the optional boosts are skipped: the match set stays exact,
        the ranking is coarser, and the evaluation says so."""
        if query is None:
            return _Evaluation(self.live.copy(), None)
        cut = [False]
        mask, scores = self._node(self._searcher(), query, deadline, cut)
        return _Evaluation(mask & self.live, scores, cut[0])

    def _node(self, searcher: Any, q: Q.Query, deadline: float | None, cut: list[bool]
              ) -> tuple[np.ndarray, np.ndarray]:
        # Whoosh's matchers add the scores of the parts that match: an And sums its parts, an Or
        # the parts present, AndMaybe its required part plus the optional one where it matches.
        if isinstance(q, Q.Term):
            post = self._term(searcher, q.fieldname, q.text)
            mask = np.zeros(self.size, dtype=bool)
            scores = np.zeros(self.size)
            mask[post.ids] = True
            if len(post.ids):
                scores[post.ids] = post.scores(self._norm(searcher, q.fieldname))
        elif isinstance(q, Q.AndMaybe):
            mask, scores = self._node(searcher, q.a, deadline, cut)
            if deadline is not None and time.monotonic() > deadline:
                cut[0] = True
            else:
                scores = scores + self._node(searcher, q.b, deadline, cut)[1]
        elif isinstance(q, (Q.And, Q.Or)) and q.subqueries:
            parts = [self._node(searcher, sub, deadline, cut) for sub in q.subqueries]
            # accumulated in place (every node returns arrays of its own): stacking the parts
            # first would copy each of them once more
            mask, scores = parts[0]
            if isinstance(q, Q.And):
                for part_mask, part_scores in parts[1:]:
                    mask &= part_mask
                    scores += part_scores
            else:
                # "most of the words" (Whoosh itself ignores minmatch and matches any part)
                count = mask.astype(np.int32)
                for part_mask, part_scores in parts[1:]:
                    count += part_mask
                    scores += part_scores
                mask = count >= max(1, q.minmatch)
        else:
            raise TypeError(f"build_query made a {type(q).__name__}, which has no numpy evaluation")
        if q.boost != 1.0:
            scores = scores * q.boost
        return mask, scores

    def _term(self, searcher: Any, fieldname: str, text: str) -> _Postings:
        key = (fieldname, text)
        with self._lock:
            post = self._postings.pop(key, None)
            if post is not None:
                self._postings[key] = post  # most recently used last
                return post
        reader = searcher.reader()
        try:
            ids, tf = _read_postings(reader.postings(fieldname, text))
        except TermNotFound:
            ids, tf = np.zeros(0, dtype=np.int64), np.zeros(0)
        narrow = tf.astype(np.float32)
        post = _Postings(ids.astype(np.int32), narrow if (narrow == tf).all() else tf,
                         searcher.idf(fieldname, text) if len(ids) else 0.0)
        with self._lock:
            if key not in self._postings:
                self._postings[key] = post
                self._cached_postings += len(ids)
            while self._cached_postings > TERM_CACHE_POSTINGS and len(self._postings) > 1:
                old = self._postings.pop(next(iter(self._postings)))
                self._cached_postings -= len(old.ids)
        return post

    def _norm(self, searcher: Any, fieldname: str) -> np.ndarray:
        norm = self._norms.get(fieldname)
        if norm is None:
            # field lengths as Whoosh's scorer reads them: the one-byte approximation, 1 when missing
            dfl = searcher.doc_field_length
            fl = np.fromiter((dfl(d, fieldname, 1) or 1 for d in range(self.size)), dtype=np.float64, count=self.size)
            avgfl = searcher.avg_field_length(fieldname) or 1
            norm = BM25_K1 * ((1 - BM25_B) + BM25_B * fl / avgfl)
            self._norms[fieldname] = norm
        return norm

    def search(
        self,
        plan: QueryPlan | None,
        filters: Filters,
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 10,
        facets: bool = True,
    ) -> EngineResult:
        searcher = self._searcher()
        allowed = self.filter_mask(filters)
        # A budget for ranking, so one pathological query cannot hold a worker.
        found, relaxed = self._match(plan, allowed, deadline=time.monotonic() + RANK_SECONDS)
        matched, scores = found.mask, found.scores
        filtered = matched & allowed
        total = int(filtered.sum())

        hits: list[Hit] = []
        if total and limit > 0 and offset < total:
            if scores is not None and sort == "relevance":
                docnums = np.flatnonzero(filtered)
                top = _top(docnums, scores[docnums], offset + limit)
                hits = [self._hit(searcher, int(d), float(scores[d])) for d in top[offset : offset + limit]]
            else:
                docnums = np.flatnonzero(filtered)
                days = self.day_ordinal[docnums]
                order = np.argsort(days if sort == "oldest" else -days, kind="stable")
                if sort == "oldest":
                    # unknown dates (0) go last, not first
                    order = np.concatenate([order[days[order] > 0], order[days[order] == 0]])
                page = docnums[order[offset : offset + limit]]
                hits = [self._hit(searcher, int(d), 0.0) for d in page]

        facet_counts: dict[str, list[tuple[str, int]]] = {}
        if facets:
            # Each facet is counted without its own filter, so a user can pick a second agency.
            facet_counts["agency"] = self.agency.counts(matched & self.filter_mask(filters, skip="agency"))
            facet_counts["unit"] = self.unit.counts(matched & self.filter_mask(filters, skip="unit"))
            year_mask = matched & self.filter_mask(filters, skip="year")
            years = self.year[year_mask & (self.year > 0)]
            facet_counts["year"] = [(str(y), int(c)) for y, c in zip(*np.unique(years, return_counts=True))][::-1]
            month_mask = matched & self.filter_mask(filters, skip="month")
            known = month_mask & (self.year > 0)
            ym = self.year[known] * 100 + self.month[known]
            facet_counts["month"] = [
                (f"{v // 100:04d}-{v % 100:02d}", int(c)) for v, c in zip(*np.unique(ym, return_counts=True))
            ][::-1]
        return EngineResult(total=total, hits=hits, facets=facet_counts, relaxed=relaxed, partial=found.partial)

    def _match(self, plan: QueryPlan | None, allowed: np.ndarray, cache: dict[str, _Evaluation] | None = None,
               deadline: float | None = None) -> tuple[_Evaluation, bool]:
        """The documents a query matches, in three steps, each used only when the one before finds
        nothing among ``allowed``: every word with its accents as typed; every word, accented or
        not (a mistyped tone still finds the page); most of the words. Returns that evaluation
        (mask and scores) and whether words had to be dropped. ``cache`` keeps the evaluations
        when the same query is counted under several filters."""
        if plan is None or plan.empty:
            return _Evaluation(self.live.copy(), None), False
        cache = {} if cache is None else cache

        def run(name: str, strict: bool, exact: bool = False) -> _Evaluation:
            if name not in cache:
                cache[name] = self.evaluate(self.build_query(plan, strict=strict, exact=exact), deadline)
            return cache[name]

        if any(g.kind == "syllable" and g.accented for g in plan.groups):
            # "chuyển đổi số" should not list pages that only say "chuyên ... đội ... sở"; and
            # leaving the folded forms out of this query makes it the cheaper one to run.
            exact = run("exact", strict=True, exact=True)
            if (exact.mask & allowed).any():
                return exact, False
        strict = run("strict", strict=True)
        if (strict.mask & allowed).any() or len(plan.groups) < 2:
            return strict, False
        return run("loose", strict=False), True

    def totals(self, plan: QueryPlan | None, variants: list[Filters]) -> list[int]:
        """Counts for one query under several filter sets (as ``search`` would count them)."""
        out: list[int] = []
        cache: dict[str, _Evaluation] = {}
        for f in variants:
            allowed = self.filter_mask(f)
            found, _ = self._match(plan, allowed, cache)
            out.append(int((found.mask & allowed).sum()))
        return out

    def _hit(self, searcher: Any, docnum: int, score: float) -> Hit:
        stored = searcher.stored_fields(docnum)
        raw = stored["doc"]
        doc = json.loads(zlib.decompress(raw) if isinstance(raw, bytes) else raw)
        return Hit(docnum, stored["id"], stored["path"], score, doc)

    def get(self, doc_id: str) -> Hit | None:
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None or not self.live[docnum]:
            return None
        return self._hit(searcher, docnum, 0.0)

    def ids_with(self, field_name: str, value: str, limit: int = 10, exclude: str | None = None) -> list[Hit]:
        """Newest documents carrying a facet value or document number (for "more from ..." lists)."""
        searcher = self._searcher()
        column = {"agency": self.agency, "unit": self.unit}.get(field_name)
        if column is not None:
            mask = column.mask_for([value], self.size) & self.live
        else:
            mask = self.matching(Q.Term(field_name, value))
        docnums = np.flatnonzero(mask)
        order = np.argsort(-self.day_ordinal[docnums], kind="stable")
        out = []
        for d in docnums[order]:
            hit = self._hit(searcher, int(d), 0.0)
            if hit.id != exclude:
                out.append(hit)
            if len(out) >= limit:
                break
        return out

    def document_frequency(self, folded_syllable: str) -> int:
        return self.vocabulary.get(folded_syllable, 0)

    def accented_form(self, folded_syllable: str) -> str:
        return self.accented.get(folded_syllable, folded_syllable)


def _read_postings(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """All (document, term frequency) pairs of a term, each segment of an incrementally built
    generation in turn. On-disk postings (whoosh3 ``W3LeafMatcher``: the pinned version) are
    decoded here from their bytes; anything else (inlined postings) is read posting by posting."""
    if type(matcher) is MultiMatcher:
        parts = [_read_postings(m) for m in matcher.matchers]
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return (np.concatenate([p[0] + offset for p, offset in zip(parts, matcher.offsets)]),
                np.concatenate([p[1] for p in parts]))
    if (type(matcher) is W3LeafMatcher and matcher._i == 0
            and matcher._baseoffset == matcher._startoffset + len(WHOOSH3_HEADER_MAGIC)):
        length = matcher._length
        # whoosh3 3.54.0 decodes a term's extent length as a 1-tuple (its matcher never uses it)
        length = length[0] if isinstance(length, tuple) else length
        return _decode_w3(matcher._postfile.get(matcher._startoffset, length))
    ids: list[Any] = []
    weights: list[Any] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


def _decode_w3(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Decode a whoosh3 posting list read whole: the magic ``W3Bl``, then blocks of (signed
    big-endian length, negative for the last; pickled block info; pickled, maybe zlib'd data
    ``(delta-coded ids, weights, values)``). Whoosh's matcher reads a block through several small
    file reads and decodes ids one by one in Python; one read and numpy are ~10x faster, and a
    test checks the result against the matcher's."""
    if not raw.startswith(WHOOSH3_HEADER_MAGIC):
        raise ValueError("not a whoosh3 posting list")
    buf = io.BytesIO(raw)
    deltas: list[int] = []
    weights: list[float] = []
    pos, previous_last = len(WHOOSH3_HEADER_MAGIC), 0
    while True:
        length = int.from_bytes(raw[pos : pos + 4], "big", signed=True)
        end = pos + 4 + abs(length)
        buf.seek(pos + 4)
        count, last_id, _maxweight, compression, _mn, _mx = pickle.load(buf)
        data = raw[buf.tell() : end]
        block_ids, block_weights, _values = pickle.loads(zlib.decompress(data) if compression else data)
        # each block's deltas start from 0: rebase its first id on the previous block's last
        deltas.append(block_ids[0] - previous_last)
        deltas.extend(block_ids[1:])
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        previous_last = last_id
        pos = end
        if length < 0:
            break
    return np.cumsum(np.array(deltas, dtype=np.int64)), np.array(weights, dtype=np.float64)


def _top(docnums: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best documents, highest score first, ties to the lower document number (as
    Whoosh's collector orders them)."""
    if len(docnums) > 4 * k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= kth
        docnums, scores = docnums[keep], scores[keep]
    order = np.lexsort((docnums, -scores))
    return docnums[order[:k]]
