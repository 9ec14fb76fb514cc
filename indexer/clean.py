"""Saved page -> title, paragraphs, author and the page's own metadata hints.

Portals differ in markup but not in shape: one article among menus, banners, sidebars and lists
of other articles. The HTML extractor scores blocks by how much running text they hold (the
Readability idea) instead of knowing any portal's class names; class and id words only serve to
throw away what is plainly navigation or comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree
import lxml.html

from .article_head import (author_node, date_near, find_heading, heading_before, names_the_site, notice_preamble,
                           similar_title, site_name, strip_site_name)
from .blocks import BYLINE_LABEL, is_junk, strip_date_prefix, tidy_blocks
from .certainty import BodyStats, measure
from .dates import DateHit, find_dates
from .doclinks import DocLink, article_links, document_links
from .dom import blocks_of, drop, link_density, node_text
from .evidence import Clue, PageEvidence, html_evidence, text_evidence
from .widgets import drop_widgets
from .textnorm import collapse_spaces


@dataclass
class Cleaned:
    title: str
    paragraphs: list[str]
    author: str | None = None
    date: DateHit | None = None
    date_from_meta: str | None = None
    date_where: str = ""  # where our rules read the date: headline, signature, date class, preamble
    site_name: str | None = None
    url: str | None = None
    evidence: PageEvidence = field(default_factory=PageEvidence)  # where the page names its publisher
    stats: BodyStats | None = None  # how sure the cleaner is of its body (HTML pages)
    lang: str | None = None
    preamble: str = ""  # text before the title proper (a notice's "Số: 458/TB-VP ngày ..." heading)
    doc_links: list[DocLink] = field(default_factory=list)  # the documents the article links to


class NotAnArticle(ValueError):
    """The page holds no article text (a listing, an error page, an empty template)."""


# ---------------------------------------------------------------- plain-text dumps

_DOC_HEADING = re.compile(
    r"(?:Thông báo|Quyết định|Công văn|Kế hoạch|Báo cáo|Chỉ thị|Nghị quyết|Thông tư|Nghị định|Tờ trình|Giấy mời)"
    r"\s+(?:số|Số)\s*:?\s*\S+\s*(?:ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}|\d{1,2}/\d{1,2}/\d{4})?\s*",
)


def clean_text_dump(text: str) -> Cleaned:
    lines = [collapse_spaces(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise NotAnArticle("no text")
    title_at = _dump_title_line(lines)
    title = lines[title_at]
    preamble = lines[:title_at]
    heading = _DOC_HEADING.match(title)
    if heading and heading.end() < len(title):
        preamble.append(title[: heading.end()])
        title = title[heading.end() :].strip()
    rest = lines[title_at + 1 :]
    while rest and _DOC_HEADING.fullmatch(rest[0]):
        preamble.append(rest.pop(0))  # "Thông báo Số: 86/TB-BNV ngày 14 tháng 3 năm 2014" under the title
    date = None
    for line in preamble[-1:] + lines[title_at : title_at + 4]:
        hits = find_dates(line)
        if hits:
            date = hits[0]
            break
    paragraphs, author = tidy_blocks(rest, title)
    if not paragraphs:
        raise NotAnArticle("title but no body text")
    return Cleaned(title=title, paragraphs=paragraphs, author=author, date=date,
                   evidence=text_evidence(lines[:title_at]), preamble="\n".join(preamble))


def _dump_title_line(lines: list[str]) -> int:
    """The title is the first line, unless that is a bare number or code; then a notice's
    heading ("Thông báo Số: ... <title>") or the first line that reads like a heading."""
    if len(lines[0].split()) >= 4 and not is_junk(lines[0]) and not find_dates(lines[0][:30]) \
            and not _DOC_HEADING.match(lines[0]):
        return 0
    for index, line in enumerate(lines[:6]):
        if _DOC_HEADING.match(line):
            return index
    for index, line in enumerate(lines[:6]):
        words = line.split()
        if len(words) >= 4 and not is_junk(line) and not find_dates(line[:30]):
            return index
    return 0


# ---------------------------------------------------------------- HTML pages

_DROP_TAGS = ("script", "style", "noscript", "iframe", "svg", "button", "input", "select",
              "textarea", "template", "object", "embed", "canvas", "map", "video", "audio")
_BOILERPLATE_WORDS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|menus|mainmenu|submenu|footer|foot|breadcrumbs?|"
    r"sidebar|side|aside|widget|comments?|binhluan|binh-luan|share|sharing|social|related|relate|"
    r"tinkhac|tin-khac|othernews|other|others|banner|banners|ads?|advert|advertisement|quangcao|"
    r"tags?|keywords|toolbar|pager|pagination|paging|copyright|rating|vote|poll|login|search|weather|"
    r"counter|thongke|lienket|weblink|links|topbar|top-bar|hotline|popup|modal|cookie|"
    r"most-read|mostread|docnhieu|xemnhieu|list-news|listnews|box-other|box-related)(?:$|[\s_-])",
    re.I,
)
_META_CLASS = re.compile(r"(?:^|[\s_-])(?:article-?info|info|meta|entry-meta|post-meta|date|time|author|byline|"
                         r"tools?|share|hits|views?)(?:$|[\s_-])", re.I)

_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, remove_blank_text=False,
                               default_doctype=False, collect_ids=False)


def _meta(doc: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in doc.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if name and content and name not in found:
            found[name] = collapse_spaces(content)
    for link in doc.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            found.setdefault("canonical", link.get("href").strip())
    return found


_META_DATE_KEYS = ("article:published_time", "og:published_time", "datepublished", "pubdate",
                   "publishdate", "date", "dc.date.issued", "dc.date", "article:modified_time",
                   "created", "og:updated_time")


def clean_html(html: str) -> Cleaned:
    """A saved page (decoded text) -> its article: title, paragraphs of the body, author, the
    dates found near the title or in the metadata, the page's evidence of who publishes it
    (``evidence``, gathered before the chrome goes) and how sure the cleaner is of its body
    (``stats``). Scripts, menus, forms, comment boxes, "Tin khác" lists and other widgets are
    dropped, and the body is the block with the most running text. Raises ``NotAnArticle`` for
    unparsable HTML and for pages with no title or no article text."""
    try:
        doc = lxml.html.document_fromstring(html, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError) as err:
        raise NotAnArticle(f"unparsable HTML: {err}") from err
    meta = _meta(doc)
    page_title = ""
    title_el = doc.find(".//title")
    if title_el is not None:
        page_title = node_text(title_el)
    for tag in _DROP_TAGS:
        for node in list(doc.iter(tag)):
            drop(node)
    # ASP.NET pages wrap the whole page in one <form>; only small forms are search or comment boxes.
    for node in list(doc.iter("form")):
        if len(node_text(node)) < 400:
            drop(node)
    body = doc.body if doc.find("body") is not None else doc
    base = doc.find(".//base")
    evidence = html_evidence(body, html[:8000], meta, base.get("href") if base is not None else None)

    # A <title> that is only the site's name ("Cổng Thông tin điện tử tỉnh Lào Cai") is no headline.
    site_names = [c.text for c in evidence.names if c.where in ("og:site_name", "application-name")]
    headline_hint = "" if any(similar_title(page_title, n) or similar_title(n, page_title) for n in site_names) else page_title
    heading = find_heading(body, meta.get("og:title") or "", headline_hint)
    date_meta = next((meta[k] for k in _META_DATE_KEYS if k in meta), None)
    for node in body.iter("time"):
        if node.get("datetime"):
            date_meta = date_meta or node.get("datetime")
            break

    author = meta.get("author") or meta.get("article:author")
    if author and names_the_site(author, evidence, page_title):
        author = None  # <meta name="author" content="VnExpress">: the site, not who wrote it
    byline = author_node(body)
    if byline is not None:
        author = author or BYLINE_LABEL.sub("", node_text(byline))
        drop(byline)

    page_text = body.text_content()  # before boilerplate goes: a notice signs off in its "footer"
    links_on_page = document_links([body])
    _drop_boilerplate(body, keep=heading)
    content, scores = _scored_content(body)
    if heading is None and content is not None:
        heading = heading_before(body, content)  # the nearest prominent line before the text
    heading_found = heading is not None
    title = node_text(heading) if heading is not None else ""
    title = title or meta.get("og:title") or strip_site_name(page_title)
    if not title:
        raise NotAnArticle("no title")
    preamble = notice_preamble(body, heading)
    date, date_where = date_near(body, heading, page_text)
    if date is None and preamble:
        hits = find_dates(preamble)
        date, date_where = (hits[-1], "preamble") if hits else (None, "")
    block = content.getparent() if content is not None and content.getparent() is not None else content
    links = article_links(document_links([block]) if block is not None else [], links_on_page)
    if content is not None:
        drop_widgets(block, keep=heading)
    paragraphs = _main_blocks(body, content, heading, scores)
    stats = measure(body, content, heading_found, scores, " ".join(paragraphs))
    paragraphs, trailing_author = tidy_blocks(paragraphs, title)
    if not paragraphs:
        raise NotAnArticle("no article text found")
    author = author or trailing_author
    if author and author.startswith(("http", "www")):
        author = None
    suffix = site_name(page_title, title)
    if suffix:
        evidence.names.append(Clue("title", suffix))
    return Cleaned(
        title=title,
        paragraphs=paragraphs,
        author=author,
        date=date,
        date_from_meta=date_meta,
        date_where=date_where,
        site_name=meta.get("og:site_name") or suffix,
        url=evidence.urls[0].text if evidence.urls else None,
        evidence=evidence,
        stats=stats,
        lang=(doc.get("lang") or "").lower() or None,
        preamble=preamble,
        doc_links=links,
    )


def _drop_boilerplate(body: lxml.html.HtmlElement, keep: lxml.html.HtmlElement | None) -> None:
    protected = set()
    if keep is not None:
        protected = {keep, *keep.iterancestors()}
    doomed = []
    for node in body.iter():
        if not isinstance(node.tag, str) or node in protected:
            continue
        if node.tag in ("nav", "aside", "footer") or (node.tag == "header" and keep is not None):
            doomed.append(node)
            continue
        marks = (node.get("class") or "") + " " + (node.get("id") or "")
        if marks.strip() and _BOILERPLATE_WORDS.search(marks.replace(".", " ")):
            doomed.append(node)
    for node in doomed:
        if node.getparent() is None:
            continue
        # Class words mislead ("article-body has-sidebar", "content share-enabled"): a box that
        # holds a lot of unlinked running text is the article, whatever it is called.
        text = node_text(node)
        if len(text) > 600 and link_density(node, len(text)) < 0.3 and node.tag not in ("nav", "footer"):
            continue
        drop(node)


def _paragraph_nodes(root: lxml.html.HtmlElement):
    """Nodes that directly hold a run of text (the unit the scorer credits)."""
    for node in root.iter():
        if not isinstance(node.tag, str) or node.tag not in ("p", "div", "td", "pre", "blockquote", "li", "span", "font", "dd"):
            continue
        own = (node.text or "") + "".join((child.tail or "") for child in node)
        if node.tag in ("p", "pre", "blockquote") or len(own.strip()) > 25:
            yield node


def _scored_content(body: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement | None, dict]:
    scores: dict[lxml.html.HtmlElement, float] = {}
    for node in _paragraph_nodes(body):
        text = node_text(node)
        if len(text) < 25:
            continue
        score = 1 + text.count(",") + text.count(".") * 0.5 + min(len(text) / 100, 3)
        parent = node.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + score / 2
    best, best_score = None, 0.0
    adjusted_scores = {}
    for node, score in scores.items():
        adjusted = score * (1 - link_density(node, len(node_text(node))))
        adjusted_scores[node] = adjusted
        if adjusted > best_score:
            best, best_score = node, adjusted
    return best, adjusted_scores


def _main_blocks(body: lxml.html.HtmlElement, best: lxml.html.HtmlElement | None,
                 heading: lxml.html.HtmlElement | None, scores: dict | None = None) -> list[str]:
    if best is None:
        return blocks_of(body)
    scores = scores or {}
    # A lead paragraph (sapo) often sits beside the content box rather than in it.
    blocks: list[str] = []
    parent = best.getparent()
    siblings = list(parent) if parent is not None else [best]
    start = siblings.index(best)
    lead: list[str] = []
    for sibling in reversed(siblings[:start]):
        if not isinstance(sibling.tag, str) or sibling is heading or (heading is not None and heading in sibling.iterdescendants()):
            break
        if _META_CLASS.search(sibling.get("class", "") + " " + sibling.get("id", "")):
            continue  # the article's date, author and view count line, not its lead
        text, _ = strip_date_prefix(node_text(sibling))
        if len(text) >= 60 and link_density(sibling, len(text)) < 0.2:
            lead.insert(0, text)
        elif len(text) >= 60:
            break
    blocks.extend(lead)
    blocks.extend(blocks_of(best))
    # An article split over several boxes: later siblings that hold comparable running text.
    threshold = max(10.0, 0.2 * scores.get(best, 0.0))
    for sibling in siblings[start + 1 :]:
        if not isinstance(sibling.tag, str):
            continue
        text = node_text(sibling)
        density = link_density(sibling, len(text))
        if scores.get(sibling, 0.0) >= threshold or (sibling.tag == "p" and len(text) >= 80 and density < 0.25):
            blocks.extend(blocks_of(sibling))
    return blocks


