"""One saved file -> one ``Article`` with everything the index and the site show.

Decoding, cleaning, dating and naming the publisher each live in their own module; this one puts
them together. Every article has a publisher (``publisher.decide``: the page's own evidence first,
then its folder, then its text) and the reason for it; an article reposted from a newspaper
keeps the paper as its ``source``.
"""

from __future__ import annotations

import copy
import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .clean import Cleaned, NotAnArticle, clean_html, clean_text_dump
from .dates import DateChoice, choose_date, looks_vietnamese
from .decode import UndecodableError, decode_page
from .docnumbers import classify_doc_numbers, find_doc_numbers
from .doclinks import DocLink
from .mirrors import resolve, url_key
from .entities import GOVERNMENT_KINDS, UNIT_KINDS
from .publisher import Publisher, decide, repost_source
from .registry import Registry
from .second_opinion import BodyChoice, choose_body

MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are dumps or attachments, not news pages
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".aspx", ".php"}
TEXT_SUFFIXES = {".txt"}
# A file without a telling suffix (a mirror's "index", a crawler's hash name) is HTML if it has tags.
_MARKUP = re.compile(r"<(?:!doctype\s+html|html|head|meta|title|body|div|p|style|script|link|table|span)\b", re.I)


# Stored only when they say something (most pages are plain saved news pages).
_OPTIONAL = ("attachments", "captured", "archive", "document")


class SkipPage(Exception):
    """The file is not indexed; ``str(err)`` is the reason, shown in build reports."""


@dataclass
class Article:
    path: str
    title: str
    body: str
    date: str | None = None
    datetime: str | None = None
    author: str | None = None
    agency: str = ""
    agency_short: str = ""
    agency_kind: str = ""        # a publisher kind (ministry, department, press, ...) or "other"
    source: str | None = None    # the paper a reposted article came from ("Nguồn: Báo X")
    units: list[str] = field(default_factory=list)
    doc_numbers: list[str] = field(default_factory=list)
    own_numbers: list[str] = field(default_factory=list)  # of doc_numbers: the page's own (Số hiệu)
    cited_numbers: list[str] = field(default_factory=list)  # of doc_numbers: the ones it only cites
    url: str | None = None
    encoding: str | None = None
    kind: str = "tin"  # "tin" (a news page) or "văn bản" (a document: PDF, DOCX, ODT)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # documents it links to: href, text, ids
    captured: str | None = None  # a web archive's capture that was read (YYYY-MM-DDTHH:MM:SSZ)
    archive: str | None = None  # the WARC or WACZ it was read from
    document: dict[str, Any] | None = None  # a document's file: media, pages, text layer, issuer, cut
    mentions: list[str] = field(default_factory=list)  # every registry entity named (for alias search)
    publisher: Publisher | None = None  # how the agency was decided (not stored)
    body_choice: BodyChoice | None = None  # whose body was kept and why (not stored)
    date_source: str = "none"  # which reading dated the page: rules, meta, htmldate (not stored)

    @property
    def id(self) -> str:
        return doc_id(self.path)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("mentions", "publisher", "body_choice", "date_source")
                and (v or k not in _OPTIONAL)}
        return copy.deepcopy(data)

    def explain(self) -> dict[str, Any]:
        out: dict[str, Any] = self.publisher.explain() if self.publisher else {}
        if self.body_choice is not None:
            out["body"] = self.body_choice.as_json()
        out["date"] = self.date_source
        return out


def doc_id(relpath: str) -> str:
    """A stable, URL-safe id from the source path: the same file keeps its id across rebuilds."""
    return hashlib.blake2b(relpath.encode("utf-8"), digest_size=8).hexdigest()


def extract_bytes(raw: bytes, relpath: str, registry: Registry | None = None, *, url: str | None = None,
                  not_after: date | None = None) -> Article:
    """One page's bytes -> its Article. ``relpath`` is its path inside the archive (the folder is
    the weakest publisher evidence); ``url``, when the caller knows the page's address (a WARC
    record, a mirror's host folder), is the strongest. ``not_after``, the day a crawler captured
    the page, bounds its publication date."""
    registry = registry or Registry.default()
    if len(raw) > MAX_FILE_BYTES:
        raise SkipPage(f"file too large ({len(raw) // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)")
    try:
        decoded = decode_page(raw)
    except UndecodableError as err:
        raise SkipPage(str(err)) from err
    suffix = Path(relpath).suffix.lower()
    looks_html = suffix in HTML_SUFFIXES or (
        suffix not in TEXT_SUFFIXES and _MARKUP.search(decoded.text[:20000])
    )
    try:
        cleaned = clean_html(decoded.text) if looks_html else clean_text_dump(decoded.text)
    except NotAnArticle as err:
        raise SkipPage(str(err)) from err
    except RecursionError as err:
        raise SkipPage("markup nested too deeply to read") from err
    choice = choose_body(cleaned, decoded.text) if looks_html else None
    if choice is not None:
        cleaned.paragraphs = choice.paragraphs
    article = _article(cleaned, relpath, decoded.encoding, registry, url, decoded.text if looks_html else None,
                       not_after)
    article.body_choice = choice
    return article


