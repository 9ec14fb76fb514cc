"""The JSON API: every page's twin under /api/, same parameters."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from indexer import service

api = Blueprint("api", __name__)


def handle() -> service.IndexHandle:
    return current_app.extensions["tracuu_index"]


@api.errorhandler(service.BadRequest)
def bad_request(err: service.BadRequest):
    return jsonify({"error": str(err)}), 400


@api.route("/search")
def search():
    params = service.parse_params(request.args)
    return jsonify(service.search(handle(), params))


@api.route("/doc/<doc_id>")
def doc(doc_id: str):
    found = service.document(handle(), doc_id) if _valid_id(doc_id) else None
    if found is None:
        return jsonify({"error": "Không tìm thấy văn bản này."}), 404
    return jsonify(found)


@api.route("/status")
def status():
    return jsonify(status_data())


def status_data() -> dict:
    h = handle()
    generation = h.generation()
    return {"status": "ok", "documents": generation.doc_count, "generation": generation.directory.name,
            "report": h.report()}


def _valid_id(doc_id: str) -> bool:
    return len(doc_id) == 16 and all(c in "0123456789abcdef" for c in doc_id)
