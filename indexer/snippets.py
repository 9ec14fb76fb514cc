"""Highlighted snippets cut from the original text, accents as written.

Matching is done on folded syllables, so ``chuyen doi so`` marks ``chuyển đổi số`` in the text;
what is shown is always the document's own characters, HTML-escaped, with ``<mark>`` around hits.

Two ways in: ``highlight(text, terms)`` / ``snippet(body, terms)`` mark every syllable of a set
of terms; ``highlight_plan`` / ``snippet_plan`` follow the query plan (``query.parse_query``):
a document number, a name (``Bộ TT&TT``) and a quoted phrase are one mark each, adjacent query
words one mark, and a lone syllable of a several-word query is marked only when it is rare in
the index (a document-frequency callback) or the only thing the passage matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Callable

from .analysis import syllables
from .docnumbers import DOC_NUMBER_RE, doc_number_key
from .query import QueryPlan
from .textnorm import canonical_tones, fold, tone_spellings


def _marks(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` that match query terms. A term typed without diacritics matches any
    accents (``so`` marks sở, số, sổ); a term typed with them marks exactly that word, unless the
    text never writes it so (a mistyped tone), then its folded form. Folding and tone placement
    keep NFC text's length, so a regex over the transformed text finds them at C speed."""
    if not terms:
        return []
    folded_text = fold(text).lower()
    loose = {t for t in terms if fold(t) == t}
    accented = terms - loose
    exact_text = text.lower() if accented else text
    if len(folded_text) != len(text) or len(exact_text) != len(text):
        wanted = {fold(x) for x in terms}
        return [(t.start, t.end) for t in syllables(text) if fold(canonical_tones(t.text).lower()) in wanted]
    spans: list[tuple[int, int]] = []
    if accented:
        # every accented word in one pass, in either tone placement the page may use
        spelling = {s: word for word in accented for s in tone_spellings(word)}
        found: set[str] = set()
        for m in _pattern(frozenset(spelling)).finditer(exact_text):
            spans.append(m.span())
            found.add(spelling[m.group()])
        loose |= {fold(word) for word in accented - found}
    if loose:
        spans.extend(m.span() for m in _pattern(frozenset(loose)).finditer(folded_text))
    return sorted(set(spans))


