"""Small operations on an lxml tree that the cleaner, the widget filter and the evidence
gatherer share: an element's text, its linked share, its text as lines, removing it."""

from __future__ import annotations

import lxml.html

from .blocks import IMAGE
from .textnorm import collapse_spaces

BLOCK_TAGS = {"p", "div", "li", "tr", "table", "section", "article", "main", "blockquote",
             "h1", "h2", "h3", "h4", "h5", "h6", "pre", "ul", "ol", "dl", "dt", "dd", "center",
             "figure", "figcaption", "header", "footer", "aside", "nav", "br", "hr", "tbody", "address"}


def node_text(node: lxml.html.HtmlElement) -> str:
    return collapse_spaces(node.text_content())


def drop(node: lxml.html.HtmlElement) -> None:
    """Remove a node but keep the text that follows it (lxml stores it on the node as .tail)."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail and tail.strip():
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + " " + tail
        else:
            parent.text = (parent.text or "") + " " + tail
    parent.remove(node)


def link_density(node: lxml.html.HtmlElement, length: int) -> float:
    if not length:
        return 1.0
    linked = sum(len(collapse_spaces(a.text_content())) for a in node.iter("a"))
    return min(1.0, linked / length)


def blocks_of(root: lxml.html.HtmlElement) -> list[str]:
    """Text of ``root`` split into blocks at block-level elements and line breaks."""
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            text = collapse_spaces("".join(current))
            if text:
                blocks.append(text)
            current.clear()

    def walk(node: lxml.html.HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        block = tag in BLOCK_TAGS
        if block:
            flush()
        if tag == "img":
            flush()
            blocks.append(IMAGE)
        elif tag in ("td", "th"):
            current.append(" ")  # the cells of a table row read as one line
        if node.text and tag:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    return blocks
