"""Repeated requests answered for (almost) nothing.

A search page, its JSON twin, the feed, an article page and the home page depend only on the
generation they are answered from, the URL (path and arguments, in any order), the address the
site is reached at (absolute links) and the site's own code. So, before any work:

* **ETag** ``W/"<generation>.<digest>"``, the digest of the code's version, the path, the
  arguments sorted by name and the site's root URL; weak, because an answer may differ in bytes
  that do not matter (the seconds a search took, the feed's timestamp). With ``Cache-Control:
  public, max-age=60`` a browser or proxy keeps an answer a minute, then revalidates: an
  ``If-None-Match`` that names the tag gets ``304 Not Modified`` without a search. A new
  generation changes every tag.
* **A bounded cache of answers in each worker**, keyed the same way: a repeated request is
  answered from it without parsing, searching or rendering. It holds at most ``CACHE_ENTRIES``
  answers and ``CACHE_BYTES`` bytes, least recently used out first, and is emptied as soon as the
  worker answers from a new generation.
* **Static files** get a version in their URLs (``/static/site.css?v=<digest of the file>``), so
  they can be kept for a year (by nginx in ``deploy/``, or by the app when it serves them): a
  changed file is a new URL.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

from indexer.service import IndexUnavailable

from . import TEMPLATES, current_index

# The answers that depend on nothing but the generation, the URL and the code.
CACHEABLE = {"views.home", "views.search", "views.feed", "views.doc", "api.search", "api.doc"}
CACHE_CONTROL = "public, max-age=60"
STATIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
CACHE_ENTRIES = 1024
CACHE_BYTES = 16 * 1024 * 1024  # per process: ~160 search pages; N processes hold N of it
CODE = Path(__file__).resolve().parent.parent


def code_version() -> str:
    """What the answers' code is: the package's version and the size and time of every template,
    static file and source file, so that a new release changes every tag."""
    try:
        version = metadata.version("tracuu")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256(version.encode())
    for folder, pattern in ((TEMPLATES, "*"), (CODE / "webapp", "**/*"), (CODE / "indexer", "**/*.py")):
        for path in sorted(folder.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path.relative_to(CODE)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@dataclass
class Cached:
    body: bytes
    content_type: str


class AnswerCache:
    """Answers by key, least recently used dropped first, for one generation at a time."""

    def __init__(self, entries: int = CACHE_ENTRIES, size: int = CACHE_BYTES):
        self.entries, self.size = entries, size
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, Cached] = OrderedDict()
        self._held = 0
        self._generation: str | None = None
        self.hits = 0

    def _follow(self, generation: str) -> None:
        if generation != self._generation:  # a switch: every answer held is of the old one
            self._answers.clear()
            self._held = 0
            self._generation = generation

    def get(self, generation: str, key: str) -> Cached | None:
        with self._lock:
            self._follow(generation)
            found = self._answers.get(key)
            if found is None:
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return found

    def put(self, generation: str, key: str, answer: Cached) -> None:
        if len(answer.body) > self.size // 16:
            return  # one answer may not push out a sixteenth of the others
        with self._lock:
            if generation != self._generation:
                return  # answered from a generation that is no longer served
            old = self._answers.pop(key, None)
            self._held -= len(old.body) if old else 0
            self._answers[key] = answer
            self._held += len(answer.body)
            while self._held > self.size or len(self._answers) > self.entries:
                _, dropped = self._answers.popitem(last=False)
                self._held -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._answers)


def request_key(version: str) -> str:
    """The digest of what the answer depends on besides the generation."""
    args = sorted(request.args.items(multi=True), key=lambda item: item[0])  # stable: values keep their order
    environ = request.environ  # the site's root as the links are made from it (request.root_url, for less)
    parts = [version, environ["wsgi.url_scheme"], environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
             request.script_root, request.path, *(f"{k}={v}" for k, v in args)]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def file_version(folder: Path, filename: str, known: dict[str, str]) -> str | None:
    if filename not in known:
        path = (folder / filename).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            return None
        known[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return known[filename]


def install_caching(app: Flask) -> AnswerCache:
    version = code_version()
    cache = app.extensions["tracuu_cache"] = AnswerCache(int(app.config.get("ANSWER_CACHE_ENTRIES", CACHE_ENTRIES)))
    static_folder = Path(app.static_folder or "")
    static_versions: dict[str, str] = {}

    @app.before_request
    def answer_from_cache() -> Response | None:
        if request.method not in ("GET", "HEAD") or request.endpoint not in CACHEABLE:
            return None
        try:
            generation = current_index().generation().directory.name  # the one this request keeps
        except IndexUnavailable:
            return None  # the view says why, after checking the parameters
        key = request_key(version)
        g.tracuu_cache = (generation, key)
        if request.if_none_match.contains_weak(f"{generation}.{key}"):
            return Response(status=304)
        found = cache.get(generation, key) if cache.entries else None
        if found is None:
            return None
        g.tracuu_cached = True
        return Response(found.body, content_type=found.content_type)

    @app.after_request
    def tag_and_keep(response: Response) -> Response:
        if request.endpoint == "static":
            if request.args.get("v") and request.args.get("v") == file_version(
                    static_folder, request.view_args.get("filename", "") if request.view_args else "", static_versions):
                response.headers["Cache-Control"] = STATIC_CACHE_CONTROL
            return response
        tagged = g.get("tracuu_cache")
        if tagged is None or response.status_code not in (200, 304):
            return response
        generation, key = tagged
        response.set_etag(f"{generation}.{key}", weak=True)
        response.headers["Cache-Control"] = CACHE_CONTROL
        if response.status_code == 200 and not g.get("tracuu_cached") and not response.is_streamed and cache.entries:
            cache.put(generation, key, Cached(response.get_data(), response.content_type or ""))
        return response

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            found = file_version(static_folder, values["filename"], static_versions)
            if found:
                values["v"] = found

    return cache
