"""The parameters of a search: the URL arguments named once (``ARGS``), read and checked from a
request (``parse_params``, with Vietnamese messages for what cannot be honoured) into
``SearchParams``, and written back as URL arguments for links that keep them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from .datequery import DateQueryError, parse_date_field
from .engine import Filters
from .errors import BadDate, BadRequest
from .query import MAX_QUERY_CHARS

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_FILTER_VALUES = 20


@dataclass(frozen=True)
class ArgNames:
    """The URL arguments of a search, named once: ``parse_params`` reads them, ``as_query_args``
    and the answer's ``filters`` write them, the web app's filter chips and the command line use them."""

    q: str = "q"
    agency: str = "agency"
    unit: str = "unit"
    date_from: str = "from"
    date_to: str = "to"
    year: str = "year"
    month: str = "month"
    kind: str = "kind"
    sort: str = "sort"
    page: str = "page"
    per_page: str = "per_page"
    exact: str = "exact"  # 1: the words as typed, no correction of their diacritics
    group: str = "group"  # one story's pages (its id)
    collapse: str = "collapse"  # 0: every page, not one result per story


ARGS = ArgNames()
# the arguments that narrow a search (the rest say what to search and how to show it)
FILTER_ARGS = (ARGS.agency, ARGS.unit, ARGS.date_from, ARGS.date_to, ARGS.year, ARGS.month, ARGS.kind, ARGS.group)
# What a document is (the kind facet): a news page, or a document attached to the news
KINDS = ("tin", "văn bản")


@dataclass
class SearchParams:
    q: str = ""
    agencies: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    years: list[int] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    # the two dates were typed the wrong way round and have been swapped
    dates_swapped: bool = False
    # the words exactly as typed: no match ignoring a diacritic typed (``searched_as`` offers it)
    exact: bool = False
    group: str | None = None  # one story's pages only
    collapse: bool = True  # one result per story (its best page), the others listed under it

    @property
    def stories(self) -> bool:
        """Results shown one per story: unless switched off, or one story's pages are asked for."""
        return self.collapse and not self.group

    def filters(self) -> Filters:
        return Filters(self.agencies, self.units, self.date_from, self.date_to, self.years, self.months, self.kinds,
                       self.group)

    def filter_values(self) -> dict[str, Any]:
        """The filters by URL argument: lists, and dates as ``YYYY-MM-DD`` (None when unset)."""
        return {ARGS.agency: self.agencies, ARGS.unit: self.units,
                ARGS.date_from: self.date_from.isoformat() if self.date_from else None,
                ARGS.date_to: self.date_to.isoformat() if self.date_to else None,
                ARGS.year: self.years, ARGS.month: self.months, ARGS.kind: self.kinds, ARGS.group: self.group}

    def as_query_args(self) -> dict[str, Any]:
        """The parameters as URL arguments (for links that keep every filter)."""
        args: dict[str, Any] = {}
        if self.q:
            args[ARGS.q] = self.q
        for name, value in self.filter_values().items():
            if value:
                args[name] = [str(v) for v in value] if isinstance(value, list) else value
        if self.sort != "relevance":
            args[ARGS.sort] = self.sort
        if self.per_page != 10:
            args[ARGS.per_page] = self.per_page
        if self.exact:
            args[ARGS.exact] = 1
        if not self.collapse:
            args[ARGS.collapse] = 0
        return args


