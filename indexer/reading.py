"""How the archive writes what was typed: the accented reading of a query, taken from the pages
that answered it.

``chuyen doi so`` (no diacritics) and ``chuyen doi sô`` (a mistyped tone) both find the pages
that say ``chuyển đổi số``. Which accented words were meant shows in those pages: each query
syllable is read as the spelling the best results use for it next to the query's neighbouring
words (``chuyển`` before ``đổi``, ``số`` after ``đổi``). A syllable never seen beside its
neighbours has no reading: one word alone (``so``) may mean any of ``sở``, ``số``, ``sổ``.

The reading names the search on the results page (``Đã tìm theo: chuyển đổi số`` when the words
typed were corrected) and tells the highlighter which look-alike is the query's word: on a page
that writes ``số``, the lone ``số`` is the query's, the ``Sở`` of ``Sở Y tế`` is not (a page that
never writes it was found through its look-alikes, and they are marked).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Iterable

from .analysis import syllables
from .query import Group, QueryPlan
from .snippets import PreparedText, word_pattern
from .textnorm import canonical_tones, fold, tone_spellings

NEIGHBOUR_WEIGHT = 10  # one sighting beside a query neighbour outweighs this many lone ones


def query_reading(plan: QueryPlan, texts: Iterable[str]) -> dict[str, str]:
    """Folded query syllable -> the accented spelling (lower case, one tone convention) the
    ``texts`` (titles and bodies of the best results, best first) use for it beside a query
    neighbour. Syllables with no such sighting are left out."""
    words = {g.fold[0] for g in plan.groups if g.kind == "syllable" and g.fold}
    pairs = set(plan.bigrams)
    if not words or not pairs:
        return {}
    votes: dict[str, Counter[str]] = {w: Counter() for w in words}
    beside: dict[str, Counter[str]] = {w: Counter() for w in words}
    pattern = word_pattern(frozenset(words))
    for text in texts:
        if not text:
            continue
        prepared = PreparedText(text)
        hits = [(m.start(), m.end(), m.group()) for m in pattern.finditer(prepared.folded)]
        for i, (start, end, word) in enumerate(hits):
            spelled = canonical_tones(prepared.lower[start:end])
            if fold(spelled) != word:  # a character that folds to two (rare scripts): not a reading
                continue
            near = ((i + 1 < len(hits) and f"{word}_{hits[i + 1][2]}" in pairs and not text[end:hits[i + 1][0]].strip())
                    or (i > 0 and f"{hits[i - 1][2]}_{word}" in pairs and not text[hits[i - 1][1]:start].strip()))
            votes[word][spelled] += NEIGHBOUR_WEIGHT if near else 1
            beside[word][spelled] += near
    reading = {}
    for word, counts in votes.items():
        if counts:
            spelled = counts.most_common(1)[0][0]
            if beside[word][spelled]:
                reading[word] = spelled
    return reading


def read_plan(plan: QueryPlan, reading: dict[str, str]) -> QueryPlan:
    """``plan`` with each free syllable spelled as ``reading`` has it (for highlighting: a
    syllable with diacritics marks that word, or its look-alikes only where a page never writes it)."""
    if not reading:
        return plan
    groups = [Group("syllable", (reading[g.fold[0]],), g.fold) if g.kind == "syllable" and g.fold[0] in reading else g
              for g in plan.groups]
    return dataclasses.replace(plan, groups=groups)


def written_in(reading: dict[str, str], text: str) -> dict[str, str]:
    """The part of ``reading`` that ``text`` (a whole document) writes, in either tone placement."""
    lower = text.lower()
    return {word: spelled for word, spelled in reading.items()
            if word_pattern(frozenset(tone_spellings(spelled))).search(lower)}


def searched_as(plan: QueryPlan, reading: dict[str, str]) -> str | None:
    """The query as typed with every free syllable spelled as the archive reads it, when that
    changes a syllable typed with diacritics (the search did not find it as typed), else None.
    Quotes, numbers, names and punctuation stay as typed."""
    changed = False
    out, cursor = [], 0
    typed_with_marks = {g.syl[0] for g in plan.groups if g.kind == "syllable" and g.accented}
    protected = _protected_spans(plan.text)
    for token in syllables(plan.text):
        if any(s <= token.start < e for s, e in protected):
            continue
        lowered = canonical_tones(token.text.lower())
        spelled = reading.get(fold(lowered))
        if spelled is None or spelled == lowered:
            continue
        changed |= lowered in typed_with_marks
        out.append(plan.text[cursor:token.start])
        out.append(spelled)
        cursor = token.end
    out.append(plan.text[cursor:])
    return "".join(out) if changed else None


_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Quoted phrases: searched as typed, never respelled."""
    return [m.span() for m in _QUOTED.finditer(text)]
