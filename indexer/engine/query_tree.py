"""A query as a tree of our own, and how a ``QueryPlan`` becomes one.

The nodes say what the evaluator (``evaluate.py``) does with them, and a node's score is the sum
of its matching parts' scores times its boost, as Whoosh's matchers add them:

    Term(field, text)       the documents holding the term, scored by BM25F
    Flag(field, text)       the documents holding the term, each scored 1: a fact about the page
                            (who published it, what its title names), not a matter of degree
    AllOf(parts)            documents every part matches
    AnyOf(parts, at_least)  documents at least ``at_least`` parts match ("most of the words")
    WithBonus(required, bonus)  what ``required`` matches; ``bonus`` only adds to the scores
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..analysis import bigrams, is_number
from ..query import Group, QueryPlan
from .fields import facet_key, mention_term
from .ranking import Ranking


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Flag:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Node", ...]
    boost: float = 1.0


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Node", ...]
    at_least: int = 1
    boost: float = 1.0


@dataclass(frozen=True)
class WithBonus:
    required: "Node"
    bonus: "Node"
    boost: float = 1.0


Node = Term | Flag | AllOf | AnyOf | WithBonus


def plan_tree(plan: QueryPlan, ranking: Ranking, strict: bool = True, exact: bool = False) -> Node:
    """The tree of a (non-empty) plan. ``strict``: every group must match, else most of them.
    ``exact``: syllables typed with accents match only as typed (their folded look-alikes are
    neither matched nor scored). Adjacent pairs and pyvi words of the query are bonuses."""
    groups = [_group(g, ranking, exact) for g in plan.groups]
    if strict:
        required: Node = AllOf(tuple(groups)) if len(groups) > 1 else groups[0]
    else:
        # Most, not all, of the words: long pasted sentences and one stray word still find
        # pages. At least one word may be missing, so two-word queries keep either word.
        need = max(1, min(len(groups) - 1, math.ceil(len(groups) * 0.6)))
        required = AnyOf(tuple(groups), at_least=need) if len(groups) > 1 else groups[0]
    bonus: list[Node] = [Term("folded_pairs", b, ranking.pair_boost) for b in plan.bigrams]
    bonus += [Term("body_words", w, ranking.word_boost) for w in plan.words]
    return WithBonus(required, AnyOf(tuple(bonus))) if bonus else required


def _group(group: Group, ranking: Ranking, exact: bool) -> Node:
    if group.kind == "docnum":
        required = AnyOf((Term("doc_numbers", group.key, ranking.doc_number_boost), _phrase(group.fold)))
        # the page that is the document (its Số hiệu) before the pages that cite it
        return WithBonus(required, Flag("own_numbers", group.key, ranking.own_number_boost))
    if group.kind == "entity":
        required = AnyOf((Term("mentions", mention_term(group.key), ranking.mention_boost), _phrase(group.fold)))
        # an agency named in the query: its own articles, and the articles whose title names it, first
        facts = (Flag("agency", facet_key(group.key), ranking.publisher_boost),
                 Flag("title_mentions", mention_term(group.key), ranking.title_mention_boost))
        return WithBonus(required, AnyOf(facts))
    if group.kind == "phrase":
        required = _phrase(group.fold)
        bonus = tuple(Term("body_accented", s, ranking.accent_boost) for s, f in zip(group.syl, group.fold) if s != f)
        return WithBonus(required, AnyOf(bonus)) if bonus else required
    s, f = group.syl[0], group.fold[0]
    if is_number(s):
        return AnyOf((Term("body_accented", s), Term("title_accented", s, ranking.title_boost)))
    accented = (Term("body_accented", s, ranking.accent_boost),
                Term("title_accented", s, ranking.accent_boost * ranking.title_boost))
    if exact and s != f:
        return AnyOf(accented)
    folded = ranking.folded_when_accented if s != f else 1.0
    options = (Term("body_folded", f, folded), Term("title_folded", f, ranking.title_boost * folded))
    return AnyOf(options + accented) if s != f else AnyOf(options)


def _phrase(folds: tuple[str, ...]) -> Node:
    words = [f for f in folds if not is_number(f)]
    numbers = tuple(Term("body_accented", f) for f in folds if is_number(f))
    if not words:
        return AllOf(numbers) if len(numbers) > 1 else numbers[0]
    # A phrase is the AND of its adjacent pairs: exact for two words, and for longer phrases
    # it differs only when every pair occurs but not in one run. No positions are stored, which
    # keeps the index small and phrase queries as fast as any other.
    pairs = tuple(Term("folded_pairs", pair) for pair in bigrams(words))
    phrase: Node = Term("body_folded", words[0]) if len(words) == 1 else (AllOf(pairs) if len(pairs) > 1 else pairs[0])
    return AllOf((phrase, *numbers)) if numbers else phrase
