"""What a person typed -> an engine-neutral query plan.

A query is text, not code: ``AND``, ``OR``, ``(``, ``:``, ``*``, ``?`` are read as the words or
punctuation they are, never as operators. Only two things get special meaning because people
mean them: double quotes (a phrase) and document numbers (``458/TB-VP``, kept whole).
Agency and unit names or abbreviations (``Bộ TT&TT``) are recognised through the registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import accented_terms, bigrams, folded_terms, segment, syllables, word_terms
from .docnumbers import find_query_doc_numbers
from .textnorm import fold, normalize

MAX_QUERY_CHARS = 500
MAX_GROUPS = 20  # words beyond this add little to a match and a lot to its cost


@dataclass(frozen=True)
class Group:
    """One required part of a query."""

    kind: str  # "syllable" | "phrase" | "docnum" | "entity"
    syl: tuple[str, ...]  # normalised accented syllables as typed
    fold: tuple[str, ...]  # their folded forms
    key: str | None = None  # document-number key or entity canonical name

    @property
    def accented(self) -> bool:
        return self.syl != self.fold


@dataclass
class QueryPlan:
    text: str
    groups: list[Group] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # pyvi compounds of the free text, for ranking
    bigrams: list[str] = field(default_factory=list)  # folded adjacent pairs of the free text
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.groups

    def highlight_terms(self) -> set[str]:
        """Syllables to mark in snippets, as typed (accented or not; see ``snippets``)."""
        return {s for g in self.groups for s in g.syl}


_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”")


def _entity_spans(text: str) -> list[tuple[int, int, str]]:
    from .entities import PUBLISHER_KINDS
    from .registry import Registry

    # A registry that cannot be read is a broken installation: say so (RegistryError names the
    # file and the fault) rather than quietly searching without agency names.
    registry = Registry.default()
    spans = registry.mention_spans(text)
    # Short abbreviations that are also common words ("BTC" = Bộ Tài chính or "Ban tổ chức") are
    # never taken from running text, but typed alone in capitals they name an agency; the
    # entity clause still accepts the letters as text, so nothing is lost if they meant the words.
    for match in re.finditer(r"(?<![\w&])[A-ZĐ]{2,8}(?![\w&])", text):
        if any(s <= match.start() < e for s, e, _ in spans):
            continue
        entity = registry.resolve(match.group())
        if entity is not None and entity.kind in PUBLISHER_KINDS:
            spans.append((match.start(), match.end(), entity.canonical))
    return spans


def parse_query(text: str, *, use_registry: bool = True) -> QueryPlan:
    """Turn raw user input into a plan; never raises on any string."""
    text = normalize(text or "")
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    plan = QueryPlan(text=text, truncated=truncated)

    # Cut the text into pieces: quoted phrases, document numbers, entity names, free text.
    pieces: list[tuple[int, int, str, str | None]] = []  # (start, end, kind, key)
    taken = [False] * len(text)

    def claim(start: int, end: int, kind: str, key: str | None) -> None:
        if any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        pieces.append((start, end, kind, key))

    for match in _QUOTED.finditer(text):
        claim(match.start(), match.end(), "phrase", None)
    for start, end, key in find_query_doc_numbers(text):
        claim(start, end, "docnum", key)
    if use_registry:
        for start, end, canonical in _entity_spans(text):
            claim(start, end, "entity", canonical)

    free_parts: list[str] = []
    cursor = 0
    for start, end, kind, key in sorted(pieces):
        free_parts.append(text[cursor:start])
        cursor = end
        chunk = text[start:end]
        if kind == "phrase":
            chunk = chunk.strip("\"“”")
        syl = tuple(accented_terms(syllables(chunk)))
        if not syl:
            continue
        folded = tuple(fold(s) for s in syl)
        if kind == "phrase" and len(syl) == 1:
            kind = "syllable"
        plan.groups.append(Group(kind, syl, folded, key))
    free_parts.append(text[cursor:])

    free_tokens = []
    for part in free_parts:
        # the chain pages go through (analysis.analyse), on the free text between the pieces
        tokens = list(syllables(part, with_punct=True))
        part_syllables = accented_terms(tokens)
        free_tokens.extend(part_syllables)
        plan.bigrams.extend(bigrams(folded_terms(part_syllables)))
        if part.strip():
            plan.words.extend(word_terms(segment(tokens)))
    for token in free_tokens:
        plan.groups.append(Group("syllable", (token,), (fold(token),)))
    plan.groups = _dedupe(plan.groups)[:MAX_GROUPS]
    plan.bigrams = list(dict.fromkeys(plan.bigrams))[:MAX_GROUPS]
    return plan


def _dedupe(groups: list[Group]) -> list[Group]:
    seen = set()
    out = []
    for group in groups:
        marker = (group.kind, group.syl, group.key)
        if marker not in seen:
            seen.add(marker)
            out.append(group)
    return out
