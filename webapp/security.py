"""Headers and limits every response gets.

* Every response the app makes (pages, JSON, feeds, static files, 4xx and 5xx) carries a
  Content-Security-Policy without inline script, ``nosniff``, a Referrer-Policy and frame denial.
* Request limits, checked before any view runs: a body larger than ``MAX_CONTENT_LENGTH`` is
  refused with 413 (Flask only enforces that limit when a view reads the body, and no view does),
  a query string longer than ``MAX_QUERY_STRING_BYTES`` with 414. Waitress (``__main__.py``)
  refuses still larger request lines and bodies before they reach the app.
* Any other HTTP error Werkzeug raises (400, 405, 414, ...) gets a short Vietnamese message:
  JSON under ``/api/``, the search page's error notice elsewhere, never a bare English page.
* Requests slower than ``SLOW_REQUEST_SECONDS`` are logged with their URL, so a pathological
  query shows up in the server log.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, abort, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# A legitimate search URL: a query of at most 2,000 characters (percent-encoded UTF-8 is up to
# 9 bytes a character) and at most 50 values per filter. Anything longer is not a person typing.
MAX_QUERY_STRING_BYTES = 32 * 1024
SLOW_REQUEST_SECONDS = 2.0

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    405: "Phương thức không được hỗ trợ (chỉ dùng GET).",
    413: "Yêu cầu quá lớn.",
    414: "Địa chỉ yêu cầu quá dài: hãy rút ngắn câu tìm kiếm hoặc bớt bộ lọc.",
    431: "Phần đầu yêu cầu quá lớn.",
}
GENERIC = "Yêu cầu không thể thực hiện."

log = logging.getLogger("webapp.security")


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def install_security(app: Flask) -> None:
    @app.before_request
    def limits() -> None:
        g.tracuu_started = time.perf_counter()
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and (request.content_length or 0) > limit:
            abort(413)
        if len(request.query_string) > app.config.get("MAX_QUERY_STRING_BYTES", MAX_QUERY_STRING_BYTES):
            abort(414)

    @app.after_request
    def headers(response: Response) -> Response:
        started = g.get("tracuu_started")
        if started is not None:
            seconds = time.perf_counter() - started
            if seconds > app.config.get("SLOW_REQUEST_SECONDS", SLOW_REQUEST_SECONDS):
                log.warning("slow request: %.2f s for %s", seconds, request.full_path[:300])
        return security_headers(response)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        # Codes with their own handler (404, 413, 500 in views.py) never get here.
        if err.code is None or err.code < 400:
            return err
        message = MESSAGES.get(err.code, GENERIC)
        if request.path.startswith("/api/"):
            response = jsonify({"error": message})
        elif request.path.endswith((".atom", ".xml")):
            response = Response(message, mimetype="text/plain")
        else:
            response = Response(render_template("search.html", error=message, result=None, args={"q": ""}))
        response.status_code = err.code
        allow = err.get_response().headers.get("Allow")
        if allow:
            response.headers["Allow"] = allow
        return response
