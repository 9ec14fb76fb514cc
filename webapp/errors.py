"""One door for errors: every exception that carries a status is answered here.

``service.ServiceError`` (``BadRequest`` 400, ``NotFound`` 404, ``IndexUnavailable`` 503 with
``Retry-After``) and Werkzeug's ``HTTPException`` (404 for unknown URLs, 405, 413, 414, 500 for a
bug) are registered once with Flask's ``errorhandler``. The answer's form is decided in one
place, ``answer_format``: JSON under ``/api/`` and for ``/healthz``, plain text for the feed and
the OpenSearch description, a Vietnamese HTML page elsewhere.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer import service

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ (chỉ dùng GET).",
    413: "Yêu cầu quá lớn.",
    414: "Địa chỉ yêu cầu quá dài: hãy rút ngắn câu tìm kiếm hoặc bớt bộ lọc.",
    431: "Phần đầu yêu cầu quá lớn.",
    500: "Lỗi máy chủ, vui lòng thử lại.",
}
GENERIC = "Yêu cầu không thể thực hiện."
PAGES = {404: "notfound.html", 503: "unavailable.html", 500: "error.html"}  # any other error: the search page's notice


def answer_format() -> str:
    """"json", "text" or "html": how this request's errors are answered."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return "json"
    if request.path.endswith((".atom", ".xml")):
        return "text"
    return "html"


def error_response(err: Exception) -> Response | HTTPException:
    if isinstance(err, service.ServiceError):
        status, message = err.status, str(err)
    elif isinstance(err, HTTPException):
        if err.code is None or err.code < 400:
            return err  # redirects (a missing trailing slash) are answers, not errors
        status, message = err.code, MESSAGES.get(err.code, GENERIC)
    else:
        raise TypeError(f"no status for {err!r}")
    extra: dict[str, Any] = err.details() if isinstance(err, service.ServiceError) else {}
    form = answer_format()
    if form == "json":
        response = jsonify({"error": message, **extra})
    elif form == "text":
        response = Response(message, mimetype="text/plain")
    elif status in PAGES:
        response = Response(render_template(PAGES[status], message=message))
    else:
        # the search page with its notice, keeping what was typed
        response = Response(render_template("search.html", error=message, result=None,
                                            args={"q": request.args.get("q", "")[:500]}))
    response.status_code = status
    if isinstance(err, service.IndexUnavailable):
        response.headers["Retry-After"] = str(err.retry_after)
    if isinstance(err, HTTPException):
        allow = err.get_response().headers.get("Allow")
        if allow:
            response.headers["Allow"] = allow
    return response


def install_errors(app: Flask) -> None:
    for kind in (service.ServiceError, HTTPException):
        app.register_error_handler(kind, error_response)
