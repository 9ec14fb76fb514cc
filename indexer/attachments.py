"""Documents attached to the news (PDF, DOCX, ODT; legacy DOC) -> ``Article`` of kind ``văn bản``.

The text comes from the file's own text layer through well-kept readers: pypdf for PDF (chosen
over pdfminer.six by ``bench/attachments.py``: on PDFs of Vietnamese text written by reportlab
and fpdf2 both find every word, but pypdf keeps the reading order of paragraphs and tables (word
pairs F1 1.000 against 0.985 and 0.978), finds every kind+number title where pdfminer.six misses
one in six on fpdf2's wrapped subjects, and is no slower), python-docx for DOCX (paragraphs and
tables in document order), odfpy for ODT. A legacy ``.doc`` is read by ``antiword`` when it is
installed and skipped with that reason when it is not. A PDF without a text layer (a scan) is
kept, marked as such, with no text: there is no OCR here.

What the first page says (issuer, number, date, kind, subject) is read by
``document_heading.py``; the title is the kind, number and subject.

Files are untrusted: size, pages, expanded size of a zip (a DOCX is one) and the text kept are
bounded by ``Limits``; an encrypted, malformed or oversized file is a ``SkipPage`` with its reason.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

from .docnumbers import find_doc_numbers
from .document_heading import FirstPage, document_title, first_page
from .entities import GOVERNMENT_KINDS, UNIT_KINDS
from .evidence import PageEvidence
from .extract import Article, SkipPage
from .publisher import decide
from .registry import Registry
from .textnorm import collapse_spaces

DOCUMENT_MEDIA = ("pdf", "docx", "doc", "odt")
KIND = "văn bản"
_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much of an attached document a build reads (``build --max-document-mb``,
    ``--max-document-chars``); reported with each build."""

    document_bytes: int = 50 * _MB  # a larger file is skipped unread
    expanded_bytes: int = 200 * _MB  # a DOCX/ODT whose parts expand to more is skipped (zip bomb)
    pdf_pages: int = 300  # pages read of a longer PDF (the rest is said to be cut)
    text_chars: int = 1_000_000  # text kept; the rest is cut and said to be

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class DocumentText:
    """A document's text as lines, page by page for a PDF (one page otherwise)."""

    pages: list[list[str]]
    media: str
    page_count: int = 1
    title: str = ""  # the file's own metadata title, if any
    notes: list[str] = field(default_factory=list)  # what was cut

    @property
    def lines(self) -> list[str]:
        return [line for page in self.pages for line in page]


# ---------------------------------------------------------------- readers


PDF_READER = "pypdf"


def read_pdf(raw: bytes, limits: Limits, reader: str = PDF_READER) -> DocumentText:
    """A PDF's text layer, page by page, with ``reader`` (pypdf, or pdfminer: the bench's comparison)."""
    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise SkipPage("not a PDF file (no %PDF header)")
    return (_pdf_pdfminer if reader == "pdfminer" else _pdf_pypdf)(raw, limits)


def _pdf_pdfminer(raw: bytes, limits: Limits) -> DocumentText:
    """pdfminer.six (in the bench extra), for ``bench/attachments.py``'s comparison."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.pdftypes import PDFException

    pages: list[list[str]] = []
    notes: list[str] = []
    try:
        for number, layout in enumerate(extract_pages(io.BytesIO(raw), laparams=LAParams())):
            if number >= limits.pdf_pages:
                notes.append(f"only the first {limits.pdf_pages} pages read")
                break
            lines: list[str] = []
            for element in layout:
                if isinstance(element, LTTextContainer):
                    lines += element.get_text().splitlines()
            pages.append(lines)
    except (PDFPasswordIncorrect, PDFEncryptionError) as err:
        raise SkipPage(f"encrypted PDF (a password is needed): {type(err).__name__}") from err
    except (PDFSyntaxError, PDFException) as err:
        raise SkipPage(f"malformed PDF: {type(err).__name__}: {err}"[:200]) from err
    except Exception as err:  # pdfminer raises plain errors on broken files too
        if "password" in str(err).lower() or "encrypt" in type(err).__name__.lower():
            raise SkipPage(f"encrypted PDF (a password is needed): {type(err).__name__}") from err
        raise SkipPage(f"malformed PDF: {type(err).__name__}: {err}"[:200]) from err
    return DocumentText(pages, "pdf", len(pages), _pdf_title(raw), notes)


def _pdf_pypdf(raw: bytes, limits: Limits) -> DocumentText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    notes: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SkipPage("encrypted PDF (a password is needed)")
        pages = []
        for number, page in enumerate(reader.pages):
            if number >= limits.pdf_pages:
                notes.append(f"only the first {limits.pdf_pages} pages read")
                break
            pages.append((page.extract_text() or "").splitlines())
        title = str((reader.metadata or {}).get("/Title") or "")
    except SkipPage:
        raise
    except (PdfReadError, Exception) as err:
        raise SkipPage(f"malformed PDF: {type(err).__name__}: {err}"[:200]) from err
    return DocumentText(pages, "pdf", len(pages), title, notes)


def _pdf_title(raw: bytes) -> str:
    """The document information dictionary's title, if it has one."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    try:
        info = PDFDocument(PDFParser(io.BytesIO(raw))).info
        title = resolve1(info[0].get("Title")) if info else None
        return decode_text(title) if isinstance(title, bytes) else str(title or "")
    except Exception:  # a title is a nicety; the text was read
        return ""


