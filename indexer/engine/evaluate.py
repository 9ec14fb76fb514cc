"""A query tree evaluated with numpy: one pass gives the match mask and every document's score.

Each node is a handful of vector operations over the size of the generation; a term's postings
and a field's norms come from the generation (cached there), so nothing here reads the index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .query_tree import AllOf, AnyOf, Flag, Node, Term, WithBonus
from .ranking import Ranking
from .terms import Postings


@dataclass
class Evaluation:
    mask: np.ndarray
    scores: np.ndarray | None  # None for no query: every live document, unranked
    partial: bool = False  # the time budget ran out: optional boosts left out of the scores


class Scoring(Protocol):
    """What the evaluator needs of a generation."""

    size: int
    ranking: Ranking

    def postings(self, fieldname: str, text: str) -> Postings: ...

    def norm(self, fieldname: str) -> np.ndarray: ...


def evaluate(node: Node, source: Scoring, deadline: float | None = None) -> Evaluation:
    """The match mask of ``node`` and every document's score. Past ``deadline`` (a
    ``time.monotonic()`` value) the bonuses are skipped: the match set stays exact, the ranking is
    coarser, and the evaluation says so."""
    cut = [False]
    mask, scores = _evaluate(node, source, deadline, cut)
    return Evaluation(mask, scores, cut[0])


def _evaluate(node: Node, source: Scoring, deadline: float | None, cut: list[bool]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(node, Term):
        post = source.postings(node.field, node.text)
        mask = np.zeros(source.size, dtype=bool)
        scores = np.zeros(source.size)
        mask[post.ids] = True
        if len(post.ids):
            scores[post.ids] = source.ranking.scores(post, source.norm(node.field))
    elif isinstance(node, Flag):
        post = source.postings(node.field, node.text)
        mask = np.zeros(source.size, dtype=bool)
        mask[post.ids] = True
        scores = mask.astype(np.float64)
    elif isinstance(node, WithBonus):
        mask, scores = _evaluate(node.required, source, deadline, cut)
        if deadline is not None and time.monotonic() > deadline:
            cut[0] = True
        else:
            scores = scores + _evaluate(node.bonus, source, deadline, cut)[1]
    elif isinstance(node, (AllOf, AnyOf)) and node.parts:
        parts = [_evaluate(part, source, deadline, cut) for part in node.parts]
        # accumulated in place (every node returns arrays of its own): stacking the parts first
        # would copy each of them once more
        mask, scores = parts[0]
        if isinstance(node, AllOf):
            for part_mask, part_scores in parts[1:]:
                mask &= part_mask
                scores += part_scores
        else:
            count = mask.astype(np.int32)
            for part_mask, part_scores in parts[1:]:
                count += part_mask
                scores += part_scores
            mask = count >= max(1, node.at_least)
    else:
        raise TypeError(f"cannot evaluate {node!r}")
    if node.boost != 1.0:
        scores = scores * node.boost
    return mask, scores
