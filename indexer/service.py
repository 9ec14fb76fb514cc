"""The search service: what the web pages, the JSON API and the CLI all call.

It validates parameters (with messages in Vietnamese), keeps the live index generation open
and swaps to a new one when a build publishes it, runs the query, and shapes the answer. What it
cannot answer it raises as a ``ServiceError`` carrying the HTTP status it means (``BadRequest``
400, ``NotFound`` 404, ``IndexUnavailable`` 503), for the web app's one error handler.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from . import generations as gen
from .crawls import captures_of
from .datequery import DateQueryError, format_date, parse_date_field
from .docnumbers import doc_number_key
from .engine import TERM_CACHE_POSTINGS, EngineResult, Filters, Generation, Ranking
from .query import MAX_QUERY_CHARS, QueryPlan, parse_query
from .reading import query_reading, read_plan, searched_as, written_in
from .snippets import highlight_plan, snippet_plan
from .suggest import did_you_mean

log = logging.getLogger(__name__)

SORTS = ("relevance", "newest", "oldest")
# How long a new generation may spend reading the terms the traffic used on the old one before it
# takes over (the old one answers meanwhile). The frequent terms, the costly ones, come decoded in
# the generation's mapped arrays; the rest are quick to read, and a switch should be prompt.
WARM_SECONDS = 3.0
# Every server process takes a newly published generation at the same moment, this long after
# CURRENT was renamed (its mtime): time to open and warm it in the background, and no visitor whose
# requests go to several workers sees the new generation, then the old one again.
SWITCH_DELAY = 2.0
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_FILTER_VALUES = 20


class ServiceError(Exception):
    """A request the service cannot answer; ``str(err)`` is shown to the user as is (Vietnamese)."""

    status = 500

    def details(self) -> dict[str, Any]:
        """What the JSON answer carries beside ``error``."""
        return {}


class BadRequest(ServiceError, ValueError):
    """Parameters we cannot honour."""

    status = 400


class BadDate(BadRequest):
    """A date field that cannot be read; ``field`` is its URL argument (``from`` or ``to``), so a
    page can show the search without it and say why."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class NotFound(ServiceError, LookupError):
    status = 404

    def __init__(self, message: str = "Không tìm thấy văn bản này."):
        super().__init__(message)


class PastLastPage(NotFound):
    """A page number beyond the last page of results (``page=99`` of 5): the API answers 404 with
    where the results are; the search page shows the last page, with that status and a notice."""

    def __init__(self, answer: dict[str, Any]):
        super().__init__(past_last_message(answer["requested_page"], answer["pages"]))
        self.answer = answer

    def details(self) -> dict[str, Any]:
        return {key: self.answer[key] for key in ("requested_page", "pages", "total", "per_page")}


class IndexUnavailable(ServiceError):
    """No generation to answer from yet (or the first one cannot be opened); ``reason`` says why,
    for operators."""

    status = 503
    retry_after = 30  # seconds: a first build of a small archive takes about that

    def __init__(self, reason: str):
        super().__init__("Chỉ mục tìm kiếm chưa sẵn sàng. Vui lòng thử lại sau ít phút.")
        self.reason = reason

    def details(self) -> dict[str, Any]:
        return {"status": "unavailable", "reason": self.reason}


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
    if not _valid_id(str(value).strip()):
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


