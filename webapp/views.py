"""HTML pages. Each view is a thin call into ``indexer.service``; the JSON twin lives in api.py."""

from __future__ import annotations

import time

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for

from indexer import service

from .api import _valid_id, handle, status_data
from .histogram import histogram_svg

views = Blueprint("views", __name__)


@views.route("/")
def home():
    generation = handle().generation()
    params = service.SearchParams(per_page=5, sort="newest")
    latest = service.search(handle(), params)
    return render_template("home.html", doc_count=generation.doc_count, latest=latest)


@views.route("/search")
def search():
    try:
        params = service.parse_params(request.args)
    except service.BadRequest as err:
        return render_template("search.html", error=str(err), result=None, args={"q": request.args.get("q", "")[:500]}), 400
    result = service.search(handle(), params)
    args = params.as_query_args()
    return render_template("search.html", error=None, result=result, args=args, params=params,
                           histogram=histogram_svg(result, args))


@views.route("/search.atom")
def feed():
    try:
        params = service.parse_params(request.args)
    except service.BadRequest as err:
        return Response(str(err), status=400, mimetype="text/plain")
    if "sort" not in request.args:
        params.sort = "newest"
    result = service.search(handle(), params)
    body = render_template("feed.atom", result=result, args=params.as_query_args(),
                           updated=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return Response(body, mimetype="application/atom+xml")


@views.route("/opensearch.xml")
def opensearch():
    body = render_template("opensearch.xml")
    return Response(body, mimetype="application/opensearchdescription+xml")


@views.route("/doc/<doc_id>")
def doc(doc_id: str):
    found = service.document(handle(), doc_id) if _valid_id(doc_id) else None
    if found is None:
        return render_template("notfound.html"), 404
    return render_template("doc.html", doc=found, back=request.args.get("back"))


@views.route("/healthz")
def healthz():
    try:
        data = status_data()
    except FileNotFoundError as err:
        return jsonify({"status": "no index", "error": str(err)}), 503
    report = data.get("report") or {}
    return jsonify({"status": "ok", "documents": data["documents"], "generation": data["generation"],
                    "built": report.get("started"), "build_seconds": report.get("seconds"), "report": report})


@views.route("/status")
def status():
    return render_template("status.html", data=status_data())


@views.app_errorhandler(404)
def not_found(_err):
    if request.path.startswith("/api/"):
        return jsonify({"error": "Không tìm thấy."}), 404
    return render_template("notfound.html"), 404


@views.app_errorhandler(413)
def too_large(_err):
    return jsonify({"error": "Yêu cầu quá lớn."}), 413


@views.app_errorhandler(500)
def server_error(_err):
    if request.path.startswith("/api/"):
        return jsonify({"error": "Lỗi máy chủ, vui lòng thử lại."}), 500
    return render_template("error.html"), 500
