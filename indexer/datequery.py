"""Dates as people type them in a Vietnamese date field, day before month, whatever the browser.

    parse_period("31/12/2023")  -> Period(2023-12-31, 2023-12-31, "day")
    parse_period("12/2023")     -> Period(2023-12-01, 2023-12-31, "month")
    parse_period("2023")        -> Period(2023-01-01, 2023-12-31, "year")
    parse_date_field("12/2023", "from") -> 2023-12-01;  (…, "to") -> 2023-12-31
    format_date(date(2023, 12, 31))     -> "31/12/2023"

Accepted: ``31/12/2023``, ``31-12-2023``, ``31.12.2023``, ``31 12 2023``, spaces anywhere,
``1/2/2023``, a two-digit year (``31/12/23``), ISO ``2023-12-31`` and ``2023-12`` (the URL's and
the API's form), eight digits ``31122023`` (or ``20231231``: the two readings never both make a
date), and words: ``ngày 31 tháng 12 năm 2023``, ``tháng 12/2023``, ``năm 2023``. A day that does
not exist (``31/02/2023``) is an error with a Vietnamese message saying why, never a silent
roll-over to March.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from .textnorm import fold

MIN_YEAR, MAX_YEAR = 1900, 2100
EXAMPLE = "gõ ngày/tháng/năm, ví dụ 31/12/2023, hoặc 12/2023 (cả tháng), 2023 (cả năm)"


class DateQueryError(ValueError):
    """What was typed is not a date; ``str(err)`` is a message for the reader, in Vietnamese."""


@dataclass(frozen=True)
class Period:
    """The days a typed date stands for, both ends included."""

    start: date
    end: date
    precision: Literal["day", "month", "year"]

    def bound(self, role: Literal["from", "to"]) -> date:
        """The end a "from" field (its first day) or a "to" field (its last day) means."""
        return self.start if role == "from" else self.end

    def __str__(self) -> str:
        if self.precision == "year":
            return str(self.start.year)
        if self.precision == "month":
            return f"{self.start.month:02d}/{self.start.year}"
        return format_date(self.start)


_WORDS = re.compile(r"\b(?:ngay|thang|nam)\b")


def parse_period(text: str) -> Period:
    """What a person typed in a date field -> the period it names; raises ``DateQueryError``."""
    raw = (text or "").strip()
    if not raw:
        raise DateQueryError(f"Chưa nhập ngày: {EXAMPLE}.")
    shown = raw[:40]
    raw = re.sub(r"^(\d{4}-\d{1,2}-\d{1,2})[T ]\d[\d:.+\-Z ]*$", r"\1", raw)  # an ISO time after the day
    cleaned = _WORDS.sub(" ", fold(raw).lower())
    groups = re.findall(r"\d+", cleaned)
    leftover = re.sub(r"[\d\s/.\-,]+", "", cleaned)
    if leftover or not groups or len(groups) > 3 or re.match(r"\s*[-+]", cleaned):  # no sign: "-2020"
        raise DateQueryError(f"Không đọc được ngày “{shown}”: {EXAMPLE}.")
    if len(groups) == 1:
        digits = groups[0]
        if len(digits) == 4:
            return _year(int(digits), shown)
        if len(digits) == 8:
            return _eight_digits(digits, shown)
        raise DateQueryError(f"Không đọc được ngày “{shown}”: {EXAMPLE}; tám chữ số liền nhau cũng được (31122023).")
    if len(groups[0]) == 4:  # year first: ISO 2023-12-31 or 2023-12
        year, rest = int(groups[0]), [int(g) for g in groups[1:]]
        if any(len(g) > 2 for g in groups[1:]):
            raise DateQueryError(f"Không đọc được ngày “{shown}”: {EXAMPLE}.")
        return _month(year, rest[0], shown) if len(rest) == 1 else _day(year, rest[0], rest[1], shown)
    if any(len(g) > 2 for g in groups[:-1]) or len(groups[-1]) not in (2, 4):
        raise DateQueryError(f"Không đọc được ngày “{shown}”: {EXAMPLE}.")
    year = _full_year(groups[-1])
    if len(groups) == 2:
        return _month(year, int(groups[0]), shown)
    return _day(year, int(groups[1]), int(groups[0]), shown)


def parse_date_field(text: str | None, role: Literal["from", "to"]) -> date | None:
    """A "from" or "to" field: ``None`` when empty, else the first or last day of what was typed."""
    if text is None or not str(text).strip():
        return None
    return parse_period(str(text)).bound(role)


def format_date(value: date | str | None) -> str:
    """``dd/mm/yyyy``; an ISO string is accepted too; empty for nothing."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def presets(today: date, years: list[int] | None = None) -> list[tuple[str, date, date]]:
    """Ranges people pick in one click: this year, the last 12 months, then each year given
    (the years that have results), newest first. ``(label, from, to)``."""
    out = [("Năm nay", date(today.year, 1, 1), today),
           ("12 tháng qua", _months_back(today, 12) + timedelta(days=1), today)]
    for year in sorted(set(years or []), reverse=True):
        if MIN_YEAR <= year <= MAX_YEAR:
            out.append((f"Năm {year}", date(year, 1, 1), date(year, 12, 31)))
    return out


def _months_back(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _full_year(digits: str) -> int:
    if len(digits) == 4:
        return int(digits)
    # two digits: the 2000s up to next year, else the 1900s ("31/12/98")
    year = 2000 + int(digits)
    return year if year <= date.today().year + 1 else year - 100


def _check_year(year: int, shown: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateQueryError(f"Năm {year} trong “{shown}” nằm ngoài khoảng {MIN_YEAR}–{MAX_YEAR}.")


def _year(year: int, shown: str) -> Period:
    _check_year(year, shown)
    return Period(date(year, 1, 1), date(year, 12, 31), "year")


def _month(year: int, month: int, shown: str) -> Period:
    _check_year(year, shown)
    if not 1 <= month <= 12:
        raise DateQueryError(f"Không có tháng {month} (“{shown}”): tháng từ 1 đến 12, ngày ghi trước tháng.")
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last), "month")


def _day(year: int, month: int, day: int, shown: str) -> Period:
    _check_year(year, shown)
    if not 1 <= month <= 12:
        raise DateQueryError(f"Không có tháng {month} (“{shown}”): tháng từ 1 đến 12, ngày ghi trước tháng.")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DateQueryError(
            f"Không có ngày {day:02d}/{month:02d}/{year}: tháng {month} năm {year} chỉ có {last} ngày.")
    when = date(year, month, day)
    return Period(when, when, "day")


def _eight_digits(digits: str, shown: str) -> Period:
    """``31122023`` (day first, as typed here) or ``20231231`` (ISO without dashes)."""
    # the two readings never both make a date; a day-first reading that names a real year but an
    # impossible day says why ("31022023": February has 28 days)
    errors = []
    for year, month, day in ((int(digits[4:]), int(digits[2:4]), int(digits[:2])),
                             (int(digits[:4]), int(digits[4:6]), int(digits[6:]))):
        if MIN_YEAR <= year <= MAX_YEAR:
            try:
                return _day(year, month, day, shown)
            except DateQueryError as err:
                errors.append(err)
    if errors:
        raise errors[0]
    raise DateQueryError(f"Không đọc được ngày “{shown}”: {EXAMPLE}.")