def date_page(raw: bytes) -> DateChoice:
    """The date of a page that may hold no article (a listing, an index page): the same three
    readings as ``extract_bytes`` uses, with our rules only when the page can be cleaned."""
    try:
        html = decode_page(raw).text
    except UndecodableError:
        return DateChoice(None, None, "none")
    try:
        cleaned = clean_html(html)
    except (NotAnArticle, RecursionError):
        return choose_date(None, None, html, vietnamese=looks_vietnamese(html))
    text = cleaned.title + "\n" + "\n".join(cleaned.paragraphs)
    return choose_date(cleaned.date, cleaned.date_from_meta, html, rules_where=cleaned.date_where,
                       lang=cleaned.lang, vietnamese=looks_vietnamese(text) or (cleaned.lang or "").startswith("vi"))


def extract_file(path: Path, root: Path, registry: Registry | None = None, *, url: str | None = None) -> Article:
    relpath = path.relative_to(root).as_posix()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SkipPage(f"file too large ({size // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)")
        raw = path.read_bytes()
    except OSError as err:
        raise SkipPage(f"unreadable: {err.strerror or err}") from err
    return extract_bytes(raw, relpath, registry, url=url)


def _article(cleaned: Cleaned, relpath: str, encoding: str, registry: Registry,
             given_url: str | None = None, html: str | None = None, not_after: date | None = None) -> Article:
    # Title, body and author keep the page's own spelling (NFC): people read them as written;
    # the one tone convention applies to index terms and to names resolved by the registry.
    paragraphs = list(cleaned.paragraphs)
    publisher = decide(cleaned.evidence, registry, relpath=relpath, given_url=given_url,
                       title=cleaned.title, paragraphs=paragraphs)
    source = repost_source(paragraphs + ([f"Nguồn: {cleaned.author}"] if cleaned.author else []),
                           registry, publisher)
    author = cleaned.author
    if source is not None:
        if source[1] < len(paragraphs):
            del paragraphs[source[1]]  # the credit line is metadata, not article text
        else:
            author = None  # the "author" was the paper the article came from
    body = "\n".join(paragraphs)
    article = Article(path=relpath, title=cleaned.title, body=body, author=author,
                      url=given_url or cleaned.url, encoding=encoding)
    article.source = source[0] if source else None
    article.publisher = publisher
    vietnamese = looks_vietnamese(f"{cleaned.title}\n{body}") or (cleaned.lang or "").startswith("vi")
    if html is None:  # a plain-text dump: only our rules read it
        usable = cleaned.date is not None and (not_after is None or cleaned.date.day <= not_after)
        dated = DateChoice(cleaned.date.day, cleaned.date.datetime, "rules") if usable else DateChoice(None, None, "none")
    else:
        dated = choose_date(cleaned.date, cleaned.date_from_meta, html, vietnamese=vietnamese,
                            rules_where=cleaned.date_where, lang=cleaned.lang, not_after=not_after)
    article.date_source = dated.source
    if dated.day:
        article.date = dated.day.isoformat()
        if dated.at:
            article.datetime = dated.at.isoformat(timespec="minutes")

    agency = publisher.entity
    article.agency, article.agency_short, article.agency_kind = publisher.name, publisher.short, publisher.kind
    province = agency.province if agency is not None and agency.kind != "press" else None
    full_text = f"{cleaned.title}\n{body}"
    mentions = registry.find_mentions(full_text, province=province)
    article.units = [e.canonical for e in mentions if e.kind in UNIT_KINDS]
    if publisher.kind not in GOVERNMENT_KINDS:
        # On a newspaper's page the ministries the article is about are what it mentions.
        article.units += [e.canonical for e in mentions if e.kind in GOVERNMENT_KINDS - UNIT_KINDS]
    article.mentions = [e.canonical for e in mentions]
    if agency is not None and agency.canonical not in article.mentions:
        article.mentions.insert(0, agency.canonical)
    article.doc_numbers = find_doc_numbers(f"{cleaned.preamble}\n{full_text}")
    article.attachments = [link_targets(link, relpath, article.url, original=given_url is not None)
                           for link in cleaned.doc_links]
    roles = classify_doc_numbers(cleaned.title, body, article.doc_numbers, cleaned.preamble)
    article.own_numbers, article.cited_numbers = roles.own, roles.cited
    return article


def link_targets(link: DocLink, relpath: str, page_url: str | None, original: bool = True) -> dict[str, Any]:
    """A document link with the ids its file would have in the archive: as a capture of its
    address (a WARC record, a mirror), as a file at the path it names beside the page, or as a
    file of its name in the page's folder (a page saved with its attachments). The address
    shown is the link made absolute against the page's only when the page is as the site
    served it (``original``: a crawl's record, a mirror), not where a saved copy points."""
    absolute = resolve(link.href, page_url) if page_url else None
    if not (absolute or "").lower().startswith(("http://", "https://")):
        absolute = link.href if link.href.lower().startswith(("http://", "https://")) else None
    ids = []
    if absolute:
        ids.append(doc_id(url_key(absolute)))
    folder = posixpath.dirname(relpath)
    path = unquote(urlsplit(link.href).path) if not absolute or not link.href.lower().startswith("http") else ""
    if path and not path.startswith("/"):
        ids.append(doc_id(posixpath.normpath(posixpath.join(folder, path))))
    name = posixpath.basename(unquote(urlsplit(absolute or link.href).path))
    if name:
        ids.append(doc_id(posixpath.join(folder, name) if folder else name))
    shown = absolute if original or link.href.lower().startswith(("http://", "https://")) else link.href
    return {"href": shown or link.href, "text": link.text, "ids": list(dict.fromkeys(ids))}
