"""Around an article's text: the element that shows its headline (``find_heading``, or the
nearest prominent line before the text), the date line just under it (``date_near``), a
notice's number line before it (``notice_preamble``), the byline (``author_node``), and the
site's name told apart from the title in ``<title>``. ``clean.py`` calls these once it has the
page's tree."""

from __future__ import annotations

import re

import lxml.html

from .dates import DateHit, find_dates
from .dom import node_text
from .evidence import PageEvidence
from .textnorm import collapse_spaces

_DATE_CLASS = re.compile(r"date|time|ngay|publish|posted|created|meta", re.I)
_AUTHOR_CLASS = re.compile(r"author|tacgia|tac-gia|byline|writer", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—:»]\s+")


def names_the_site(author: str, evidence: PageEvidence, page_title: str) -> bool:
    folded = author.casefold().strip()
    if re.search(r"\.(?:vn|com|net|org)\b|^https?:", folded):
        return True
    names = [c.text.casefold() for c in evidence.names] + [p.casefold() for p in _TITLE_SEPARATORS.split(page_title)[1:]]
    return any(folded == n or (len(folded) >= 4 and folded in n) for n in names)


def strip_site_name(page_title: str) -> str:
    parts = _TITLE_SEPARATORS.split(page_title)
    return max(parts, key=len) if parts else page_title


def site_name(page_title: str, title: str) -> str | None:
    rest = page_title.replace(title, "").strip(" -|–—:»")
    return rest or None


def similar_title(a: str, b: str) -> bool:
    """Same title, allowing a site name or a section glued to one side (at most 40 %)."""
    a, b = a.casefold().strip(), b.casefold().strip()
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) > 15 and short in long and len(short) >= 0.6 * len(long)


def _title_candidates(og_title: str, page_title: str) -> list[str]:
    # The whole <title>, and its longest part: the other parts are the site's or section's name.
    parts = [og_title, page_title, strip_site_name(page_title)]
    return [p for p in parts if len(p) >= 15]


def find_heading(body: lxml.html.HtmlElement, og_title: str, page_title: str) -> lxml.html.HtmlElement | None:
    """The element that shows the article's title: the deepest one whose text is the page's
    title (from <title> or og:title), whatever its tag; headings are tried first."""
    wanted = _title_candidates(og_title, page_title)
    if wanted:
        for node in (n for tag in ("h1", "h2", "h3") for n in body.iter(tag)):
            if any(similar_title(node_text(node), w) for w in wanted):
                return node
        matches = []
        for node in body.iter():
            if not isinstance(node.tag, str) or node.tag in ("a", "li", "option", "body") or len(node) > 4:
                continue  # big containers are not headlines, and their text is costly to read
            text = node.text_content()
            if len(text) > 400:
                continue
            text = collapse_spaces(text)
            if not any(similar_title(text, w) for w in wanted):
                continue
            if next(node.iterancestors("a"), None) is not None:
                continue  # a link to this article in a list of others
            matches.append(node)
        deepest = [m for m in matches if not any(other in m.iterdescendants() for other in matches)]
        if deepest:
            return deepest[0]
    h1s = [n for n in body.iter("h1") if len(node_text(n)) > 10]
    return h1s[0] if len(h1s) == 1 else None


_PROMINENT = {"h1", "h2", "h3", "h4", "b", "strong"}


def heading_before(body: lxml.html.HtmlElement, content: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """When the <title> names only the site, the headline is the nearest prominent line before
    the article text (a heading, bold text or a large font), not ending like a label."""
    last = None
    for node in body.iter():
        if node is content:
            break
        if not isinstance(node.tag, str):
            continue
        prominent = node.tag in _PROMINENT or (node.tag == "font" and (node.get("size") or "0")[-1:] in "34567") \
            or re.search(r"title|tieude|headline", node.get("class", ""), re.I)
        if not prominent or next(node.iterancestors("a"), None) is not None:
            continue
        text = node_text(node)
        if 15 <= len(text) <= 300 and not text.endswith(":") and not find_dates(text[:40]):
            last = node
    return last


_NOTICE_NUMBER = re.compile(r"\b[Ss]ố\s*:?\s*\S+(?:\s+ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}|\s+ngày\s+\d{1,2}/\d{1,2}/\d{4})?")
_SIGNATURE_DATE = re.compile(r"[A-ZĐ][^\W\d_]*(?: [A-ZĐ][^\W\d_]*)*,\s+ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}")
_DATE_LINE_MAX = 120  # a date inside a long sentence is an event, not the publication date


def _is_date_line(piece: str, hit: DateHit) -> bool:
    """A line that states a date ("Thứ năm, 16/07/2020 16:39", "Cập nhật: 05/03/2015 | Lượt xem: 12"),
    not a sentence that mentions one ("Theo cáo trạng, vào khoảng 15h ngày 7/12/2017, ...")."""
    before = re.findall(r"[^\W\d_]+", piece[: hit.start])
    return len(before) <= 6 or len(re.findall(r"[^\W\d_]+", piece[hit.end :])) <= 6


def date_near(body: lxml.html.HtmlElement, heading: lxml.html.HtmlElement | None,
               page_text: str) -> tuple[DateHit | None, str]:
    """The publication date: a short date line just after the headline (before it stands the
    site's "today" line), else the signature line of an official notice ("Hà Nội, ngày ..."),
    else an element whose class says date."""
    if heading is not None:
        seen = 0
        started = False
        for node in body.iter():
            if node is heading:
                started = True
                continue
            if not started or not isinstance(node.tag, str):
                continue
            for piece in (node.text, node.tail):
                if piece and piece.strip():
                    if len(piece.strip()) <= _DATE_LINE_MAX:
                        hits = find_dates(piece)
                        if hits and _is_date_line(piece, hits[0]):
                            return hits[0], "headline"
                    seen += len(piece)
            if seen > 600:
                break
    signature = _SIGNATURE_DATE.search(page_text)
    if signature:
        hits = find_dates(signature.group())
        if hits:
            return hits[0], "signature"
    for node in body.iter():
        if isinstance(node.tag, str) and _DATE_CLASS.search(node.get("class", "") + " " + node.get("id", "")):
            content = node_text(node)
            if len(content) <= _DATE_LINE_MAX * 2:
                hits = find_dates(content)
                if hits:
                    return hits[0], "date class"
    return None, ""


def notice_preamble(body: lxml.html.HtmlElement, heading: lxml.html.HtmlElement | None) -> str:
    """The text just before the headline: a notice's "Thông báo Số: 96/TB-VP ngày ..." line."""
    if heading is None:
        return ""
    pieces: list[str] = []
    for node in body.iter():
        if node is heading:
            break
        if isinstance(node.tag, str):
            pieces.extend(p for p in (node.text, node.tail) if p and p.strip())
    text = collapse_spaces(" ".join(pieces[-8:]))[-400:]
    # Only a notice's own heading counts, not a sidebar's list of other documents.
    return " ".join(m.group() for m in _NOTICE_NUMBER.finditer(text))


def author_node(body: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    for node in body.iter():
        if not isinstance(node.tag, str):
            continue
        if _AUTHOR_CLASS.search(node.get("class", "") + " " + node.get("id", "")) or node.get("itemprop") == "author":
            text = node_text(node)
            if 0 < len(text) <= 80:
                return node
    return None