class IndexHandle:
    """The live generation of an index root, replaced when a build publishes a new one.

    Requests take a reference to a ``Generation`` and keep it for their whole life, so a request
    in flight finishes on the generation it started on; the old one is closed by the garbage
    collector once no request holds it. A new generation is opened and warmed in a background
    thread while the old one keeps answering (a cold term cache makes the first queries several
    times slower), then swapped in at once, ``switch_delay`` seconds after it was published: each
    server process has its own handle, and they all swap at that moment (the first request after
    it swaps, if the background thread has not yet).
    """

    def __init__(self, root: Path, check_every: float = 1.0, warm_seconds: float = WARM_SECONDS,
                 ranking: Ranking = Ranking(), term_cache: int = TERM_CACHE_POSTINGS,
                 switch_delay: float = SWITCH_DELAY):
        self.root = Path(root)
        self.check_every = check_every
        self.warm_seconds = warm_seconds
        self.switch_delay = switch_delay
        self.ranking = ranking  # every generation is opened with it
        self.term_cache = term_cache
        self._lock = threading.Lock()
        self._generation: Generation | None = None
        self._path: Path | None = None
        self._pending: Path | None = None  # being opened in the background
        self._ready: tuple[Generation, Path, float] | None = None  # opened, to serve from this time.time()
        self._failed: Path | None = None  # could not be opened: not tried again every second
        self._checked = 0.0
        # a process joining others already serving (a replaced server worker): it takes a
        # generation published a moment ago at the others' switch moment, not at once
        self.joining = False

    def generation(self) -> Generation:
        """The generation to answer this request from; ``IndexUnavailable`` when there is none."""
        if self._generation is None:
            with self._lock:
                if self._generation is None:  # the first open: nothing else to serve meanwhile
                    path = gen.current(self.root)
                    if path is None:
                        raise IndexUnavailable("no index generation yet: run the build first")
                    if self.joining and time.time() < self._due():
                        # published a moment ago: the server processes already running answer
                        # from the one before until the switch moment, and so does this one
                        path = gen.published_before(self.root, path) or path
                    try:
                        self._generation, self._path = self._open(path), path
                    except Exception as err:
                        log.exception("could not open the generation %s", path)
                        raise IndexUnavailable(f"the generation {path.name} cannot be opened (see the server log)") from err
                    self._checked = time.monotonic()
                    if self.warm_seconds > 0:
                        self._background(self._generation.warm)
        ready = self._ready
        if ready is not None and time.time() >= ready[2]:
            self._take(ready)
        now = time.monotonic()
        if now - self._checked > self.check_every:
            with self._lock:
                if now - self._checked > self.check_every:
                    self._checked = now
                    path = gen.current(self.root)
                    if path is not None and path not in (self._path, self._pending, self._failed):
                        self._pending = path
                        self._background(self._switch, path)
        return self._generation

    @property
    def serving(self) -> Generation | None:
        """The generation answering now, if one is open (nothing is opened or checked)."""
        return self._generation

    def _due(self) -> float:
        """When every server process takes the generation ``CURRENT`` names (``time.time()``)."""
        try:
            return (self.root / gen.POINTER).stat().st_mtime + self.switch_delay
        except OSError:
            return 0.0

    def _switch(self, path: Path) -> None:
        old = self._generation
        due = self._due()
        try:
            new = self._open(path)
            if self.warm_seconds > 0 and old is not None:
                # done warming a little before the moment, so that it is ready when it comes
                seconds = min(self.warm_seconds, due - time.time() - self.switch_delay / 4)
                new.warm(old.recent_terms(), deadline=time.monotonic() + max(0.0, seconds))
        except Exception:
            # e.g. the generation was pruned by a newer build before we got to it: keep serving
            # the old one and try whatever CURRENT names at the next check
            log.exception("could not open the generation %s; still serving %s", path, self._path)
            with self._lock:
                self._pending, self._failed = None, path
            return
        ready = self._ready = (new, path, due)
        time.sleep(max(0.0, due - time.time()))
        self._take(ready)

    def _take(self, ready: tuple[Generation, Path, float]) -> None:
        """Serve the generation the background thread made ready (once, from whichever comes first)."""
        with self._lock:
            if self._ready is not ready:
                return
            self._generation, self._path, self._pending, self._ready = ready[0], ready[1], None, None
        log.info("now serving %s", ready[1])

    def _open(self, path: Path) -> Generation:
        return Generation.open(path, ranking=self.ranking, term_cache=self.term_cache)

    @staticmethod
    def _background(target: Any, *args: Any) -> None:
        def run() -> None:
            try:
                target(*args)
            except Exception:  # a warm-up that fails costs speed, never an answer
                log.exception("background work on the index failed")

        threading.Thread(target=run, name="index-switch", daemon=True).start()

    def report(self) -> dict[str, Any] | None:
        path = self._path or gen.current(self.root)
        return gen.read_json(path / "report.json") if path else None