def _check_zip(raw: bytes, media: str, limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise SkipPage(f"not a readable {media.upper()} (zip): {err}") from err
    if expanded > limits.expanded_bytes:
        raise SkipPage(f"{media.upper()} expands to {expanded // _MB} MB > {limits.expanded_bytes // _MB} MB "
                       f"(a zip bomb?)")
    return archive


def read_docx(raw: bytes, limits: Limits) -> DocumentText:
    """Paragraphs and table cells (each cell a line, row by row) in the order the document has them."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_zip(raw, "docx", limits)
    try:
        document = docx.Document(io.BytesIO(raw))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines += _table_lines(block)
        title = document.core_properties.title or ""
    except SkipPage:
        raise
    except Exception as err:  # python-docx raises KeyError, ValueError, lxml errors on broken parts
        raise SkipPage(f"malformed DOCX: {type(err).__name__}: {err}"[:200]) from err
    return DocumentText([lines], "docx", 1, title)


def _table_lines(table: Any) -> list[str]:
    lines: list[str] = []
    for row in table.rows:
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column it spans
                continue
            seen.add(id(cell._tc))
            lines += cell.text.split("\n")
    return lines


def read_odt(raw: bytes, limits: Limits) -> DocumentText:
    """Paragraphs, headings and table cells of an OpenDocument text, in order."""
    from odf import teletype
    from odf.namespaces import TABLENS, TEXTNS
    from odf.opendocument import load

    _check_zip(raw, "odt", limits)
    try:
        document = load(io.BytesIO(raw))
    except Exception as err:
        raise SkipPage(f"malformed ODT: {type(err).__name__}: {err}"[:200]) from err
    lines: list[str] = []

    def walk(node: Any) -> None:
        for child in node.childNodes:
            name = getattr(child, "qname", None)
            if name in ((TEXTNS, "p"), (TEXTNS, "h")):
                lines.append(teletype.extractText(child))
            elif name is not None and name[0] in (TEXTNS, TABLENS):
                walk(child)

    walk(document.text)
    title = ""
    return DocumentText([lines], "odt", 1, title)


def read_doc(raw: bytes, limits: Limits) -> DocumentText:
    """A legacy Word file through ``antiword``, when it is installed."""
    if raw[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SkipPage("not a legacy Word .doc file (no OLE2 header)")
    antiword = shutil.which("antiword")
    if antiword is None:
        raise SkipPage("legacy Word .doc: no reader installed (antiword)")
    with tempfile.NamedTemporaryFile(suffix=".doc") as fh:
        fh.write(raw)
        fh.flush()
        try:
            done = subprocess.run([antiword, "-m", "UTF-8.txt", fh.name], capture_output=True, timeout=60)
        except subprocess.TimeoutExpired as err:
            raise SkipPage("legacy Word .doc: antiword took over 60 s") from err
    if done.returncode != 0:
        raise SkipPage(f"legacy Word .doc unreadable: {done.stderr.decode('utf-8', 'replace')[:150]}")
    return DocumentText([done.stdout.decode("utf-8", "replace").splitlines()], "doc")


def read_document(raw: bytes, media: str, limits: Limits, pdf_reader: str = PDF_READER) -> DocumentText:
    if len(raw) > limits.document_bytes:
        raise SkipPage(f"document too large ({len(raw) // _MB} MB > {limits.document_bytes // _MB} MB)")
    if media == "pdf":
        return read_pdf(raw, limits, pdf_reader)
    if media == "docx":
        return read_docx(raw, limits)
    if media == "odt":
        return read_odt(raw, limits)
    if media == "doc":
        return read_doc(raw, limits)
    raise SkipPage(f"not a document type we read: {media}")


# ---------------------------------------------------------------- the document as an article


def extract_document(raw: bytes, relpath: str, media: str, limits: Limits = Limits(),
                     registry: Registry | None = None, *, url: str | None = None,
                     pdf_reader: str = PDF_READER) -> Article:
    """One attached document's bytes -> its Article (kind ``văn bản``): title, number, issuing
    body (the publisher; the page's address or folder when the heading names none), date, text."""
    registry = registry or Registry.default()
    text = read_document(raw, media, limits, pdf_reader)
    lines = [unicodedata.normalize("NFC", collapse_spaces(line)) for line in text.lines]
    lines = [line for line in lines if line]
    scanned = media == "pdf" and sum(len(line) for line in lines) < 20 * max(1, text.page_count)
    body = "\n".join(reflow(lines) if media == "pdf" else lines)
    if len(body) > limits.text_chars:
        body = body[: limits.text_chars].rsplit("\n", 1)[0]
        text.notes.append(f"text cut at {limits.text_chars:,} characters")
    page = first_page(text.pages[0] if text.pages else []) if not scanned else FirstPage()
    name = relpath.rsplit("/", 1)[-1]
    own = collapse_spaces(re.sub(r"^Microsoft Word - ", "", text.title))
    if own.lower() in ("untitled", "(anonymous)", "document", "tài liệu") or own.lower().endswith((".doc", ".docx")):
        own = ""  # a writer's placeholder or the file name it was made from, not a title
    title = document_title(page, own or (lines[0][:200] if lines and not scanned else name))
    issuer = _issuer(page.issuer_lines, registry)
    publisher = decide(PageEvidence(), registry, relpath=relpath, given_url=url, title=title,
                       paragraphs=lines[:40])
    article = Article(path=relpath, title=title, body="" if scanned else body, url=url)
    article.kind = KIND
    if issuer is not None:
        article.agency, article.agency_short, article.agency_kind = issuer.canonical, issuer.short, issuer.kind
    else:
        article.agency, article.agency_short, article.agency_kind = publisher.name, publisher.short, publisher.kind
    article.publisher = publisher
    if page.day:
        article.date = page.day.isoformat()
    article.date_source = "heading" if page.day else "none"
    numbers = find_doc_numbers(body[:200_000])
    if page.number and page.number not in numbers:
        numbers.insert(0, page.number)
    article.doc_numbers = numbers
    # the number under its heading is the document's own (Số hiệu); the others it cites
    article.own_numbers = [page.number] if page.number else []
    article.cited_numbers = [n for n in numbers if n != page.number]
    mentions = registry.find_mentions(f"{title}\n{body[:200_000]}", province=issuer.province if issuer else None)
    article.units = [e.canonical for e in mentions if e.kind in UNIT_KINDS or e.kind in GOVERNMENT_KINDS]
    article.units = [u for u in dict.fromkeys(article.units) if u != article.agency]
    article.mentions = [e.canonical for e in mentions]
    if issuer is not None and issuer.canonical not in article.mentions:
        article.mentions.insert(0, issuer.canonical)
    article.document = {
        "media": media,
        "pages": text.page_count if media == "pdf" else None,
        "text_layer": not scanned,
        "issuer": " / ".join(page.issuer_lines) or None,
        "number": page.number,
        "cut": "; ".join(text.notes) or None,
    }
    return article


def reflow(lines: list[str]) -> list[str]:
    """A PDF's lines joined back into paragraphs where a sentence runs on: a line that does not end
    a sentence followed by one that starts in lower case (``… của Thủ tướng Chính`` / ``phủ phê
    duyệt …``, a table cell wrapped in two). Headings in capitals and numbered items stay apart."""
    out: list[str] = []
    for line in lines:
        if out and line[:1].islower() and not out[-1].endswith((".", ":", ";", "!", "?")):
            out[-1] += " " + line
        else:
            out.append(line)
    return out


def _issuer(lines: list[str], registry: Registry) -> Any:
    """The body that issued the document: the lowest heading line the registry knows (``SỞ …``
    under ``UBND TỈNH …``), joined with the lines above it when a name wraps (``ỦY BAN NHÂN
    DÂN`` / ``THÀNH PHỐ ĐÀ NẴNG``), read in the province the heading names."""
    if not lines:
        return None
    province = None
    for entity in registry.find_mentions(" ".join(lines)):
        if entity.province:
            province = entity.province
    for end in reversed(range(len(lines))):
        for start in reversed(range(end + 1)):
            text = " ".join(lines[start:end + 1])
            found = registry.resolve(text, province=province)
            if found is None and start == end:
                mentioned = registry.find_mentions(text, province=province)
                found = mentioned[-1] if mentioned else None
            if found is not None:
                return found
    return None
