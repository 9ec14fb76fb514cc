"""The one module that talks to Whoosh.

Its interface is narrow on purpose, so another engine (a Whoosh fork, tantivy, OpenSearch) can
take its place: write a batch of analysed documents into a new directory (``IndexWriter``),
open a finished generation (``Generation.open``), search it with a query plan, filters and facets
(``Generation.search``), fetch one stored document (``Generation.get``).

Documents arrive already analysed (space-separated terms per field, made in worker processes),
so the Whoosh analyser here is a plain space tokenizer and indexing costs no Python analysis.
Facet counts and date sorting use per-generation column arrays read once from the postings at
open time, not stored fields per hit.
"""

from __future__ import annotations

import json
import math
import zlib
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.scoring import BM25F
from whoosh.collectors import TimeLimitCollector
from whoosh.searching import TimeLimit

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


class Generation:
    """An opened, read-only index generation, shared by all request threads."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._index = whoosh_index.open_dir(str(directory))
        self._local = threading.local()
        self._searchers: list[Any] = []
        self._lock = threading.Lock()
        reader = self._index.reader()
        try:
            self.size = reader.doc_count_all()
            self.live = np.zeros(self.size, dtype=bool)
            for docnum in reader.all_doc_ids():
                self.live[docnum] = True
            self.doc_count = int(self.live.sum())
            self.agency = self._column(reader, "agency")
            self.unit = self._column(reader, "unit")
            day = self._column(reader, "day")
            self.day_ordinal = np.zeros(self.size, dtype=np.int32)  # 0 = unknown date
            for i, value in enumerate(day.values):
                if value != "none":
                    self.day_ordinal[day.doc_idx[day.value_idx == i]] = date.fromisoformat(value).toordinal()
            self.vocabulary = {t: reader.doc_frequency("sylf", t) for t in self._terms(reader, "sylf")}
            # the accented spelling the archive uses most for each folded syllable, for suggestions
            best: dict[str, tuple[int, str]] = {}
            for t in self._terms(reader, "syl"):
                df = reader.doc_frequency("syl", t)
                key = folded_key(t)
                if df > best.get(key, (0, ""))[0]:
                    best[key] = (df, t)
            self.accented = {k: v[1] for k, v in best.items()}
        finally:
            reader.close()
        years = np.array([date.fromordinal(int(o)).year if o else 0 for o in self.day_ordinal], dtype=np.int32)
        months = np.array([date.fromordinal(int(o)).month if o else 0 for o in self.day_ordinal], dtype=np.int32)
        self.year = years
        self.month = months

    @classmethod
    def open(cls, directory: Path) -> "Generation":
        return cls(Path(directory))

    @staticmethod
    def _terms(reader: Any, fieldname: str) -> list[str]:
        out = []
        for term in reader.lexicon(fieldname):
            out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
        return out

    def _column(self, reader: Any, fieldname: str) -> _Column:
        values: list[str] = []
        docs: list[np.ndarray] = []
        idx: list[np.ndarray] = []
        for term in self._terms(reader, fieldname):
            ids = np.fromiter(reader.postings(fieldname, term).all_ids(), dtype=np.int64)
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
            searcher = self._index.searcher(weighting=BM25F())
            self._local.searcher = searcher
            with self._lock:
                self._searchers.append(searcher)
        return searcher

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
            # Most, not all, of the words: long pasted sentences and one stray word still find pages.
            need = max(1, math.ceil(len(groups) * 0.6))
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
        if query is None:
            return self.live.copy()
        mask = np.zeros(self.size, dtype=bool)
        ids = np.fromiter(self._searcher().docs_for_query(query), dtype=np.int64)
        mask[ids] = True
        return mask & self.live

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
        query, matched, relaxed = self._match(plan, self.filter_mask(filters))
        filtered = matched & self.filter_mask(filters)
        total = int(filtered.sum())
        partial = False

        hits: list[Hit] = []
        if total and limit > 0 and offset < total:
            if query is not None and sort == "relevance":
                ids = set(np.flatnonzero(filtered).tolist())
                # A budget for scoring, so one pathological query cannot hold a worker.
                collector = TimeLimitCollector(searcher.collector(limit=offset + limit, filter=ids),
                                               timelimit=RANK_SECONDS, use_alarm=False)
                try:
                    searcher.search_with_collector(query, collector)
                except TimeLimit:
                    partial = True
                results = collector.results()
                hits = [self._hit(searcher, r.docnum, float(r.score)) for r in results[offset : offset + limit]]
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
        return EngineResult(total=total, hits=hits, facets=facet_counts, relaxed=relaxed, partial=partial)

    def _match(self, plan: QueryPlan | None, allowed: np.ndarray, cache: dict | None = None
               ) -> tuple[Q.Query | None, np.ndarray, bool]:
        """The documents a query matches, in three steps, each used only when the one before finds
        nothing among ``allowed``: every word with its accents as typed; every word, accented or
        not (a mistyped tone still finds the page); most of the words. Returns the query to rank
        with, the match mask and whether words had to be dropped. ``cache`` keeps the masks when
        the same query is counted under several filters."""
        if plan is None or plan.empty:
            return None, self.live.copy(), False
        cache = {} if cache is None else cache

        def mask(name: str, make) -> np.ndarray:
            if name not in cache:
                cache[name] = make()
            return cache[name]

        if any(g.kind == "syllable" and g.accented for g in plan.groups):
            # "chuyển đổi số" should not list pages that only say "chuyên ... đội ... sở"; and
            # leaving the folded forms out of this query makes it the cheaper one to run.
            exact = self.build_query(plan, strict=True, exact=True)
            narrowed = mask("exact", lambda: self.matching(exact))
            if (narrowed & allowed).any():
                return exact, narrowed, False
        query = self.build_query(plan, strict=True)
        matched = mask("strict", lambda: self.matching(query))
        if (matched & allowed).any() or len(plan.groups) < 2:
            return query, matched, False
        loose = self.build_query(plan, strict=False)
        return loose, mask("loose", lambda: self.matching(loose)), True

    def totals(self, plan: QueryPlan | None, variants: list[Filters]) -> list[int]:
        """Counts for one query under several filter sets (as ``search`` would count them)."""
        out, cache = [], {}
        for f in variants:
            allowed = self.filter_mask(f)
            _, matched, _ = self._match(plan, allowed, cache)
            out.append(int((matched & allowed).sum()))
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
        term = value if field_name == "docnum" else facet_key(value)
        mask = self.matching(Q.Term(field_name, term))
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
