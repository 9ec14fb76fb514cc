"""The same story, once: each document's story (``duplicates.Stories``, saved by the build beside
the index as ``stories.npz``) as a column aligned with document numbers, and the collapsing of a
ordered result list into one entry per story.

The story is not a field of the index: when a new repost arrives, the pages it joins keep their
indexed documents but change story, so the build regroups every page and saves the groups apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..duplicates import STORIES_FILE, Stories
from .ranking import top


@dataclass
class StoryColumn:
    """``code[docnum]``: the document's story as a number (``ids[code]`` is its story id). A
    document the stories do not know (none saved, or a page added since) is a story of its own."""

    code: np.ndarray  # int64 per document number
    ids: np.ndarray  # story number -> story id (16 hex digits), sorted

    @classmethod
    def read(cls, directory: Path, doc_ids: np.ndarray) -> "StoryColumn":
        """The column for a generation whose documents have ``doc_ids`` (by document number)."""
        path = Path(directory) / STORIES_FILE
        pages, stories = Stories.load_groups(path) if path.exists() else (np.array([], "U16"), np.array([], "U16"))
        groups = doc_ids.copy()  # unknown pages: their own id
        if len(pages):
            at = np.minimum(np.searchsorted(pages, doc_ids), len(pages) - 1)
            known = pages[at] == doc_ids
            groups[known] = stories[at[known]]
        names, code = np.unique(groups, return_inverse=True)
        return cls(code.astype(np.int64), names)

    def story_of(self, docnum: int) -> str:
        return str(self.ids[self.code[docnum]])

    def mask_for(self, story_id: str, size: int) -> np.ndarray:
        """The documents of one story."""
        at = int(np.searchsorted(self.ids, story_id))  # ids are sorted (np.unique)
        if at >= len(self.ids) or self.ids[at] != story_id:
            return np.zeros(size, dtype=bool)
        return self.code == at

    def count(self, docnums: np.ndarray) -> int:
        """How many stories ``docnums`` belong to (marked in a flag per story: linear, where
        ``np.unique`` sorts; a listing of 20,000 pages is counted on every search)."""
        if not len(docnums):
            return 0
        seen = np.zeros(len(self.ids), dtype=bool)
        seen[self.code[docnums]] = True
        return int(np.count_nonzero(seen))


@dataclass
class Collapsed:
    """One page of results, one entry per story: each entry's best document and its story's other
    documents among the results (in the same order), and how many stories there are in all."""

    entries: list[tuple[int, list[int]]]
    stories: int


def collapse(ordered: np.ndarray, code: np.ndarray, offset: int, limit: int) -> Collapsed:
    """``ordered`` (document numbers, best first) as stories: the entries ``offset:offset+limit``
    of the list made of each story's first document, each with the story's others."""
    codes = code[ordered]
    _, first = np.unique(codes, return_index=True)
    leaders = np.sort(first)  # positions in ``ordered`` of each story's best document, in order
    chosen = leaders[offset:offset + limit]
    wanted = codes[chosen]
    others: dict[int, list[int]] = {int(c): [] for c in wanted}
    chosen_set = set(chosen.tolist())
    for position in np.flatnonzero(np.isin(codes, wanted)).tolist():
        if position not in chosen_set:
            others[int(codes[position])].append(int(ordered[position]))
    return Collapsed([(int(ordered[p]), others[int(codes[p])]) for p in chosen.tolist()], len(leaders))


def collapse_ranked(docnums: np.ndarray, scores: np.ndarray, column: StoryColumn, offset: int, limit: int) -> Collapsed:
    """What ``collapse`` gives for ``docnums`` ordered by ``scores`` (best first, ties to the
    lower number, as ``ranking.top``), without ordering them all: a page of stories starts
    within the best few pages unless one story fills them, so the best ``k`` are ordered, ``k``
    growing until they hold the stories of the page; the page's stories' other pages, which may
    rank anywhere, are then taken from all ``docnums``. On a frequent word's 13,000 matches this
    orders a few hundred pages instead of all of them."""
    code, want = column.code, offset + limit
    k = min(len(docnums), max(64, 4 * want))
    while True:
        best = top(docnums, scores[docnums], k)
        if k == len(docnums):
            return collapse(best, code, offset, limit)  # every page ordered: nothing beyond
        _, first = np.unique(code[best], return_index=True)
        if len(first) >= want:
            break
        k = min(len(docnums), 4 * k)
    wanted = code[best[np.sort(first)[offset:want]]]
    members = docnums[np.isin(code[docnums], wanted)]  # every page of the page's stories
    members = members[np.lexsort((members, -scores[members]))]
    return Collapsed(collapse(members, code, 0, limit).entries, column.count(docnums))
