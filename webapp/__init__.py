"""Tra cứu web app: ``create_app(config)`` builds a Flask app over one index root."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context

from indexer.service import IndexHandle

from .generation import RequestIndex

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_REQUEST_BYTES = 64 * 1024  # searches are GET requests; nothing legitimate sends more
# Templates whose output is markup: autoescaped. Flask's default list misses the Atom feed
# (``feed.atom``), which would put titles, queries and snippets into the XML unescaped.
AUTOESCAPE_SUFFIXES = (".html", ".htm", ".xml", ".xhtml", ".svg", ".atom")


def _autoescape(template_name: str | None) -> bool:
    return template_name is None or template_name.endswith(AUTOESCAPE_SUFFIXES)


def current_index() -> IndexHandle:
    """The index the app serves (one handle per app, made by ``create_app``); within a request,
    the generation it answers from stays the same to its end (``generation.RequestIndex``)."""
    handle = current_app.extensions["tracuu_index"]
    if has_request_context():
        return RequestIndex(handle)  # type: ignore[return-value]
    return handle


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder="static")
    app.config.update(
        INDEX_DIR=os.environ.get("TRACUU_INDEX", "data/index"),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_AS_ASCII=False,
        SITE_NAME="Tra cứu",
        TRUSTED_PROXIES=[a for a in os.environ.get("TRACUU_TRUSTED_PROXIES", "").split(",") if a.strip()],
    )
    app.config.update(config or {})
    app.json.ensure_ascii = False
    app.jinja_env.autoescape = _autoescape
    handle = app.extensions["tracuu_index"] = IndexHandle(Path(app.config["INDEX_DIR"]))

    from .api import api
    from .caching import install_caching
    from .errors import install_errors
    from .generation import install_generation_header
    from .proxy import TrustedProxyFix
    from .security import install_security
    from .views import views

    app.register_blueprint(views)
    app.register_blueprint(api, url_prefix="/api")
    install_security(app)
    install_errors(app)
    install_generation_header(app, handle)
    install_caching(app)
    app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config["TRUSTED_PROXIES"])  # type: ignore[method-assign]

    from .facet_markup import install_facet_markup
    from .filters import install_filters

    install_filters(app)
    install_facet_markup(app)
    return app
