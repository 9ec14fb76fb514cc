"""What a page says about who published it, gathered before the cleaner throws the chrome away.

Portals name themselves in the same few places whatever their software: the page's own address
(canonical link, ``og:url``, ``<base href>``, the "saved from url" comment a browser writes, the
"Mirrored from" comment of HTTrack), ``og:site_name`` / ``application-name``, the logo's
``alt``/``title``, the banner's text, the ``<title>`` suffix, footer lines (``Cơ quan chủ quản: …``,
``Bản quyền thuộc …``, ``© …``, ``Chịu trách nhiệm nội dung …``), the contact e-mail's domain and the
host the page's own links point to. This module only collects them, each with where it was
found; ``publisher`` ranks them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html

from .dom import blocks_of
from .textnorm import collapse_spaces


@dataclass(frozen=True)
class Clue:
    """One statement a page makes about itself: where it was found and what it says."""
    where: str   # e.g. "canonical", "og:site_name", "logo", "footer:chủ quản", "email", "links"
    text: str


@dataclass
class PageEvidence:
    urls: list[Clue] = field(default_factory=list)     # the page's own address
    names: list[Clue] = field(default_factory=list)    # the site naming itself
    footer: list[Clue] = field(default_factory=list)   # labelled footer lines, by label
    emails: list[Clue] = field(default_factory=list)   # domains of contact addresses
    links: list[Clue] = field(default_factory=list)    # the host most of the page's own links go to
    credits: list[str] = field(default_factory=list)   # "Nguồn: Báo X" / "Theo X" lines (reposts)

    def all(self) -> list[Clue]:
        return [*self.urls, *self.names, *self.footer, *self.emails, *self.links]


# ---------------------------------------------------------------- addresses

_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.I)
_MIRRORED_FROM = re.compile(r"<!--\s*Mirrored from\s+(\S+?)\s+by HTTrack", re.I)
_ARCHIVED = re.compile(r"^https?://(?:web\.)?archive\.org/web/\d+[a-z_]*/(.+)$", re.I)


def web_url(url: str | None) -> str | None:
    """An http(s) address, unwrapped from a web-archive address; None for anything else."""
    if not url:
        return None
    url = url.strip()
    inner = _ARCHIVED.match(url)
    if inner:
        url = inner.group(1)
        if not re.match(r"https?://", url, re.I):
            url = "http://" + url
    return url if re.match(r"https?://[^/\s]+\.[^/\s]+", url, re.I) else None


def host(url: str) -> str:
    try:
        name = urlsplit(url if "://" in url else "//" + url).hostname or ""
    except ValueError:  # not an address: no host to read
        return ""
    name = name.rstrip(".")
    return name[4:] if name.startswith("www.") else name


def address_clues(html_head: str, meta: dict[str, str], base: str | None) -> list[Clue]:
    """The page's own address, strongest first: what a crawler or browser recorded saving it,
    then what the page declares."""
    found = []
    for where, pattern in (("saved from", _SAVED_FROM), ("mirrored from", _MIRRORED_FROM)):
        match = pattern.search(html_head)
        if match:
            found.append((where, match.group(1) if "://" in match.group(1) else "http://" + match.group(1)))
    found += [("canonical", meta.get("canonical")), ("og:url", meta.get("og:url")), ("base href", base)]
    out = []
    for where, url in found:
        url = web_url(url)
        if url and host(url) not in ("localhost", "127.0.0.1"):
            out.append(Clue(where, url))
    return out


# ---------------------------------------------------------------- names, footer, links

_MARKED = re.compile(r"logo|brand|site-?name|site-?title|header-?title|banner|ten-?don-?vi|tendonvi|"
                     r"header|footer|copyright|bottom", re.I)
_BRAND = re.compile(r"logo|brand|site-?name|site-?title|header-?title|banner|ten-?don-?vi|tendonvi", re.I)
_FOOTER = re.compile(r"footer|copyright|bottom", re.I)
_GENERIC_ALT = re.compile(r"^(?:logo|banner|trang chủ|home|image|img|ảnh|hình|icon|quốc huy|quoc huy)\b[\w\s.-]{0,12}$",
                          re.I)
_SOCIAL = re.compile(r"(?:^|\.)(?:facebook|fb|youtube|youtu|twitter|x|zalo|google|goo|instagram|tiktok|linkedin|"
                     r"apple|w3|microsoft|adobe|gstatic|googleapis|googletagmanager|doubleclick)\.[a-z.]+$", re.I)

# Footer labels. "operator": the body that runs the site; "owner": the body it answers to (a
# newspaper's or a department's "cơ quan chủ quản" is a ministry or a province, not the site).
FOOTER_LABELS = (
    ("operator", re.compile(r"(?:Cơ quan|Đơn vị) (?:chủ trì|quản lý|thiết lập|thực hiện|xuất bản)|Cơ quan thường trực|"
                            r"Bản quyền(?: thuộc(?: về)?)?|Copyright|©|\(c\)|Ghi rõ nguồn", re.I)),
    ("owner", re.compile(r"Cơ quan chủ quản", re.I)),
    ("editor", re.compile(r"Chịu trách nhiệm(?: chính| nội dung| xuất bản| quản lý nội dung)?|Tổng biên tập|"
                          r"Trưởng Ban biên tập", re.I)),
)
_LICENCE = re.compile(r"\b(?:do|bởi)\s+.{3,120}?\s+cấp\b|Giấy phép[^.;|]*", re.I)
_VALUE_END = re.compile(r"\s(?:[-–|;•]\s|Địa chỉ\b|Điện thoại\b|ĐT\b|Tel\b|Fax\b|E-?mail\b|Hotline\b|Giấy phép\b|"
                        r"Chịu trách nhiệm\b|Trưởng ban\b|Tổng biên tập\b|Website\b)", re.I)
_EMAIL = re.compile(r"[\w.+-]+@((?:[a-z0-9-]+\.)+[a-z]{2,})", re.I)


def _classes(node: lxml.html.HtmlElement) -> str:
    return (node.get("class") or "") + " " + (node.get("id") or "")


def footer_clues(lines: list[str]) -> list[Clue]:
    """Labelled lines of a footer ("Cơ quan chủ quản: Bộ Y tế"); a licence line says who
    licensed the site, never who runs it, so it is left out."""
    out = []
    for line in lines:
        line = _LICENCE.sub(" ", line)
        for label, pattern in FOOTER_LABELS:
            for match in pattern.finditer(line):
                value = line[match.end():].lstrip(" :.-–©0123456789")
                value = _VALUE_END.split(" " + value, maxsplit=1)[0].strip(" .,;:")
                if 3 <= len(value) <= 160:
                    out.append(Clue(f"footer:{label}", value))
    return out


def html_evidence(body: lxml.html.HtmlElement, html_head: str, meta: dict[str, str], base: str | None) -> PageEvidence:
    """Collect a page's statements about itself from its tree (scripts and styles already gone)."""
    ev = PageEvidence(urls=address_clues(html_head, meta, base))
    for where in ("og:site_name", "application-name", "al:android:app_name", "twitter:site"):
        value = meta.get(where, "").lstrip("@")
        if value:
            ev.names.append(Clue(where, value))
    hosts: Counter = Counter()
    footers: list[lxml.html.HtmlElement] = []
    emails: list[str] = []
    for node in body.iter("img", "a", "footer", "header", "div", "span", "p", "td", "section", "h1", "h2", "strong"):
        tag = node.tag
        if tag == "img":
            marks = _classes(node) + " " + (node.get("src") or "")
            parent = node.getparent()
            if parent is not None:
                marks += " " + _classes(parent)
            if _BRAND.search(marks):
                for attr in ("alt", "title"):
                    text = collapse_spaces(node.get(attr) or "")
                    if len(text) >= 4 and not _GENERIC_ALT.match(text):
                        ev.names.append(Clue("logo", text[:200]))
                        break
            continue
        if tag == "a":
            href = (node.get("href") or "").strip()
            if href.lower().startswith("mailto:"):
                emails.append(href[7:])
            elif href.lower().startswith(("http://", "https://", "//")):
                h = host(href)
                if h and not _SOCIAL.search(h):
                    hosts[h] += 1
            continue
        marks = _classes(node)
        if tag == "footer" or (marks.strip() and _FOOTER.search(marks)):
            if not any(f in node.iterancestors() for f in footers):
                footers.append(node)
        elif marks.strip() and _BRAND.search(marks) and len(node) <= 6:
            text = collapse_spaces(node.text_content())
            if 4 <= len(text) <= 150:
                ev.names.append(Clue("banner", text))
    lines = [line for f in footers[:6] for line in blocks_of(f)][:80]
    ev.footer = footer_clues(lines)
    for line in lines:
        emails += [m.group(0) for m in _EMAIL.finditer(line)]
    for address in emails:
        match = _EMAIL.search(address)
        if match:
            ev.emails.append(Clue("email", match.group(1).lower()))
    total = sum(hosts.values())
    if total:
        top, count = hosts.most_common(1)[0]
        if count >= 3 and count >= 0.5 * total:
            ev.links.append(Clue("links", top))
    return ev


_CREDIT = re.compile(r"^\(?\s*(?:Nguồn|Theo|Nguồn tin|Nguồn bài)\s*:?\s+(.{2,90}?)\s*\)?\.?$", re.I)


def credit_of(line: str) -> str | None:
    """The name in a repost credit line: "Nguồn: Báo Tuổi Trẻ", "(Theo TTXVN)", "Theo VOV"."""
    match = _CREDIT.match(line.strip())
    return match.group(1).strip(" .") if match else None


def text_evidence(header_lines: list[str]) -> PageEvidence:
    """A plain-text dump keeps only the lines above its title: the site's banner, a source line."""
    ev = PageEvidence()
    for line in header_lines[:8]:
        ev.names.append(Clue("header line", line[:200]))
        for match in _EMAIL.finditer(line):
            ev.emails.append(Clue("email", match.group(1).lower()))
    return ev
