"""The JSON API: every page's twin under /api/, same parameters. Errors are answered by
``errors.py`` (JSON here)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from indexer import service

from . import current_index

api = Blueprint("api", __name__)


@api.route("/search")
def search():
    result = service.search(current_index(), service.parse_params(request.args))
    if result["requested_page"]:
        raise service.PastLastPage(result)  # 404, saying how many pages there are
    return jsonify(result)


@api.route("/doc/<doc_id>")
def doc(doc_id: str):
    return jsonify(service.document(current_index(), doc_id))


@api.route("/status")
def status():
    return jsonify(service.status(current_index()))
