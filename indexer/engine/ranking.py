"""How matches are ranked: BM25F over numpy arrays, with the weight of each kind of match.

A ``Ranking`` is a value handed to a generation when it is opened (``Generation.open``); tuning
(``bench/tune.py``, ``bench/relevance.py --ceiling``) passes other values, nothing is changed
under a running searcher. The formula, idf and field-length norms are Whoosh's ``BM25F``,
operation for operation, so the scores are the floats Whoosh's own matchers give (the tests
compare them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .terms import Postings


@dataclass(frozen=True)
class Ranking:
    # K1: term frequency saturates early. Chosen on a development set of our own (bench/tune.py:
    # 0.5 to 0.8 all beat Whoosh's default 1.2 there; known-item queries reward covering every
    # word more than repeating one). B is Whoosh's default.
    k1: float = 0.5
    b: float = 0.75
    # An exact accented match outranks the same syllable typed without diacritics
    accent_boost: float = 2.0
    # known-item queries come from bodies; a title match helps, but must not decide
    title_boost: float = 0.5
    # When the query is typed with diacritics, a match on the folded form only (a different word
    # that loses its accents the same way: "lận" ~ "lan") counts for less than the exact word.
    folded_when_accented: float = 0.3
    # an exact document number beats everything
    doc_number_boost: float = 200.0
    pair_boost: float = 3.0  # adjacent query syllables found adjacent
    word_boost: float = 2.0  # pyvi's words of the query found as words
    mention_boost: float = 3.0  # an agency or unit named in the query, named by the page
    # An agency named in the query ranks its own articles and the articles whose title names it
    # first: each fact adds about what the name alone scores on a page that names it (8-14 on
    # the corpus), so it reorders pages that match the query alike and yields to the other
    # words of a longer query.
    publisher_boost: float = 8.0
    title_mention_boost: float = 8.0
    # a document number typed: the page that is that document (its own number) before the pages
    # citing it; as much as the number itself weighs
    own_number_boost: float = 200.0
    # A budget for ranking, so one pathological query cannot hold a worker: past it the optional
    # boosts are left out (the match set stays exact).
    budget_seconds: float = 1.0

    def norms(self, lengths: np.ndarray, average: float) -> np.ndarray:
        """A field's per-document ``K1 * ((1 - B) + B * length / average length)``."""
        return self.k1 * ((1 - self.b) + self.b * lengths / average)

    def scores(self, postings: Postings, norm: np.ndarray) -> np.ndarray:
        """BM25F scores of a term's documents (before any query boost)."""
        tf = postings.tf.astype(np.float64)
        return postings.idf * (tf * (self.k1 + 1)) / (tf + norm[postings.ids])


def idf(document_frequency: int, documents: int) -> float:
    """Whoosh's idf: documents counts deleted ones too, as Whoosh's does."""
    return math.log(documents / (document_frequency + 1)) + 1


def top(docnums: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best documents, highest score first, ties to the lower document number (as
    Whoosh's collector orders them)."""
    if len(docnums) > 4 * k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= kth
        docnums, scores = docnums[keep], scores[keep]
    order = np.lexsort((docnums, -scores))
    return docnums[order[:k]]
