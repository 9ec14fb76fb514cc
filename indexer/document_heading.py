"""What the first page of a Vietnamese administrative document says it is (Nghị định
30/2020/NĐ-CP): the issuing body above ``Số: 847/QĐ-BTTTT`` on the left, the place and date on
the right under the national motto, then the kind (``QUYẾT ĐỊNH``) and the subject (``Về việc
…``). ``first_page`` reads those from the lines of an attached document's first page
(``attachments.py`` reads the file); ``document_title`` makes its title of them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .dates import find_dates
from .docnumbers import DOC_NUMBER_RE, find_doc_numbers
from .textnorm import collapse_spaces

_MOTTO = re.compile(r"CỘNG\s*HÒA\s*XÃ\s*HỘI\s*CHỦ\s*NGHĨA\s*VIỆT\s*NAM|Độc\s*lập\s*[-–]\s*Tự\s*do\s*[-–]\s*Hạnh\s*phúc|"
                    r"^[-–_=\s]+$", re.I)
KINDS = ("QUYẾT ĐỊNH", "THÔNG BÁO", "KẾ HOẠCH", "BÁO CÁO", "CHỈ THỊ", "NGHỊ QUYẾT", "THÔNG TƯ", "NGHỊ ĐỊNH",
         "TỜ TRÌNH", "GIẤY MỜI", "HƯỚNG DẪN", "CHƯƠNG TRÌNH", "ĐỀ ÁN", "QUY CHẾ", "QUY ĐỊNH", "LUẬT",
         "THÔNG TƯ LIÊN TỊCH", "CÔNG ĐIỆN", "BIÊN BẢN", "KẾT LUẬN", "CÔNG VĂN", "PHƯƠNG ÁN", "ĐIỀU LỆ")
_KIND_LINE = re.compile(r"^(" + "|".join(sorted(KINDS, key=len, reverse=True)) + r")$")
_NUMBER_LINE = re.compile(r"^Số\s*(?:hiệu)?\s*[:.]?\s*", re.I)
_SUBJECT_START = re.compile(r"^(?:Về\s+việc|Về|V/v|Ban\s+hành|Quy\s+định|Hướng\s+dẫn|Triển\s+khai|Kết\s+luận|Phê\s+duyệt)\b",
                            re.I)
FIRST_PAGE_LINES = 60


@dataclass
class FirstPage:
    issuer_lines: list[str] = field(default_factory=list)
    number: str | None = None
    day: date | None = None
    kind: str | None = None
    subject: str | None = None


def _is_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)


def first_page(lines: list[str]) -> FirstPage:
    """The issuing body, number, date, kind and subject the heading of a document states."""
    head = [collapse_spaces(line) for line in lines[:FIRST_PAGE_LINES]]
    head = [line for line in head if line]
    found = FirstPage()
    number_at = None
    for i, line in enumerate(head):
        if _NUMBER_LINE.match(line):
            match = DOC_NUMBER_RE.search(line)
            if match:
                found.number = re.sub(r"\s", "", match.group()).replace("–", "-")
                number_at = i
                break
    if found.number is None:
        numbers = find_doc_numbers("\n".join(head[:15]))
        found.number = numbers[0] if numbers else None
    # The issuer: capitals above the number, the national motto taken out (a two-column heading
    # read across puts both on one line).
    for line in head[: number_at if number_at is not None else 6]:
        rest = collapse_spaces(_MOTTO.sub(" ", line))
        if rest and _is_caps(rest) and not _KIND_LINE.match(rest):
            found.issuer_lines.append(rest)
    for line in head[:25]:
        hits = [h for h in find_dates(line) if "ngày" in line[max(0, h.start - 8): h.end].lower() or "," in line]
        if hits and re.search(r"ngày\s+\d", line, re.I):
            found.day = hits[0].day
            break
    for i, line in enumerate(head[:40]):
        kind = _MOTTO.sub(" ", line).strip()
        if _KIND_LINE.match(kind):
            found.kind = kind
            subject = []
            for follow in head[i + 1: i + 4]:
                if not subject and (_SUBJECT_START.match(follow) or not _is_caps(follow)):
                    subject.append(follow)
                elif subject and (follow[:1].islower() or (follow[:1].isdigit() and len(follow) < 15)):
                    subject.append(follow)  # the subject wrapped onto the next line
                else:
                    break
            found.subject = " ".join(subject) or None
            break
    if found.kind is None:  # an official letter: "V/v ..." under the number
        for line in head[:20]:
            if line.lower().startswith("v/v"):
                found.kind, found.subject = "CÔNG VĂN", line
                break
    return found


def document_title(page: FirstPage, fallback: str) -> str:
    """``Quyết định 847/QĐ-BTTTT về việc phê duyệt …``; the file's own title or name otherwise."""
    if page.kind:
        title = page.kind.capitalize()
        if page.number:
            title += f" {page.number}"
        if page.subject:
            subject = page.subject
            if _SUBJECT_START.match(subject):
                subject = subject[:1].lower() + subject[1:]
            title += f" {subject}"
        return title
    return fallback
