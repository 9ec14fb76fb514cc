"""Links from a news page to the documents it announces: the decision, plan or notice as a PDF,
DOC, DOCX or ODT file ("Tải về", "File đính kèm", or the document's name linked in the text).

The links that count are those in the article's own block (its container, where portals put
the "Tệp đính kèm" box); a page whose block holds none but which has only a few document links
anywhere (a box the cleaner set aside) keeps those. A sidebar listing many documents ("Văn bản
mới") is not the article's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import lxml.html

from .textnorm import collapse_spaces

_DOCUMENT_HREF = re.compile(r"\.(?:pdf|docx?|odt)(?:$|[?#&])|[?&=/][^?#]*\.(?:pdf|docx?|odt)(?:$|[&#])", re.I)
MAX_LINKS = 20  # a page linking more documents than this is a listing, not an article
FEW = 5  # document links anywhere on a page whose block has none: kept when no more than this


@dataclass(frozen=True)
class DocLink:
    href: str  # as the page writes it
    text: str  # the link's text (often the document's name)


def is_document_href(href: str) -> bool:
    return bool(_DOCUMENT_HREF.search(href or ""))


def document_links(nodes: Iterable[lxml.html.HtmlElement]) -> list[DocLink]:
    """The document links under ``nodes``, each address once, in order."""
    out: dict[str, DocLink] = {}
    for node in nodes:
        for a in node.iter("a"):
            href = (a.get("href") or "").strip()
            if href and is_document_href(href) and href not in out:
                out[href] = DocLink(href, collapse_spaces(a.text_content())[:300])
    return list(out.values())[:MAX_LINKS]


def article_links(in_block: list[DocLink], on_page: list[DocLink]) -> list[DocLink]:
    """The article's documents: those in its block, else the page's when they are few."""
    if in_block:
        return in_block
    return on_page if len(on_page) <= FEW else []
