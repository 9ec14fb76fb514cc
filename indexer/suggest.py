""""Did you mean": corrections drawn from the archive's own vocabulary.

Whoosh's ``correct_query`` ranks by frequency and gives poor Vietnamese suggestions, so we
look for each unknown syllable's neighbours at one edit on the folded vocabulary, choose the
most frequent, and show the correction with the accents the archive writes most.
"""

from __future__ import annotations

import string
from typing import Protocol

from .query import QueryPlan

_LETTERS = string.ascii_lowercase + string.digits


class Vocabulary(Protocol):
    def document_frequency(self, folded_syllable: str) -> int: ...

    def accented_form(self, folded_syllable: str) -> str: ...


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return deletes | swaps | replaces | inserts


def did_you_mean(plan: QueryPlan, vocabulary: Vocabulary, min_df: int = 1) -> str | None:
    """A corrected query, or None when every syllable is known or nothing better exists."""
    changed = False
    words: list[str] = []
    for group in plan.groups:
        if group.kind != "syllable":
            words.append(" ".join(group.syl) if group.kind != "phrase" else f'"{" ".join(group.syl)}"')
            continue
        folded = group.fold[0]
        if vocabulary.document_frequency(folded) >= min_df or len(folded) < 2:
            words.append(group.syl[0])
            continue
        best, best_df = None, 0
        for candidate in _edits(folded):
            df = vocabulary.document_frequency(candidate)
            if df > best_df:
                best, best_df = candidate, df
        if best is None:
            words.append(group.syl[0])
            continue
        # Keep the user's style: a query typed without diacritics gets a correction without them.
        words.append(vocabulary.accented_form(best) if group.accented else best)
        changed = True
    return " ".join(words) if changed else None
