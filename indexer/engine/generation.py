"""An opened generation: the store, its columns, a ranking and a term cache, tied together to
answer searches."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..query import QueryPlan
from ..textnorm import folded_key
from . import mapped
from .columns import Columns, Vocabulary
from .evaluate import Evaluation, evaluate
from .facets import Filters, facet_counts, facet_masks, filter_mask
from .fields import SCORED_FIELDS
from .mapped import SharedPostings
from .query_tree import Node, Term, plan_tree
from .ranking import Ranking, idf, top
from .store import IndexReader, article
from .stories import StoryColumn, collapse, collapse_ranked
from .terms import TERM_CACHE_POSTINGS, Postings, TermCache


@dataclass
class Hit:
    docnum: int
    id: str
    path: str
    score: float
    doc: dict[str, Any]  # the stored article
    story: str = ""  # its story's id (``stories.py``)
    # collapsed results: the story's other pages among the results, best first (at most the
    # number asked for), and how many there are
    similar: list["Hit"] = field(default_factory=list)
    similar_total: int = 0


@dataclass
class EngineResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    relaxed: bool = False  # not every word matched: results hold most of them
    partial: bool = False  # ranking ran out of time: the best of what was scored, total still exact
    level: str = "as_typed"  # which step of ``Generation.evaluate_plan`` answered (``LEVELS``)
    stories: int = 0  # how many stories the ``total`` pages tell


# The steps a query is matched in, each tried when the one before finds nothing: every word as
# typed (a word typed without diacritics matches any accents); every word, its diacritics
# ignored (a mistyped tone: the words were corrected); most of the words.
LEVELS = ("as_typed", "ignoring_accents", "most_words")


class Generation:
    """An opened, read-only index generation, shared by all request threads."""

    def __init__(self, directory: Path, ranking: Ranking, term_cache: int):
        self.directory = directory
        self.ranking = ranking
        self.store = IndexReader(directory)
        # the arrays written at publish time, mapped (shared by every server process), or, for a
        # generation written before they existed, the same made from the index here
        self.mapped = mapped.load(directory)
        if self.mapped is None:
            self.columns = Columns.read(self.store)
            self.vocabulary = Vocabulary.read(self.store)
            self.shared: SharedPostings | None = None
            self._lengths: dict[str, tuple[np.ndarray, float]] = {}
            self._norms: dict[str, np.ndarray] = {}  # depend on the ranking; the lengths do not
        else:
            self.columns, self.vocabulary = self.mapped.columns, self.mapped.vocabulary
            self.shared = self.mapped.shared
            self._lengths = dict(self.mapped.lengths)
            self._norms = dict(self.mapped.norms_for(ranking))
        self.stories = StoryColumn.read(directory, self._document_ids())
        # the terms not shared: with arrays, the less frequent ones only, in a smaller cache
        self.terms = TermCache(term_cache if self.mapped is None else min(term_cache, mapped.PRIVATE_TERM_CACHE))

    def _document_ids(self) -> np.ndarray:
        """Each document number's id: from the mapped arrays when there are some (a deleted
        document's is empty there), else read from the index."""
        if self.mapped is not None:
            return np.char.decode(self.mapped.documents.ids, "ascii").astype("U16")
        return self.store.document_ids()

    @classmethod
    def open(cls, directory: Path, ranking: Ranking = Ranking(), term_cache: int = TERM_CACHE_POSTINGS) -> "Generation":
        """Open a finished generation, to be scored with ``ranking``, caching at most
        ``term_cache`` postings."""
        return cls(Path(directory), ranking, term_cache)

    def with_ranking(self, ranking: Ranking) -> "Generation":
        """The same opened generation (store, columns, term cache) scored with another ranking;
        for tuning, where reopening for every setting would cost more than the queries."""
        other = copy.copy(self)
        other.ranking, other._norms = ranking, dict(self.mapped.norms_for(ranking)) if self.mapped else {}
        return other

    @property
    def size(self) -> int:
        return self.columns.size

    @property
    def live(self) -> np.ndarray:
        return self.columns.live

    @property
    def doc_count(self) -> int:
        return self.columns.doc_count

    # ------------------------------------------------------------------ what the evaluator reads

    def postings(self, fieldname: str, text: str) -> Postings:
        if self.shared is not None:
            found = self.shared.get(fieldname, text)
            if found is not None:
                return found

        def read() -> Postings:
            ids, tf, df = self.store.postings(fieldname, text)
            return Postings.narrowed(ids, tf, idf(df, self.size) if len(ids) else 0.0)

        return self.terms.get((fieldname, text), read)

    def norm(self, fieldname: str) -> np.ndarray:
        # two threads may compute the same norm at once: the same array, once too often
        norm = self._norms.get(fieldname)
        if norm is None:
            lengths = self._lengths.get(fieldname)
            if lengths is None:
                lengths = self._lengths[fieldname] = self.store.field_lengths(fieldname)
            norm = self._norms[fieldname] = self.ranking.norms(*lengths)
        return norm

    # ------------------------------------------------------------------ searching

    def evaluate(self, tree: Node | None, deadline: float | None = None) -> Evaluation:
        """The live documents ``tree`` matches, with their scores (``evaluate.evaluate``)."""
        if tree is None:
            return Evaluation(self.live.copy(), None)
        found = evaluate(tree, self, deadline)
        found.mask &= self.live
        return found

    def evaluate_plan(self, plan: QueryPlan | None, allowed: np.ndarray, deadline: float | None = None,
                      cache: dict[str, Evaluation] | None = None, level: str | None = None) -> tuple[Evaluation, str]:
        """The documents a query matches, in three steps (``LEVELS``), each used only when the one
        before finds nothing among ``allowed``: every word with its accents as typed; every word,
        accented or not (a mistyped tone still finds the page); most of the words. Returns that
        evaluation and the step that answered. ``level`` runs that one step only, whatever it
        finds ("as_typed": the words exactly as typed; "ignoring_accents": what a correction of
        their diacritics finds). ``cache`` keeps the evaluations when the same query is counted
        under several filters."""
        if plan is None or plan.empty:
            return Evaluation(self.live.copy(), None), LEVELS[0]
        cache = {} if cache is None else cache

        def run(name: str, strict: bool, exact: bool = False) -> Evaluation:
            if name not in cache:
                cache[name] = self.evaluate(plan_tree(plan, self.ranking, strict=strict, exact=exact), deadline)
            return cache[name]

        accented = any(g.kind == "syllable" and g.accented for g in plan.groups)
        if accented and level in (None, LEVELS[0]):
            # "chuyển đổi số" should not list pages that only say "chuyên ... đội ... sở"; and
            # leaving the folded forms out of this query makes it the cheaper one to run.
            exact = run("exact", strict=True, exact=True)
            if level or (exact.mask & allowed).any():
                return exact, LEVELS[0]
        strict = run("strict", strict=True)
        if level or (strict.mask & allowed).any() or len(plan.groups) < 2:
            return strict, LEVELS[1] if accented else LEVELS[0]
        return run("loose", strict=False), LEVELS[2]

    def search(self, plan: QueryPlan | None, filters: Filters, sort: str = "relevance", offset: int = 0,
               limit: int = 10, facets: bool = True, level: str | None = None, stories: bool = False,
               similar: int = 5) -> EngineResult:
        """One page of results for ``plan`` (None or empty: every document) among the documents
        ``filters`` keep: the total, the hits of ``offset:offset + limit`` by relevance or date
        (``sort``: relevance, newest, oldest) and, with ``facets``, every facet's counts.
        ``level``: that step of ``evaluate_plan`` only, no other. ``stories``: one hit per story
        (its best page under ``sort``), ``offset`` and ``limit`` counting stories, each hit with
        up to ``similar`` of its story's other pages; facet counts stay per page."""
        masks = self._masks(filters)
        allowed = filter_mask(self.columns, filters, masks=masks)
        found, level = self.evaluate_plan(plan, allowed, deadline=time.monotonic() + self.ranking.budget_seconds,
                                          level=level)
        filtered = found.mask & allowed
        docnums = np.flatnonzero(filtered)
        total = len(docnums)
        told = None
        hits: list[Hit] = []
        ranked = found.scores is not None and sort == "relevance"
        if stories and total and limit > 0:
            if ranked:
                page = collapse_ranked(docnums, found.scores, self.stories, offset, limit)
            else:
                page = collapse(self._by_date(docnums, sort), self.stories.code, offset, limit)
            told = page.stories
            for best, others in page.entries:
                hit = self.hit(best, float(found.scores[best]) if ranked else 0.0)
                hit.similar = [self.hit(d, float(found.scores[d]) if ranked else 0.0) for d in others[:similar]]
                hit.similar_total = len(others)
                hits.append(hit)
        elif total and limit > 0 and offset < total:
            if ranked:
                best = top(docnums, found.scores[docnums], offset + limit)
                hits = [self.hit(int(d), float(found.scores[d])) for d in best[offset : offset + limit]]
            else:
                hits = [self.hit(int(d)) for d in self._by_date(docnums, sort)[offset : offset + limit]]
        counts = facet_counts(self.columns, found.mask, filters, masks) if facets else {}
        return EngineResult(total=total, hits=hits, facets=counts, relaxed=level == LEVELS[2], partial=found.partial,
                            level=level, stories=self.stories.count(docnums) if told is None else told)

    def _masks(self, filters: Filters) -> dict[str, np.ndarray]:
        """Each narrowing filter's mask: the facets', and one story's."""
        masks = facet_masks(self.columns, filters)
        if filters.story:
            masks["story"] = self.stories.mask_for(filters.story, self.size)
        return masks

    def _by_date(self, docnums: np.ndarray, sort: str) -> np.ndarray:
        days = self.columns.day_ordinal[docnums]
        order = np.argsort(days if sort == "oldest" else -days, kind="stable")
        if sort == "oldest":
            # unknown dates (0) go last, not first
            order = np.concatenate([order[days[order] > 0], order[days[order] == 0]])
        return docnums[order]

    def totals(self, plan: QueryPlan | None, variants: list[Filters]) -> list[int]:
        """Counts for one query under several filter sets (as ``search`` would count them)."""
        out: list[int] = []
        cache: dict[str, Evaluation] = {}
        for f in variants:
            allowed = filter_mask(self.columns, f, masks=self._masks(f))
            found, _ = self.evaluate_plan(plan, allowed, cache=cache)
            out.append(int((found.mask & allowed).sum()))
        return out

    # ------------------------------------------------------------------ documents

    def hit(self, docnum: int, score: float = 0.0) -> Hit:
        if self.mapped is not None:
            doc_id, path, raw = self.mapped.documents.record(docnum)
            return Hit(docnum, doc_id, path, score, article(raw), story=self.stories.story_of(docnum))
        doc_id, path, stored = self.store.stored(docnum)
        return Hit(docnum, doc_id, path, score, stored, story=self.stories.story_of(docnum))

    def get(self, doc_id: str) -> Hit | None:
        if self.mapped is not None:
            docnum = self.mapped.documents.find(doc_id)
        else:
            docnum = self.store.document_number(doc_id)
        if docnum is None or not self.live[docnum]:
            return None
        return self.hit(docnum)

    def newest_from_agency(self, agency: str, limit: int = 10, exclude: str | None = None) -> list[Hit]:
        """The newest documents of an agency (for "more from this agency")."""
        return self._newest(self.columns.agency.mask_for([agency], self.size) & self.live, limit, exclude)

    def newest_citing(self, doc_number_key: str, limit: int = 10, exclude: str | None = None) -> list[Hit]:
        """The newest documents that carry a document number."""
        return self._newest(self.evaluate(Term("doc_numbers", doc_number_key)).mask, limit, exclude)

    def newest_attaching(self, doc_id: str, limit: int = 10) -> list[Hit]:
        """The newest documents that link to the document ``doc_id`` (attach it)."""
        return self._newest(self.evaluate(Term("attaches", doc_id)).mask, limit, doc_id)

    def newest_of_story(self, story: str, limit: int = 10, exclude: str | None = None) -> list[Hit]:
        """The newest pages of a story (the same article reposted elsewhere)."""
        return self._newest(self.stories.mask_for(story, self.size) & self.live, limit, exclude)

    def _newest(self, mask: np.ndarray, limit: int, exclude: str | None) -> list[Hit]:
        docnums = np.flatnonzero(mask)
        out = []
        for d in docnums[np.argsort(-self.columns.day_ordinal[docnums], kind="stable")]:
            hit = self.hit(int(d))
            if hit.id != exclude:
                out.append(hit)
            if len(out) >= limit:
                break
        return out

    # ------------------------------------------------------------------ "did you mean"

    def document_frequency(self, folded_syllable: str) -> int:
        return self.vocabulary.document_frequency(folded_syllable)

    def accented_form(self, folded_syllable: str) -> str:
        return self.vocabulary.accented_form(folded_syllable)

    def syllable_frequency(self, syllable: str) -> int:
        """Pages whose body has ``syllable``: as written when it has diacritics, in any accents
        when it has none (what highlighting weighs a lone query word by)."""
        folded = folded_key(syllable)
        if folded == syllable:
            return self.vocabulary.document_frequency(folded)
        return self.store.document_frequency("body_accented", syllable)

    # ------------------------------------------------------------------ switching generations

    def recent_terms(self, postings: int = TERM_CACHE_POSTINGS) -> list[tuple[str, str]]:
        """The cached terms, most recently used first, up to ``postings`` postings in all: what
        the traffic has been asking, for a successor generation to read before it takes over."""
        return self.terms.recent(postings)

    def warm(self, terms: Iterable[tuple[str, str]] = (), deadline: float | None = None) -> int:
        """Compute every scored field's norms, then read ``terms`` ((field, text) pairs) into the
        term cache until ``deadline`` (a ``time.monotonic()`` value); returns how many were read.
        Done before a generation serves, so that its first requests do not pay these reads."""
        for fieldname in SCORED_FIELDS:
            self.norm(fieldname)
        done = 0
        for fieldname, text in terms:
            if deadline is not None and time.monotonic() > deadline:
                break
            self.postings(fieldname, text)
            done += 1
        return done

    def close(self) -> None:
        self.store.close()
