"""Highlighted snippets cut from the original text, accents as written.

Matching is done on folded syllables, so ``chuyen doi so`` marks ``chuyển đổi số`` in the text;
what is shown is always the document's own characters, HTML-escaped, with ``<mark>`` around hits.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from .analysis import syllables
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
