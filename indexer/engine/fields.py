"""The index's fields (the table is in the package docstring) and the document the writer takes.

No Whoosh here: ``store.py`` turns these names into a Whoosh schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..textnorm import folded_key

# Bumped whenever fields or stored layout change: a build never extends a generation written in
# another format (it rebuilds in full instead). 3: fields renamed for what they hold. 4: kind
# (news or document) and attaches (the documents a page links to). 5: own_numbers and
# title_mentions (ranking facts), own and cited numbers in the article, stories.npz beside it.
INDEX_FORMAT = 5

# The fields queries score (``query_tree.py``): their norms are computed before a generation serves.
SCORED_FIELDS = ("body_accented", "title_accented", "body_folded", "title_folded", "folded_pairs",
                 "body_words", "doc_numbers", "mentions")


@dataclass
class IndexDoc:
    """One analysed page, as the writer takes it: every list is the field's terms, in order."""

    id: str
    path: str
    article: dict[str, Any]  # stored: everything shown for a hit or an article page
    body_accented: list[str]
    body_folded: list[str]
    body_words: list[str]
    title_accented: list[str]
    title_folded: list[str]
    folded_pairs: list[str]  # of the title, then of the body
    doc_numbers: list[str]
    mentions: list[str]  # canonical names of the agencies and units the page names
    agency: str
    units: list[str]
    day: str | None  # YYYY-MM-DD
    kind: str = "tin"  # "tin" (news) or "văn bản" (an attached document)
    attaches: list[str] = field(default_factory=list)  # ids the documents it links to would have
    own_numbers: list[str] = field(default_factory=list)  # keys of the page's own document numbers
    title_mentions: list[str] = field(default_factory=list)  # canonical names the title names


def facet_key(value: str) -> str:
    """Facet values are indexed as single terms: spaces would split them."""
    return value.replace(" ", "\x1f")


def facet_value(term: str) -> str:
    return term.replace("\x1f", " ")


def mention_term(canonical: str) -> str:
    """Names are matched whatever their case, accents or tone placement."""
    return facet_key(folded_key(canonical))
