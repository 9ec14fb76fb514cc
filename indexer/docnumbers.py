"""Document numbers of Vietnamese administrative documents: ``458/TB-VP``, ``13/2021/TT-BTTTT``.

The form is a number, an optional year, then an issuer code of upper-case groups joined by
dashes (``QĐ-BTTTT``, ``NĐ-CP``, ``QĐ-TTg``). Writers also put spaces round the dash
(``17/NQ – CP``); that is the same number.
"""

from __future__ import annotations

import re

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
