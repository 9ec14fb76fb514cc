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
from .docnumbers import doc_number_key
from .engine import TERM_CACHE_POSTINGS, Filters, Generation, Ranking
from .query import MAX_QUERY_CHARS, parse_query
from .snippets import highlight, snippet
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


class BadRequest(ServiceError, ValueError):
    """Parameters we cannot honour."""

    status = 400


class NotFound(ServiceError, LookupError):
    status = 404

    def __init__(self, message: str = "Không tìm thấy văn bản này."):
        super().__init__(message)


class IndexUnavailable(ServiceError):
    """No generation to answer from yet (or the first one cannot be opened); ``reason`` says why,
    for operators."""

    status = 503
    retry_after = 30  # seconds: a first build of a small archive takes about that

    def __init__(self, reason: str):
        super().__init__("Chỉ mục tìm kiếm chưa sẵn sàng. Vui lòng thử lại sau ít phút.")
        self.reason = reason


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


ARGS = ArgNames()
# the arguments that narrow a search (the rest say what to search and how to show it)
FILTER_ARGS = (ARGS.agency, ARGS.unit, ARGS.date_from, ARGS.date_to, ARGS.year, ARGS.month, ARGS.kind)
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

    def filters(self) -> Filters:
        return Filters(self.agencies, self.units, self.date_from, self.date_to, self.years, self.months, self.kinds)

    def filter_values(self) -> dict[str, Any]:
        """The filters by URL argument: lists, and dates as ``YYYY-MM-DD`` (None when unset)."""
        return {ARGS.agency: self.agencies, ARGS.unit: self.units,
                ARGS.date_from: self.date_from.isoformat() if self.date_from else None,
                ARGS.date_to: self.date_to.isoformat() if self.date_to else None,
                ARGS.year: self.years, ARGS.month: self.months, ARGS.kind: self.kinds}

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
        return args


def _getlist(args: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        value = args.get(name)
        values = value if isinstance(value, list) else ([] if value is None else [value])
    return [str(v) for v in values if str(v).strip()]


def _date(value: str | None, label: str) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise BadRequest(f"Ngày {label} không hợp lệ: “{value[:40]}” (dùng dạng YYYY-MM-DD, ví dụ 2020-07-16).") from None


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
        date_from=_date(args.get(ARGS.date_from), "bắt đầu"),
        date_to=_date(args.get(ARGS.date_to), "kết thúc"),
        sort=sort,
        page=_int(args.get(ARGS.page), 1, "Số trang", 1, MAX_PAGE),
        per_page=_int(args.get(ARGS.per_page), 10, "Số kết quả mỗi trang", 1, MAX_PER_PAGE),
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
        raise BadRequest("Ngày bắt đầu phải trước ngày kết thúc.")
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


def _result(hit: Any, terms: set[str]) -> dict[str, Any]:
    doc = hit.doc
    return {
        "id": hit.id,
        "path": hit.path,
        "title": doc["title"],
        "title_html": highlight(doc["title"], terms),
        "date": doc.get("date"),
        "datetime": doc.get("datetime"),
        "agency": doc.get("agency"),
        "agency_short": doc.get("agency_short"),
        "units": doc.get("units", []),
        "doc_numbers": doc.get("doc_numbers", []),
        "url": doc.get("url"),
        "kind": doc.get("kind", "tin"),
        "snippet": snippet(doc.get("body", ""), terms),
        "score": round(hit.score, 4),
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
    offset = (params.page - 1) * params.per_page
    result = generation.search(plan, params.filters(), sort=sort, offset=offset, limit=params.per_page)
    terms = plan.highlight_terms() if plan else set()
    suggestion = None
    if not listing and (result.total < 3 or result.relaxed):
        suggestion = did_you_mean(plan, generation)
    return {
        "query": params.q,
        "total": result.total,
        "page": params.page,
        "per_page": params.per_page,
        "pages": max(1, -(-result.total // params.per_page)),
        "sort": params.sort,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "results": [_result(hit, terms) for hit in result.hits],
        "facets": {name: [{"value": v, "count": c} for v, c in values] for name, values in result.facets.items()},
        "filters": params.filter_values(),
        "suggestion": suggestion,
        "relaxed": result.relaxed,
        "partial": result.partial,
        "truncated_query": bool(plan and plan.truncated),
    }


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
