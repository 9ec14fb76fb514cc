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
from typing import Callable, Iterable, Iterator

from .analysis import folded_term, syllables
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
        for m in word_pattern(frozenset(spelling)).finditer(exact_text):
            spans.append(m.span())
            found.add(spelling[m.group()])
        loose |= {fold(word) for word in accented - found}
    if loose:
        spans.extend(m.span() for m in word_pattern(frozenset(loose)).finditer(folded_text))
    return sorted(set(spans))


class _Words:
    """Any of some terms as a whole word (not inside another), with ``finditer`` and ``search``
    as a compiled pattern has them and the same matches. The whole-word pattern starts with a
    look-behind, which makes the regex engine try it at every position of a page's body; the
    same pattern without it starts with the terms' letters, which the engine skips to at C
    speed: it finds the candidates, and the whole pattern confirms each where it stands."""

    def __init__(self, terms: frozenset[str]):
        alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")
        self._candidates = re.compile(rf"(?:{alternatives})(?![^\W_])")

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        position = 0
        while (candidate := self._candidates.search(text, position)) is not None:
            found = self.pattern.match(text, candidate.start())
            if found is None:
                position = candidate.start() + 1
                continue
            yield found
            position = max(found.end(), found.start() + 1)

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)


@lru_cache(maxsize=256)
def word_pattern(terms: frozenset[str]) -> _Words:
    """Any of ``terms`` as a whole word (not inside another)."""
    return _Words(terms)


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


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    words: int  # query syllables it covers (its weight when choosing the snippet window)
    lone: str | None = None  # the query syllable, for a lone hit of a several-word query


class PreparedText:
    """One text prepared for matching at C speed: lower-cased and folded copies of the same
    length (NFC text keeps its length when folded), searched with regular expressions."""

    def __init__(self, text: str, written: Iterable[str] = ()):
        self.text = text
        self.lower = text.lower()
        if len(self.lower) != len(text):  # "İ" lower-cases to two characters: keep such as they are
            self.lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        self.folded = fold(self.lower)
        if len(self.folded) != len(text):  # decomposed or combining text: fold character by character
            self.folded = "".join(f if len(f := fold(c)) == 1 else c for c in self.lower)
        # accented words known to be written in the whole document (not only in this passage)
        self._written: dict[str, bool] = dict.fromkeys(written, True)

    def written(self, word: str) -> bool:
        """Does the text write the accented ``word`` (either tone placement) anywhere?"""
        if word not in self._written:
            self._written[word] = word_pattern(frozenset(tone_spellings(word))).search(self.lower) is not None
        return self._written[word]

    def hits(self, word: str, start: int, end: int) -> bool:
        """Is text[start:end] (already equal to ``word`` once folded) the query syllable ``word``?
        Typed without diacritics: any accents. With them: that spelling, or any accents when the
        text never writes it so (a mistyped tone)."""
        if folded_term(word) == word or not self.written(word):
            return True
        return self.lower[start:end] in tone_spellings(word)


@lru_cache(maxsize=256)
def _sequence(form: tuple[str, ...]) -> re.Pattern[str]:
    """Folded syllables of a name or phrase, one group each, joined by what may stand between
    them in one name: spaces, "&", dashes ("Bộ TT&TT", "Bà Rịa - Vũng Tàu")."""
    inner = r"[\s&\-–]*".join(f"({re.escape(fold(w))})" for w in form)
    return re.compile(rf"(?<![^\W_]){inner}(?![^\W_])")


def plan_marks(text: str, plan: QueryPlan, rare: Callable[[str], bool] = lambda _w: False,
               aliases: Callable[[str], list[str]] | None = None, written: Iterable[str] = ()) -> list[Mark]:
    """Every mark the plan calls for in ``text``, longest first where they overlap: document
    numbers, names (as typed, canonical, or any alias), quoted phrases and runs of adjacent
    query words as one mark each; then the lone syllables (``Mark.lone`` set), which the caller
    keeps or drops per passage (``keep_lone``). A syllable typed with diacritics marks that
    word, or its look-alikes when the text never writes it (a mistyped tone); ``written``
    names words the whole document writes, so a passage without them (a title) marks no
    look-alike either."""
    if not text or plan is None or plan.empty:
        return []
    prepared = PreparedText(text, written)
    marks: list[Mark] = []
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
            for form in filter(None, forms):
                for found in _sequence(form).finditer(prepared.folded):
                    if all(prepared.hits(w, found.start(k + 1), found.end(k + 1)) for k, w in enumerate(form)):
                        marks.append(Mark(found.start(), found.end(), len(form)))

    free = [g.syl[0] for g in plan.groups if g.kind == "syllable"]
    several = len(plan.groups) > 1
    pairs = set(plan.bigrams)
    by_fold: dict[str, list[str]] = {}
    for word in free:
        by_fold.setdefault(fold(word), []).append(word)
    hits: list[tuple[int, int, str, str]] = []  # (start, end, query syllable, the syllable folded)
    if by_fold:
        for found in word_pattern(frozenset(by_fold)).finditer(prepared.folded):
            start, end = found.span()
            word = next((w for w in by_fold[found.group()] if prepared.hits(w, start, end)), None)
            if word is not None:
                hits.append((start, end, word, found.group()))
    i = 0
    while i < len(hits):
        j = i
        # a run: the next hit is a query word that followed this one in the query, with nothing
        # but spaces between them
        while (j + 1 < len(hits) and f"{hits[j][3]}_{hits[j + 1][3]}" in pairs
               and not text[hits[j][1]:hits[j + 1][0]].strip()):
            j += 1
        if j > i or not several:
            marks.append(Mark(hits[i][0], hits[j][1], j - i + 1))
        else:
            word = hits[i][2]
            marks.append(Mark(hits[i][0], hits[i][1], 1, lone=None if rare(word) else word))
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
                   aliases: Callable[[str], list[str]] | None = None, written: Iterable[str] = ()) -> str:
    """All of ``text`` (a title), escaped, marked as the plan means it (see ``plan_marks``)."""
    if plan is None:
        return escape(text or "")
    marks = keep_lone(plan_marks(text, plan, rarity(df, doc_count), aliases, written))
    return _render(text, [(m.start, m.end) for m in marks], 0, len(text))


def snippet_plan(body: str, plan: QueryPlan | None, df: Callable[[str], int] | None = None, doc_count: int = 0,
                 aliases: Callable[[str], list[str]] | None = None, written: Iterable[str] = (),
                 width: int = 260) -> str:
    """The window of ``body`` that shows most of the query as the plan means it (whole names,
    numbers, phrases and runs weigh by their length, rare lone words more than common ones),
    escaped and marked."""
    if not body:
        return ""
    marks = plan_marks(body, plan, rarity(df, doc_count), aliases, written) if plan is not None else []
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
