"""The search service: what the web pages, the JSON API and the CLI all call.

It runs a search on the generation an ``IndexHandle`` serves (``serving.py``) with the
parameters ``parse_params`` read (``params.py``), and shapes the answer: results with their
highlights and snippets, facets, stories, corrections; an article page; the status. What it
cannot answer it raises as a ``ServiceError`` carrying the HTTP status it means (``errors.py``),
for the web app's one error handler. The names of those modules that callers use are imported
here, so that the web app and the command line have one door to the service.
"""

from __future__ import annotations

import time
from typing import Any

from .crawls import captures_of
from .docnumbers import doc_number_key
from .engine import EngineResult, Filters, Generation
from .errors import BadDate, BadRequest, IndexUnavailable, NotFound, PastLastPage, ServiceError, past_last_message
from .params import ARGS, FILTER_ARGS, MAX_FILTER_VALUES, SearchParams, parse_params, valid_id
from .query import QueryPlan, parse_query
from .reading import query_reading, read_plan, searched_as, written_in
from .serving import SWITCH_DELAY, WARM_SECONDS, IndexHandle
from .snippets import highlight_plan, snippet_plan
from .suggest import did_you_mean

__all__ = ["ARGS", "FILTER_ARGS", "MAX_FILTER_VALUES", "SWITCH_DELAY", "WARM_SECONDS", "BadDate", "BadRequest",
           "IndexHandle", "IndexUnavailable", "NotFound", "PastLastPage", "SearchParams", "ServiceError", "document",
           "parse_params", "past_last_message", "search", "status", "totals"]



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


def totals(handle: IndexHandle, variants: list[SearchParams]) -> list[int]:
    """Result counts of one query under several sets of filters (all variants share ``q``)."""
    if not variants:
        return []
    plan = parse_query(variants[0].q) if variants[0].q.strip() else None
    return handle.generation().totals(plan, [v.filters() for v in variants])


def document(handle: IndexHandle, doc_id: str) -> dict[str, Any]:
    """One article with the newest others of its agency and those citing its document numbers;
    ``NotFound`` for an id that is not a live document's (any string may come in the URL)."""
    generation = handle.generation()
    hit = generation.get(doc_id) if valid_id(doc_id) else None
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
