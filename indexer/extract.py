"""One saved file -> one ``Article`` with everything the index and the site show.

Decoding, cleaning and metadata each live in their own module; this one decides, for a page,
which evidence wins (a domain over a banner, a banner over the text) and never returns an
article without an agency: an unknown publisher falls back to the site's own name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .clean import Cleaned, NotAnArticle, clean_html, clean_text_dump
from .dates import parse_iso
from .decode import UndecodableError, decode_page
from .docnumbers import find_doc_numbers
from .entities import PUBLISHER_KINDS, Entity
from .registry import Registry

MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are dumps or attachments, not news pages
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".aspx", ".php"}
TEXT_SUFFIXES = {".txt"}


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
    units: list[str] = field(default_factory=list)
    doc_numbers: list[str] = field(default_factory=list)
    url: str | None = None
    encoding: str | None = None
    mentions: list[str] = field(default_factory=list)  # every registry entity named (for alias search)

    @property
    def id(self) -> str:
        return doc_id(self.path)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("mentions")
        return data


def doc_id(relpath: str) -> str:
    """A stable, URL-safe id from the source path: the same file keeps its id across rebuilds."""
    return hashlib.blake2b(relpath.encode("utf-8"), digest_size=8).hexdigest()


def extract_bytes(raw: bytes, relpath: str, registry: Registry | None = None) -> Article:
    registry = registry or Registry.default()
    if len(raw) > MAX_FILE_BYTES:
        raise SkipPage(f"file too large ({len(raw) // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)")
    try:
        decoded = decode_page(raw)
    except UndecodableError as err:
        raise SkipPage(str(err)) from err
    suffix = Path(relpath).suffix.lower()
    looks_html = suffix in HTML_SUFFIXES or (
        suffix not in TEXT_SUFFIXES and re.search(r"<(?:html|body|div|p)\b", decoded.text[:5000], re.I)
    )
    try:
        cleaned = clean_html(decoded.text) if looks_html else clean_text_dump(decoded.text)
    except NotAnArticle as err:
        raise SkipPage(str(err)) from err
    except RecursionError as err:
        raise SkipPage("markup nested too deeply to read") from err
    article = _article(cleaned, relpath, decoded.encoding, registry)
    if looks_html and (article.date is None or _foreign(cleaned)):
        found = _htmldate(decoded.text)
        if found:
            article.date, article.datetime = found, None
    return article


def _foreign(cleaned: Cleaned) -> bool:
    """A page declared in another language: its dates may put the month first (03/05/2019)."""
    return bool(cleaned.lang) and not cleaned.lang.startswith("vi")


def _htmldate(html: str) -> str | None:
    """htmldate's reading of a page our Vietnamese rules cannot date (it knows English month
    names, URL dates and dozens of CMS conventions); only used as a fallback, it is slower."""
    from htmldate import find_date

    try:
        return find_date(html, original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    except Exception:  # a date library must never fail a build
        return None


def extract_file(path: Path, root: Path, registry: Registry | None = None) -> Article:
    relpath = path.relative_to(root).as_posix()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SkipPage(f"file too large ({size // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)")
        raw = path.read_bytes()
    except OSError as err:
        raise SkipPage(f"unreadable: {err.strerror or err}") from err
    return extract_bytes(raw, relpath, registry)


def _article(cleaned: Cleaned, relpath: str, encoding: str, registry: Registry) -> Article:
    # Title, body and author keep the page's own spelling (NFC): people read them as written;
    # the one tone convention applies to index terms and to names resolved by the registry.
    body = "\n".join(cleaned.paragraphs)
    article = Article(path=relpath, title=cleaned.title, body=body, author=cleaned.author,
                      url=cleaned.url, encoding=encoding)
    if cleaned.date:
        article.date = cleaned.date.day.isoformat()
        if cleaned.date.datetime:
            article.datetime = cleaned.date.datetime.isoformat(timespec="minutes")
    elif cleaned.date_from_meta:
        when = parse_iso(cleaned.date_from_meta)
        if when:
            article.date = when.date().isoformat()
            if when.hour or when.minute:
                article.datetime = when.isoformat(timespec="minutes")

    agency = _agency(cleaned, relpath, registry)
    if agency is not None:
        article.agency, article.agency_short = agency.canonical, agency.short
        province = agency.province
    else:
        article.agency = _fallback_agency_name(cleaned, relpath)
        article.agency_short = article.agency
        province = None
    full_text = f"{cleaned.title}\n{body}"
    article.units = registry.find_units(full_text, province=province)
    article.mentions = [e.canonical for e in registry.find_mentions(full_text, province=province)]
    if agency is not None and agency.canonical not in article.mentions:
        article.mentions.insert(0, agency.canonical)
    article.doc_numbers = find_doc_numbers(f"{cleaned.preamble}\n{full_text}")
    return article


_SOURCE_LINE = re.compile(r"\bTheo\s+([^\n.;]{6,90})")
_DOMAIN_IN_TEXT = re.compile(r"\b((?:[a-z0-9-]+\.)+(?:gov\.vn|vn|com))\b", re.I)


def _agency(cleaned: Cleaned, relpath: str, registry: Registry) -> Entity | None:
    def agency_of(entities: list[Entity]) -> Entity | None:
        return next((e for e in entities if e.kind in PUBLISHER_KINDS), None)

    if cleaned.url:
        found = registry.for_domain(cleaned.url)
        if found and found.kind in PUBLISHER_KINDS:
            return found
    if cleaned.site_name:
        found = agency_of(registry.find_mentions(cleaned.site_name))
        if found:
            return found
    if cleaned.header_text:
        found = agency_of(registry.find_mentions(cleaned.header_text))
        if found:
            return found
    # The archive folder is often named after the site ("mic.gov.vn", "so-tttt-lao-cai").
    for part in Path(relpath).parts[:-1]:
        found = registry.for_domain(part.replace("-", ".")) or registry.resolve(part.replace("-", " "))
        if found and found.kind in PUBLISHER_KINDS:
            return found
    # Text dumps: a source line ("Theo BỘ VĂN HÓA ..."), a site named in the lead, then the
    # ministry the text names most (the title counting extra).
    text = cleaned.title + "\n" + "\n".join(cleaned.paragraphs)
    for match in _SOURCE_LINE.finditer(cleaned.header_text or ""):
        found = agency_of(registry.find_mentions(match.group(1).title()))
        if found:
            return found
    lead = " ".join(cleaned.paragraphs[:1])[:200]
    for match in _DOMAIN_IN_TEXT.finditer(lead):
        found = registry.for_domain(match.group(1).lower())
        if found and found.kind in PUBLISHER_KINDS:
            return found
    # Otherwise the publisher the text is about: named in the title, the lead, the body
    # (national "government" bodies such as Chính phủ only when no ministry or department is).
    votes: dict[str, tuple[int, Entity]] = {}
    lead_text = "\n".join(cleaned.paragraphs[:1])
    for weight, part in ((3, cleaned.title), (2, lead_text), (1, text)):
        for entity in registry.find_mentions(part):
            if entity.kind in PUBLISHER_KINDS:
                count = votes.get(entity.canonical, (0, entity))[0]
                votes[entity.canonical] = (count + weight, entity)
    ranked = sorted(votes.values(), key=lambda v: (v[1].kind != "government", v[0]), reverse=True)
    return ranked[0][1] if ranked else None


def _fallback_agency_name(cleaned: Cleaned, relpath: str) -> str:
    if cleaned.site_name:
        return cleaned.site_name
    if cleaned.url:
        match = re.match(r"(?:https?://)?([^/]+)", cleaned.url)
        if match:
            return match.group(1)
    parts = Path(relpath).parts
    return parts[0] if len(parts) > 1 else "Không rõ cơ quan"
