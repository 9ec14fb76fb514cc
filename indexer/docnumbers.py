"""Document numbers of Vietnamese administrative documents: ``458/TB-VP``, ``13/2021/TT-BTTTT``.

The form is a number, an optional year, then an issuer code of upper-case groups joined by
dashes (``QĐ-BTTTT``, ``NĐ-CP``, ``QĐ-TTg``). Writers also put spaces round the dash
(``17/NQ – CP``); that is the same number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textnorm import fold

_UPPER = "A-ZĐƯƠÂĂÊÔÀÁÃÈÉÌÍÒÓÕÙÚÝĨŨ\u1ea0-\u1ef8"
_CODE = rf"[{_UPPER}][A-Za-z{_UPPER}đ0-9&]*"
# "30c/NQ-CP", "36a/NQ-CP": a letter after the number; "29-NQ/TW": the Party's own form.
DOC_NUMBER_RE = re.compile(
    rf"(?<![\w/.])\d{{1,4}}-[{_UPPER}]{{2,5}}/[{_UPPER}]{{1,6}}(?![^\W_])"
    rf"|(?<![\w/.])\d{{1,5}}[a-zđ]?(?:/(?:19|20)\d\d)?/{_CODE}"
    rf"(?:-{_CODE}|\s?[-–]\s?[{_UPPER}][{_UPPER}0-9&]*)*(?![^\W_])"
)
# A code must look like an abbreviation, not a word: "15/Tháng" or "3/Sau" are not numbers.
_ABBREVIATION = re.compile(rf"^[{_UPPER}0-9&]{{2,}}|^[{_UPPER}]+[a-z]?$")


def _clean(raw: str) -> str:
    return re.sub(r"\s", "", raw).replace("–", "-")


def find_doc_numbers(text: str) -> list[str]:
    """Document numbers in order of first appearance, written as the text writes them (dashes tidied)."""
    out: list[str] = []
    for match in DOC_NUMBER_RE.finditer(text):
        number = _clean(match.group())
        codes = re.split(r"[-/]", number.split("/", 1)[-1] if "-" not in number.split("/")[0] else number.split("-", 1)[1])
        if not all(_ABBREVIATION.match(code) for code in codes if not code.isdigit()):
            continue
        if number not in out:
            out.append(number)
    return out


def doc_number_key(number: str) -> str:
    """Case-, Đ/D- and dash-insensitive key: ``847/qđ-btttt`` and ``847/QD-BTTTT`` are one document."""
    return fold(_clean(number)).upper()


_QUERY_DOC_RE = re.compile(
    r"(?<![\w/.])\d{1,4}-[A-Za-zĐđ]{2,5}/[A-Za-zĐđ]{1,6}(?!\w)"
    r"|(?<![\w/.])\d{1,5}[a-zđ]?(?:/(?:19|20)\d\d)?/[A-Za-zĐđ][A-Za-zĐđ0-9&]*(?:\s?[-–]\s?[A-Za-zĐđ][A-Za-zĐđ0-9&]*)*"
)


def find_query_doc_numbers(query: str) -> list[tuple[int, int, str]]:
    """Document numbers typed in a query (any case): ``(start, end, key)``."""
    return [(m.start(), m.end(), doc_number_key(m.group())) for m in _QUERY_DOC_RE.finditer(query)]


# ---------------------------------------------------------------- own number vs cited ones

# Words right before a number that say the page only refers to it ("thực hiện Quyết định số
# 749/QĐ-TTg", "theo Nghị định ...", "phê duyệt tại Quyết định ...") or that it announces it
# ("đã ký Quyết định số 4120/QĐ-BVHTTDL", "vừa ban hành Thông tư ..."); the nearest one wins.
_CITE_CUES = ("theo", "căn cứ", "thực hiện", "triển khai", "tại", "quán triệt", "trên cơ sở", "sơ kết",
              "tổng kết", "kèm theo", "tuân thủ", "gắn với", "hướng dẫn thi hành", "như", "đúng")
_ANNOUNCE_CUES = ("ban hành", "ký", "công bố", "phê duyệt", "vừa có", "vừa gửi", "thông báo")
_CUE_RE = re.compile(r"(?<!\w)(" + "|".join(sorted(_CITE_CUES + _ANNOUNCE_CUES, key=len, reverse=True))
                     + r")(?!\w)", re.I)
_ANNOUNCED_AFTER = re.compile(r"^[^.;\n]{0,40}?(?:vừa |đã )?được (?:ký|ban hành|công bố|phê duyệt)", re.I)
# "Số: 458/TB-VP", "Số hiệu: ...", or the number alone on a line: a document's own heading
_HEADING_RE = re.compile(r"(?:^|\s)Số(?: hiệu)?\s*:\s*$", re.I)
LEAD_CHARS = 400


@dataclass(frozen=True)
class NumberRoles:
    """The page's own document numbers (``Số hiệu``: what it publishes or announces) and the
    ones it only cites (``Văn bản được nhắc đến``), each as the text writes it."""

    own: list[str]
    cited: list[str]


def classify_doc_numbers(title: str, body: str, numbers: list[str], preamble: str = "") -> NumberRoles:
    """Split ``numbers`` (``find_doc_numbers`` of the page) into the page's own and cited ones.

    Own: a number in the preamble (the heading above the title: ``Số: 458/TB-VP``), under a
    ``Số:`` heading or alone on one of the body's first lines, in the title unless the title
    only refers to it (``Triển khai Nghị quyết 17/NQ-CP``), or announced in the lead
    (``Bộ trưởng đã ký Quyết định số 4120/QĐ-BVHTTDL công bố ...``, ``Thông tư ... vừa được
    ban hành``). Everything else is cited."""
    keys = {doc_number_key(n): n for n in numbers}
    own: set[str] = set()
    for match in DOC_NUMBER_RE.finditer(preamble or ""):
        own.add(doc_number_key(match.group()))
    for match in DOC_NUMBER_RE.finditer(title or ""):
        if _nearest_cue(title[: match.start()]) not in _CITE_CUES:
            own.add(doc_number_key(match.group()))
    body = body or ""
    head = "\n".join(body.split("\n", 3)[:3])
    for match in DOC_NUMBER_RE.finditer(head):
        line_start = head.rfind("\n", 0, match.start()) + 1
        before = head[line_start: match.start()]
        line_end = head.find("\n", match.end())
        after = head[match.end(): line_end if line_end >= 0 else len(head)]
        if _HEADING_RE.search(before) or (not before.strip() and not after.strip()):
            own.add(doc_number_key(match.group()))
    lead = body.split("\n", 1)[0][:LEAD_CHARS]
    for match in DOC_NUMBER_RE.finditer(lead):
        cue = _nearest_cue(lead[: match.start()])
        announced = cue in _ANNOUNCE_CUES or (cue not in _CITE_CUES and _ANNOUNCED_AFTER.match(lead[match.end():]))
        if announced:
            own.add(doc_number_key(match.group()))
    return NumberRoles(own=[n for k, n in keys.items() if k in own], cited=[n for k, n in keys.items() if k not in own])


def _nearest_cue(before: str) -> str | None:
    """The last cue word in the clause before a number (after the last , ; . : or line break)."""
    clause = re.split(r"[,;.:\n(]", before)[-1][-80:]
    found = None
    for match in _CUE_RE.finditer(clause):
        found = match.group(1).lower()
    return found