@lru_cache(maxsize=256)
def _pattern(terms: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def highlight(text: str, terms: set[str]) -> str:
    """All of ``text``, escaped, with every matching syllable marked (used for titles)."""
    return _render(text, _marks(text, terms), 0, len(text))


def snippet(body: str, terms: set[str], width: int = 260) -> str:
    """The window of ``body`` with the most distinct query syllables (adjacent ones counting
    extra), escaped and marked."""
    if not body:
        return ""
    marks = _marks(body, terms) if terms else []
    if not marks:
        end = _cut(body, min(len(body), width))
        return escape(body[:end]) + ("…" if end < len(body) else "")
    best_start, best_score = marks[0][0], -1
    j = 0
    for i, (start, _) in enumerate(marks):
        while j < len(marks) and marks[j][1] - start <= width:
            j += 1
        window = marks[i:j]
        distinct = len({fold(body[s:e].lower()) for s, e in window})
        # words next to each other, as typed, say more than the same words scattered: the
        # longest run of adjacent hits weighs most (the query read as a phrase), then how many
        # adjacent pairs the window holds
        chain = longest = 1
        adjacent = 0
        for (_, e1), (s2, _) in zip(window, window[1:]):
            if s2 - e1 <= 2:
                adjacent += 1
                chain += 1
                longest = max(longest, chain)
            else:
                chain = 1
        score = distinct * 10 + longest * 5 + adjacent + min(len(window), 3)
        if score > best_score:
            best_start, best_score = start, score
    lead = max(0, best_start - width // 5)
    lead = _sentence_start(body, lead, best_start)
    end = _cut(body, min(len(body), lead + width))
    inside = [(s, e) for s, e in marks if s >= lead and e <= end]
    prefix = "…" if lead > 0 else ""
    suffix = "…" if end < len(body) else ""
    return prefix + _render(body, inside, lead, end) + suffix


def _sentence_start(text: str, lower: int, hit: int) -> int:
    for i in range(hit - 1, lower - 1, -1):
        if text[i] in ".!?\n" and i + 1 < hit:
            return i + 1 if text[i + 1] != " " else i + 2
    while lower > 0 and not text[lower - 1].isspace() and lower < hit:
        lower += 1  # do not start in the middle of a syllable
    return lower


def _cut(text: str, end: int) -> int:
    if end >= len(text):
        return len(text)
    space = text.rfind(" ", 0, end)
    return space if space > end - 30 else end


def _render(text: str, marks: list[tuple[int, int]], start: int, end: int) -> str:
    out = []
    pos = start
    for s, e in marks:
        if s < pos:
            continue
        out.append(escape(text[pos:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    html = "".join(out).replace("\n", " ")
    return html.replace("</mark> <mark>", " ")


# ---------------------------------------------------------------- highlights that follow the query plan

# A lone syllable of a several-word query is marked only where it says something: when it is
# rare in the index (on at most this share of the pages, or on one or two) or when nothing
# longer matched in the passage. ``chuyen doi so`` then marks "chuyển đổi số" and not the "Sở"
# of "Sở Y tế" or the "số" of "một số" beside it.
RARE_SHARE = 0.01
# what may stand between the syllables of one name or number: "TT&TT", "Bà Rịa - Vũng Tàu"
_JOIN = re.compile(r"[\s&\-–]*")


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    words: int  # query syllables it covers (its weight when choosing the snippet window)
    lone: str | None = None  # the query syllable, for a lone hit of a several-word query


def _tokens(text: str) -> tuple[list[tuple[int, int]], list[str], list[str]]:
    """Syllable spans of ``text`` with their lower-case and folded forms (one tone placement)."""
    spans, lower, folded = [], [], []
    for token in syllables(text):
        spans.append((token.start, token.end))
        word = canonical_tones(token.text).lower()
        lower.append(word)
        folded.append(fold(word))
    return spans, lower, folded


class _Matcher:
    """Which text syllables a query syllable matches: typed without diacritics, any accents;
    with them, that spelling (either tone placement), or any accents when the text never
    writes it so (a mistyped tone)."""

    def __init__(self, lower: list[str], folded: list[str]):
        self.lower, self.folded = lower, folded
        self._written = set(lower)

    def hits(self, word: str, i: int) -> bool:
        if fold(word) == word or word not in self._written:
            return self.folded[i] == fold(word)
        return self.lower[i] == word


def plan_marks(text: str, plan: QueryPlan, rare: Callable[[str], bool] = lambda _w: False,
               aliases: Callable[[str], list[str]] | None = None) -> list[Mark]:
    """Every mark the plan calls for in ``text``, longest first where they overlap: document
    numbers, names (as typed, canonical, or any alias), quoted phrases and runs of adjacent
    query words as one mark each; then the lone syllables (``Mark.lone`` set), which the caller
    keeps or drops per passage (``keep_lone``)."""
    if not text or plan is None or plan.empty:
        return []
    spans, lower, folded = _tokens(text)
    match = _Matcher(lower, folded)
    marks: list[Mark] = []

    def sequences(words: tuple[str, ...]) -> None:
        n = len(words)
        for i in range(len(spans) - n + 1):
            if all(match.hits(words[k], i + k) for k in range(n)) and all(
                    _JOIN.fullmatch(text[spans[i + k][1]:spans[i + k + 1][0]]) for k in range(n - 1)):
                marks.append(Mark(spans[i][0], spans[i + n - 1][1], n))

    for group in plan.groups:
        if group.kind == "docnum":
            for found in DOC_NUMBER_RE.finditer(text):
                if doc_number_key(found.group()) == group.key:
                    marks.append(Mark(found.start(), found.end(), len(group.syl)))
        elif group.kind in ("phrase", "entity"):
            forms = {group.syl}
            if group.kind == "entity" and group.key:
                for name in [group.key, *(aliases(group.key) if aliases else [])]:
                    forms.add(tuple(canonical_tones(t.text).lower() for t in syllables(name)))
            for form in forms:
                if form:
                    sequences(form)

    free = [g.syl[0] for g in plan.groups if g.kind == "syllable"]
    several = len(plan.groups) > 1
    pairs = set(plan.bigrams)
    hit_word: dict[int, str] = {}
    for i in range(len(spans)):
        for word in free:
            if match.hits(word, i):
                hit_word[i] = word
                break
    i = 0
    while i < len(spans):
        if i not in hit_word:
            i += 1
            continue
        j = i
        # a run: the next syllable is a query word that followed this one in the query, with
        # nothing but a space between them
        while (j + 1 in hit_word and f"{folded[j]}_{folded[j + 1]}" in pairs
               and not text[spans[j][1]:spans[j + 1][0]].strip()):
            j += 1
        if j > i or not several:
            marks.append(Mark(spans[i][0], spans[j][1], j - i + 1))
        else:
            word = hit_word[i]
            marks.append(Mark(spans[i][0], spans[i][1], 1, lone=None if rare(word) else word))
        i = j + 1
    return _without_overlaps(marks)


def _without_overlaps(marks: list[Mark]) -> list[Mark]:
    """Longest marks win; a mark inside or across a kept one is dropped."""
    kept: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (-(m.end - m.start), m.start)):
        if all(mark.end <= k.start or mark.start >= k.end for k in kept):
            kept.append(mark)
    return sorted(kept, key=lambda m: m.start)


def keep_lone(marks: list[Mark]) -> list[Mark]:
    """The marks of one passage: a common lone syllable only when nothing longer or rarer
    matched there (then it is the only evidence the passage has)."""
    if any(m.lone is None for m in marks):
        return [m for m in marks if m.lone is None]
    return marks


def rarity(df: Callable[[str], int] | None, doc_count: int, share: float = RARE_SHARE) -> Callable[[str], bool]:
    """``rare(word)`` from a document-frequency callback: ``df(word)`` pages of ``doc_count``
    contain the query syllable ``word`` (accented as typed, or folded when typed without
    diacritics; the engine answers from its accented or folded syllable field)."""
    if df is None or doc_count <= 0:
        return lambda _word: False
    limit = max(2.0, share * doc_count)
    return lambda word: 0 < df(word) <= limit


def highlight_plan(text: str, plan: QueryPlan | None, df: Callable[[str], int] | None = None, doc_count: int = 0,
                   aliases: Callable[[str], list[str]] | None = None) -> str:
    """All of ``text`` (a title), escaped, marked as the plan means it (see ``plan_marks``)."""
    if plan is None:
        return escape(text or "")
    marks = keep_lone(plan_marks(text, plan, rarity(df, doc_count), aliases))
    return _render(text, [(m.start, m.end) for m in marks], 0, len(text))


def snippet_plan(body: str, plan: QueryPlan | None, df: Callable[[str], int] | None = None, doc_count: int = 0,
                 aliases: Callable[[str], list[str]] | None = None, width: int = 260) -> str:
    """The window of ``body`` that shows most of the query as the plan means it (whole names,
    numbers, phrases and runs weigh by their length, rare lone words more than common ones),
    escaped and marked."""
    if not body:
        return ""
    marks = plan_marks(body, plan, rarity(df, doc_count), aliases) if plan is not None else []
    if not marks:
        end = _cut(body, min(len(body), width))
        return escape(body[:end]) + ("…" if end < len(body) else "")
    best_start, best_score = marks[0].start, -1.0
    j = 0
    for i, first in enumerate(marks):
        while j < len(marks) and marks[j].end - first.start <= width:
            j += 1
        window = marks[i:j]
        whole = sum(10 * m.words * m.words for m in window if m.lone is None)
        lone = len({m.lone for m in window if m.lone})
        score = whole + lone + min(len(window), 3) * 0.1
        if score > best_score:
            best_start, best_score = first.start, score
    lead = max(0, best_start - width // 5)
    lead = _sentence_start(body, lead, best_start)
    end = _cut(body, min(len(body), lead + width))
    inside = keep_lone([m for m in marks if m.start >= lead and m.end <= end])
    prefix = "…" if lead > 0 else ""
    suffix = "…" if end < len(body) else ""
    return prefix + _render(body, [(m.start, m.end) for m in inside], lead, end) + suffix