class Highlighter:
    """Titles and snippets marked as the query means them (``snippets.highlight_plan``): names,
    document numbers and quoted phrases as one mark, runs of query words as one mark, a lone
    common syllable of a several-word query only where nothing better matched. A free syllable
    is marked as the best results spell it (``reading``: ``số`` for ``so``) on a page that
    writes it so, and in any accents on a page found through a look-alike. Document
    frequencies come from the generation, once per syllable per request."""

    def __init__(self, plan: QueryPlan | None, generation: Generation, reading: dict[str, str] | None = None):
        self.plan = plan if plan is not None and not plan.empty else None
        self.reading = reading or {}
        self.doc_count = generation.doc_count
        self._generation = generation
        self._df: dict[str, int] = {}
        self._aliases = _alias_forms()

    def df(self, syllable: str) -> int:
        if syllable not in self._df:
            self._df[syllable] = self._generation.syllable_frequency(syllable)
        return self._df[syllable]

    def marked(self, title: str, body: str) -> tuple[str, str]:
        """A page's title, whole, and the window of its body that shows the query best, marked."""
        if self.plan is None:
            return highlight_plan(title, None), snippet_plan(body, None)
        spelled = written_in(self.reading, f"{title}\n{body}")
        plan, written = read_plan(self.plan, spelled), spelled.values()
        return (highlight_plan(title, plan, self.df, self.doc_count, self._aliases, written),
                snippet_plan(body, plan, self.df, self.doc_count, self._aliases, written))

    def numbers_asked(self) -> set[str]:
        """Document-number keys typed in the query."""
        return {g.key for g in self.plan.groups if g.kind == "docnum" and g.key} if self.plan else set()


def _alias_forms() -> Any:
    from .registry import Registry

    try:
        return Registry.default().alias_forms
    except (OSError, ValueError):  # no registry: names are marked as typed
        return None


