"""Headers and limits every response gets.

* Every response the app makes (pages, JSON, feeds, static files, 4xx and 5xx) carries a
  Content-Security-Policy without inline script, ``nosniff``, a Referrer-Policy and frame denial.
* Request limits, checked before any view runs: a body larger than ``MAX_CONTENT_LENGTH`` is
  refused with 413 (Flask only enforces that limit when a view reads the body, and no view does),
  a query string longer than ``MAX_QUERY_STRING_BYTES`` with 414. Waitress (``__main__.py``)
  refuses still larger request lines and bodies before they reach the app.
* The refusals (413, 414, 405) are answered like any other error, by ``errors.py``.
* Requests slower than ``SLOW_REQUEST_SECONDS`` are logged with their URL, so a pathological
  query shows up in the server log.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, abort, g, request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# A legitimate search URL: a query of at most 2,000 characters (percent-encoded UTF-8 is up to
# 9 bytes a character) and a few filter values (the search reads the first 20 of each filter,
# indexer.service.MAX_FILTER_VALUES). Anything longer is not a person typing.
MAX_QUERY_STRING_BYTES = 32 * 1024
SLOW_REQUEST_SECONDS = 2.0

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
