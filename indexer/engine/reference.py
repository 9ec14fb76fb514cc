"""Whoosh's own evaluation of a query tree: the reference the tests hold ``evaluate.py`` to.

Each node becomes the Whoosh query whose matcher adds scores the same way (``AnyOf`` becomes an
``Or``, which ignores ``at_least``: it matches any part), run with Whoosh's ``BM25F`` and the
generation's ranking constants. Slow (one posting at a time); never used to answer a search.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as Q
from whoosh.filedb.filestore import FileStorage
from whoosh.scoring import BM25F

from .generation import Generation
from .query_tree import AllOf, Flag, Node, Term, WithBonus


def whoosh_query(node: Node) -> Q.Query:
    if isinstance(node, Term):
        return Q.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, Flag):
        return Q.ConstantScoreQuery(Q.Term(node.field, node.text), score=node.boost)
    if isinstance(node, WithBonus):
        query = Q.AndMaybe(whoosh_query(node.required), whoosh_query(node.bonus))
        query.boost = node.boost
        return query
    parts = [whoosh_query(part) for part in node.parts]
    return Q.And(parts, boost=node.boost) if isinstance(node, AllOf) else Q.Or(parts, boost=node.boost)


def whoosh_evaluation(generation: Generation, node: Node, within: np.ndarray | None = None
                      ) -> tuple[np.ndarray, dict[int, float]]:
    """The live documents Whoosh matches for ``node``, and its scores of those in ``within``."""
    query = whoosh_query(node)
    index = FileStorage(str(generation.directory), supports_mmap=False, readonly=True).open_index()
    with index.searcher(weighting=BM25F(B=generation.ranking.b, K1=generation.ranking.k1)) as searcher:
        mask = np.zeros(generation.size, dtype=bool)
        mask[list(searcher.docs_for_query(query))] = True
        mask &= generation.live
        allowed = mask if within is None else mask & within
        hits = searcher.search(query, limit=None, filter=set(np.flatnonzero(allowed).tolist()))
        return mask, {hit.docnum: hit.score for hit in hits}