def _numbers(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The page's own document numbers and those it cites (every number is cited for a page
    indexed before the two were told apart)."""
    if "own_numbers" in doc:
        return doc["own_numbers"], doc.get("cited_numbers", [])
    return [], doc.get("doc_numbers", [])


def _result(hit: Any, marks: Highlighter) -> dict[str, Any]:
    doc = hit.doc
    own, cited = _numbers(doc)
    asked = marks.numbers_asked()
    title_html, snippet_html = marks.marked(doc["title"], doc.get("body", ""))
    return {
        "id": hit.id,
        "path": hit.path,
        "title": doc["title"],
        "title_html": title_html,
        "date": doc.get("date"),
        "datetime": doc.get("datetime"),
        "agency": doc.get("agency"),
        "agency_short": doc.get("agency_short"),
        "units": doc.get("units", []),
        "doc_numbers": doc.get("doc_numbers", []),
        "own_numbers": own,  # Số hiệu: the document this page publishes or announces
        "cited_numbers": cited,  # Văn bản được nhắc đến
        # the cited numbers the query asked for: why a page that only cites one is listed
        "cited_asked": [n for n in cited if doc_number_key(n) in asked],
        "url": doc.get("url"),
        "kind": doc.get("kind", "tin"),
        "snippet": snippet_html,
        "score": round(hit.score, 4),
        "group": hit.story,  # its story's id: group=ID lists the story's pages
        # the story's other pages among the results, best first, when results are one per story
        "similar": [{"id": h.id, "title": h.doc["title"], "agency": h.doc.get("agency"), "date": h.doc.get("date")}
                    for h in hit.similar],
        "similar_total": hit.similar_total,
    }


def search(handle: IndexHandle, params: SearchParams) -> dict[str, Any]:
    """One page of results for ``params`` from the live generation: what ``/api/search`` returns.

    The query (``query.parse_query``) is matched with its accents as typed when any page has
    them all, else accented or not, else by most of its words (``relaxed``); no query lists the
    newest pages. Each result has its highlighted title and snippet; ``facets`` counts agency,
    unit, year and month, each without its own filter; ``suggestion`` is a "did you mean" when
    few pages match. Raises ``IndexUnavailable`` when there is no generation yet.
    """
    started = time.perf_counter()
    generation = handle.generation()
    plan = parse_query(params.q) if params.q.strip() else None
    listing = plan is None or plan.empty
    sort = "newest" if listing and params.sort == "relevance" else params.sort  # nothing to rank by
    filters = params.filters()

    def one_page(page: int) -> EngineResult:
        return generation.search(plan, filters, sort=sort, offset=(page - 1) * params.per_page, limit=params.per_page,
                                 level="as_typed" if params.exact else None, stories=params.stories,
                                 similar=SIMILAR_SHOWN)

    result = one_page(params.page)
    listed = result.stories if params.stories else result.total  # what the pages count
    pages = max(1, -(-listed // params.per_page))
    page = min(params.page, pages)
    if page != params.page:
        # past the last page (an old link, a URL typed by hand): the last page instead, marked so
        result = one_page(page)
    reading = _reading(generation, plan, filters, result, sort == "relevance" and page == 1)
    marks = Highlighter(plan, generation, reading)
    # the words were found only with other diacritics than typed: say what was searched, and offer
    # the words as typed (Google's "Showing results for ..., search instead for ...")
    corrected = searched_as(plan, reading) if result.level == "ignoring_accents" and result.total else None
    suggestion = None
    if not listing and result.total < 3 and result.level == "as_typed":
        # few pages have the words as typed ("chuyen đôi so": "đi đôi với"): many more may have
        # them with other diacritics
        suggestion = _corrected_elsewhere(generation, plan, filters, result.total)
    if not listing and not suggestion and (result.total < 3 or result.relaxed):
        suggestion = did_you_mean(plan, generation)
    return {
        "query": params.q,
        "total": result.total,  # pages
        "total_groups": result.stories,  # stories those pages tell (a repost is not another story)
        "collapsed": params.stories,
        "page": page,
        "per_page": params.per_page,
        "pages": pages,
        # the page asked for when it was past the last one (``page`` is then the last)
        "requested_page": params.page if params.page != page else None,
        "sort": params.sort,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "results": [_result(hit, marks) for hit in result.hits],
        "facets": {name: [{"value": v, "count": c} for v, c in values] for name, values in result.facets.items()},
        "filters": params.filter_values(),
        "dates_swapped": params.dates_swapped,
        # which step matched: "as_typed", "ignoring_accents" (a diacritic typed was not found
        # as typed), "most_words" (not every word is on the pages)
        "matched": result.level if not listing else None,
        "searched_as": corrected,
        "exact": params.exact,
        "suggestion": suggestion if suggestion != corrected else None,
        "relaxed": result.relaxed,
        "partial": result.partial,
        "truncated_query": bool(plan and plan.truncated),
    }


READING_HITS = 5  # the best results the query's accented reading is taken from
SIMILAR_SHOWN = 10  # a story's other pages listed under its best one (all: ``group=ID``)


def _reading(generation: Generation, plan: QueryPlan | None, filters: Filters, result: EngineResult,
             best_first: bool) -> dict[str, str]:
    """How the best results write the query's free syllables (``reading.query_reading``):
    from this page's hits when it is the first page by relevance, else from the best ones."""
    if plan is None or plan.empty or not result.total or not any(g.kind == "syllable" for g in plan.groups):
        return {}
    hits = result.hits if best_first else generation.search(plan, filters, limit=READING_HITS, facets=False).hits
    return query_reading(plan, (text for hit in hits[:READING_HITS] for text in (hit.doc["title"], hit.doc.get("body", ""))))


