"""Boxes that are not article text wherever they sit inside the article's region: lists of links
to other articles (with or without a heading: "TIN MỚI" before the text, "Tin liên quan" inside
it, "Xem thêm" after it), "Xem thêm: <link>" lines, image captions and galleries."""

from __future__ import annotations

import re

import lxml.html

from .dom import drop, link_density, node_text
from .textnorm import collapse_spaces

# The heading of a box of links to other articles, wherever it sits ("TIN MỚI" before the text,
# "Tin liên quan" inside it, "Xem thêm" after it).
WIDGET_HEADING = re.compile(
    r"^(?:tin mới(?: nhất)?|tin liên quan|bài liên quan|bài viết liên quan|xem thêm|đọc thêm|tin cùng chuyên mục|"
    r"tin khác|các tin khác|có thể bạn quan tâm|bạn có thể quan tâm|tin nổi bật|tin đọc nhiều|đọc nhiều(?: nhất)?|"
    r"tin xem nhiều|xem nhiều(?: nhất)?|tin tiêu điểm|tin hot|you may also like|you might also like|related(?: \w+)?|"
    r"read more|read next|more stories|more from [\w ]{1,30}|recommended(?: for you)?|trending(?: now)?|"
    r"most (?:popular|read)|popular (?:stories|posts)|back to gallery|caption)\W{0,5}$",
    re.I,
)
_WIDGET_LEAD = re.compile(r"(?:xem thêm|đọc thêm|tin liên quan|bài liên quan|>>|»)\s*[:>»-]", re.I)
_CAPTION_CLASS = re.compile(r"caption|gallery|slideshow|photo-?credit|image-?credit|expandable", re.I)


def drop_widgets(root: lxml.html.HtmlElement, keep: lxml.html.HtmlElement | None) -> None:
    """Boxes of links to other articles (with or without a heading), image captions and
    galleries inside the article's region: they are not article text wherever they sit."""
    protected = {keep, *keep.iterancestors()} if keep is not None else set()
    doomed = []
    for node in root.iter("ul", "ol", "div", "section", "aside", "table", "dl", "figcaption", "p", "span",
                          "h2", "h3", "h4", "h5", "strong", "b"):
        if node in protected:
            continue
        tag = node.tag
        if tag == "figcaption" or (tag in ("div", "span", "p") and _CAPTION_CLASS.search(node.get("class") or "")):
            if len(node_text(node)) < 400:
                # The picture goes with its caption: a lone image marker would make the next
                # paragraph look like a caption.
                figure = next(node.iterancestors("figure"), None)
                doomed.append(figure if figure is not None and figure not in protected else node)
                before = node.getprevious()
                if before is not None and before.tag == "img":
                    doomed.append(before)
            continue
        if tag in ("h2", "h3", "h4", "h5", "strong", "b", "p", "span", "div") and len(node) <= 2:
            text = node.text_content()
            if len(text) <= 60 and WIDGET_HEADING.match(collapse_spaces(text)):
                doomed.append(node)
                continue
            # "Xem thêm: <a>another article</a>" inside the text
            if len(text) <= 300 and _WIDGET_LEAD.match(text.strip()) and node.find(".//a") is not None \
                    and link_density(node, len(collapse_spaces(text))) >= 0.5:
                doomed.append(node)
                continue
        if tag in ("ul", "ol", "div", "section", "aside", "table", "dl"):
            links = sum(1 for _ in node.iter("a"))
            if links >= 2:
                length = len(node_text(node))
                if 0 < length <= 4000 and link_density(node, length) >= 0.6:
                    doomed.append(node)
    for node in doomed:
        if node.getparent() is not None and not any(a in doomed for a in node.iterancestors()):
            drop(node)