def _getlist(args: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        value = args.get(name)
        values = value if isinstance(value, list) else ([] if value is None else [value])
    return [str(v) for v in values if str(v).strip()]


DATE_LABELS = {ARGS.date_from: "Từ ngày", ARGS.date_to: "Đến ngày"}


def _date(args: Mapping[str, Any], name: str) -> date | None:
    """A date field as people type it (``31/12/2023``, ``12/2023``, ``2023``, ISO ``2023-12-31``:
    ``datequery``): the first day of what was typed for ``from``, the last for ``to``."""
    value = args.get(name)
    try:
        return parse_date_field(None if value is None else str(value), "from" if name == ARGS.date_from else "to")
    except DateQueryError as err:
        why = str(err)
        raise BadDate(f"Ngày không hợp lệ ở ô “{DATE_LABELS[name]}”: {why[:1].lower()}{why[1:]}", name) from None


def _int(value: str | None, default: int, label: str, low: int, high: int) -> int:
    if value is None or str(value).strip() == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadRequest(f"{label} phải là một số nguyên.") from None
    if not low <= number <= high:
        raise BadRequest(f"{label} phải nằm trong khoảng {low}–{high}.")
    return number


def _story_id(value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    if not valid_id(str(value).strip()):
        raise BadRequest(f"Mã tin không hợp lệ: “{str(value)[:40]}” (16 chữ số hệ mười sáu).")
    return str(value).strip()


def _flag(value: Any, default: bool) -> bool:
    """A yes/no argument: 1/0, true/false, có/không (anything else: the default)."""
    text = str(value).strip().lower() if value is not None else ""
    if text in ("1", "true", "yes", "on", "có", "co"):
        return True
    if text in ("0", "false", "no", "off", "không", "khong"):
        return False
    return default


def parse_params(args: Mapping[str, Any]) -> SearchParams:
    """Request arguments -> ``SearchParams``; raises ``BadRequest`` with a Vietnamese message."""
    q = str(args.get(ARGS.q) or "")
    if len(q) > MAX_QUERY_CHARS * 4:
        raise BadRequest(f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in q):
        q = "".join(ch if ord(ch) >= 32 or ch in "\t\n\r" else " " for ch in q)
    sort = str(args.get(ARGS.sort) or "relevance")
    if sort not in SORTS:
        raise BadRequest("Kiểu sắp xếp không hợp lệ (chọn relevance, newest hoặc oldest).")
    params = SearchParams(
        q=q.strip()[: MAX_QUERY_CHARS * 4],
        agencies=_getlist(args, ARGS.agency)[:MAX_FILTER_VALUES],
        units=_getlist(args, ARGS.unit)[:MAX_FILTER_VALUES],
        date_from=_date(args, ARGS.date_from),
        date_to=_date(args, ARGS.date_to),
        sort=sort,
        page=_int(args.get(ARGS.page), 1, "Số trang", 1, MAX_PAGE),
        per_page=_int(args.get(ARGS.per_page), 10, "Số kết quả mỗi trang", 1, MAX_PER_PAGE),
        exact=_flag(args.get(ARGS.exact), False),
        group=_story_id(args.get(ARGS.group)),
        collapse=_flag(args.get(ARGS.collapse), True),
    )
    for year in _getlist(args, ARGS.year)[:MAX_FILTER_VALUES]:
        params.years.append(_int(year, 0, "Năm", 1900, 2100))
    for month in _getlist(args, ARGS.month)[:MAX_FILTER_VALUES]:
        try:
            y, m = month.split("-")
            if not (1900 <= int(y) <= 2100 and 1 <= int(m) <= 12):
                raise ValueError
        except ValueError:
            raise BadRequest(f"Tháng không hợp lệ: “{month[:20]}” (dùng dạng YYYY-MM).") from None
        params.months.append(f"{int(y):04d}-{int(m):02d}")
    for kind in _getlist(args, ARGS.kind)[:MAX_FILTER_VALUES]:
        if kind.strip() not in KINDS:
            raise BadRequest(f"Loại không hợp lệ: “{kind[:20]}” (chọn “tin” hoặc “văn bản”).")
        params.kinds.append(kind.strip())
    if params.date_from and params.date_to and params.date_from > params.date_to:
        # typed the wrong way round: what was meant is plain, and the answer says it was swapped.
        # Each field is read again in the other's role: "2024" to "2023" is 1/1/2023 to 31/12/2024.
        swapped = {ARGS.date_from: args.get(ARGS.date_to), ARGS.date_to: args.get(ARGS.date_from)}
        params.date_from, params.date_to = _date(swapped, ARGS.date_from), _date(swapped, ARGS.date_to)
        params.dates_swapped = True
    return params


def valid_id(doc_id: str) -> bool:
    """A page or story id as the build makes them: 16 hexadecimal digits."""
    return len(doc_id) == 16 and all(c in "0123456789abcdef" for c in doc_id)