def _corrected_elsewhere(generation: Generation, plan: QueryPlan | None, filters: Filters, total: int) -> str | None:
    """For a search that found ``total`` (few) pages with the words as typed: the words as the
    archive writes them, when ignoring the diacritics typed finds more pages."""
    if plan is None or not any(g.kind == "syllable" and g.accented for g in plan.groups):
        return None
    found = generation.search(plan, filters, limit=READING_HITS, facets=False, level="ignoring_accents")
    if found.total <= total:
        return None
    return searched_as(plan, _reading(generation, plan, filters, found, True))


def past_last_message(requested: int, pages: int) -> str:
    return (f"Không có trang {requested}: tìm kiếm này chỉ có {pages} trang kết quả." if pages > 1
            else f"Không có trang {requested}: mọi kết quả của tìm kiếm này nằm trên một trang.")


def totals(handle: IndexHandle, variants: list[SearchParams]) -> list[int]:
    """Result counts of one query under several sets of filters (all variants share ``q``)."""
    if not variants:
        return []
    plan = parse_query(variants[0].q) if variants[0].q.strip() else None
    return handle.generation().totals(plan, [v.filters() for v in variants])


def _valid_id(doc_id: str) -> bool:
    return len(doc_id) == 16 and all(c in "0123456789abcdef" for c in doc_id)


def document(handle: IndexHandle, doc_id: str) -> dict[str, Any]:
    """One article with the newest others of its agency and those citing its document numbers;
    ``NotFound`` for an id that is not a live document's (any string may come in the URL)."""
    generation = handle.generation()
    hit = generation.get(doc_id) if _valid_id(doc_id) else None
    if hit is None:
        raise NotFound()
    doc = dict(hit.doc)
    doc["id"] = hit.id
    doc["more_from_agency"] = [
        {"id": h.id, "title": h.doc["title"], "date": h.doc.get("date")}
        for h in generation.newest_from_agency(doc.get("agency", ""), limit=5, exclude=hit.id)
    ]
    citing = {}
    for number in doc.get("doc_numbers", []):
        others = generation.newest_citing(doc_number_key(number), limit=5, exclude=hit.id)
        if others:
            citing[number] = [{"id": h.id, "title": h.doc["title"], "date": h.doc.get("date"),
                               "agency": h.doc.get("agency")} for h in others]
    doc["citing_same_document"] = citing
    doc.update(archive_links(generation, hit.id, doc))
    # the same article elsewhere: its story's other pages
    doc["group"] = hit.story
    doc["same_story"] = [{"id": h.id, "title": h.doc["title"], "date": h.doc.get("date"), "agency": h.doc.get("agency")}
                         for h in generation.newest_of_story(hit.story, limit=SIMILAR_SHOWN, exclude=hit.id)]
    return doc


def archive_links(generation: Generation, doc_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """What the archive adds to a page: the documents it attaches (``Văn bản đính kèm``: those the
    archive holds link to their own page, the others to their address), the pages that attach
    this document, and every capture of it in the web archives (``Các lần lưu``)."""
    attached = []
    for link in doc.get("attachments", []):
        found = next((h for h in (generation.get(i) for i in link.get("ids", [])) if h is not None), None)
        attached.append({"href": link.get("href"), "text": link.get("text") or link.get("href"),
                         "id": found.id if found else None,
                         "title": found.doc["title"] if found else None,
                         "date": found.doc.get("date") if found else None})
    attaching = [{"id": h.id, "title": h.doc["title"], "date": h.doc.get("date"), "agency": h.doc.get("agency")}
                 for h in generation.newest_attaching(doc_id, limit=10)]
    return {"attached_documents": attached, "attached_by": attaching,
            "captures": captures_of(generation.directory, doc_id)}


def status(handle: IndexHandle) -> dict[str, Any]:
    """The live generation and its last build, for the status page, ``/api/status`` and
    ``/healthz``; ``IndexUnavailable`` when there is none."""
    generation = handle.generation()
    report = handle.report() or {}
    return {"status": "ok", "documents": generation.doc_count, "generation": generation.directory.name,
            "built": report.get("started"), "build_seconds": report.get("seconds"), "report": report}
