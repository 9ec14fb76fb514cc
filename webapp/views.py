"""HTML pages. Each view is a thin call into ``indexer.service``; the JSON twin lives in api.py,
errors (bad parameters, unknown ids, no index yet) are answered by errors.py."""

from __future__ import annotations

import time

from flask import Blueprint, Response, jsonify, render_template, request

from indexer import service

from . import current_index
from .filters import FILTER_KEYS, active_filters, with_args
from .histogram import histogram_caption, histogram_mode, histogram_svg

views = Blueprint("views", __name__)


@views.route("/")
def home():
    latest = service.search(current_index(), service.SearchParams(per_page=5, sort="newest"))
    # no query, no filter: the total is every document
    return render_template("home.html", doc_count=latest["total"], latest=latest)


def _params_keeping_the_rest(args) -> tuple[service.SearchParams, dict[str, str], str | None]:
    """The search's parameters, with any date field that cannot be read left out: returns them,
    those fields as typed (the form shows them again, to be corrected) and why they were left
    out. Every other parameter error is the error door's."""
    bad: dict[str, str] = {}
    messages = []
    while True:
        try:
            return service.parse_params(args), bad, " ".join(messages) or None
        except service.BadDate as err:
            if err.field in bad:  # cannot happen: the field is gone; never loop
                raise
            bad[err.field] = str(args.get(err.field, ""))[:40]
            messages.append(str(err))
            args = args.copy()
            args.pop(err.field, None)


@views.route("/search")
def search():
    params, bad_dates, error = _params_keeping_the_rest(request.args)
    result = service.search(current_index(), params)
    args = params.as_query_args()
    mode, _year = histogram_mode(result, args)
    # a date that cannot be read: the search without it, and why (400); a page past the last:
    # the last page, and a notice (404)
    status = 400 if error else 404 if result["requested_page"] else 200
    body = render_template("search.html", error=error, result=result, args=args, params=params,
                           bad_dates=bad_dates, filters=active_filters(args), histogram=histogram_svg(result, args),
                           histogram_caption=histogram_caption(result, args),
                           show_months=mode == "month" or bool(args.get("month")),
                           relaxed=_relaxations(result, args))
    return body, status


def _relaxations(result: dict, args: dict) -> list[dict]:
    """When nothing matched: how many results each active filter hides (the links drop it)."""
    if result["total"] or not any(k in args for k in FILTER_KEYS):
        return []
    found = active_filters(args)[:11]
    if len(found) > 1:
        everything = {k: v for k, v in args.items() if k not in FILTER_KEYS}
        found.append({"kind": "Tất cả bộ lọc", "label": "", "args": everything, "url": with_args(everything)})
    items, variants = [], []
    for item in found:
        try:
            variants.append(service.parse_params({**item["args"], "per_page": 1}))
        except service.BadRequest:
            continue
        items.append(item)
    # one match of the query, counted under each variant of the filters
    counts = service.totals(current_index(), variants)
    return [{**item, "total": total} for item, total in zip(items, counts) if total]


@views.route("/search.atom")
def feed():
    params = service.parse_params(request.args)
    if service.ARGS.sort not in request.args:
        params.sort = "newest"
    result = service.search(current_index(), params)
    args = params.as_query_args()
    if service.ARGS.sort in request.args:  # keep an explicit "relevance" in the feed's own links
        args[service.ARGS.sort] = params.sort
    body = render_template("feed.atom", result=result, args=args,
                           updated=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return Response(body, mimetype="application/atom+xml")


@views.route("/opensearch.xml")
def opensearch():
    body = render_template("opensearch.xml")
    return Response(body, mimetype="application/opensearchdescription+xml")


@views.route("/doc/<doc_id>")
def doc(doc_id: str):
    found = service.document(current_index(), doc_id)
    back = request.args.get("back", "")
    # only a link back to our own search page (never another site: "//evil.example" or "/\\evil")
    if not (back.startswith("/search?") or back == "/search") or any(c in back for c in "\\\r\n"):
        back = None
    return render_template("doc.html", doc=found, back=back)


@views.route("/healthz")
def healthz():
    return jsonify(service.status(current_index()))


@views.route("/status")
def status():
    return render_template("status.html", data=service.status(current_index()))
