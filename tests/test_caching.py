"""Repeated requests: ETags from the generation and the arguments, 304 on revalidation, each
process's bounded cache of answers emptied by a switch, versioned static files."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer import generations as gen
from test_mapped import publish_copy
from webapp import create_app
from webapp.caching import CACHE_CONTROL, STATIC_CACHE_CONTROL
from webapp.generation import HEADER

PAGES = ["/", "/search?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91", "/api/search?q=y+te&page=2",
         "/search.atom?q=chuyen+doi+so", "/api/search?agency=B%E1%BB%99+Th%C3%B4ng+tin+v%C3%A0+Truy%E1%BB%81n+th%C3%B4ng&sort=newest"]


def app_on(index: Path) -> tuple[Flask, FlaskClient]:
    """A new app on ``index``: its own answer cache, empty."""
    app = create_app({"INDEX_DIR": str(index), "TESTING": True})
    return app, app.test_client()


@pytest.fixture()
def web(corpus_index) -> tuple[Flask, FlaskClient]:
    # the shared index, read only (the app writes nothing into it); a new app and cache each test
    return app_on(corpus_index)


def doc_page(client) -> str:
    return f"/doc/{client.get('/api/search?q=chuyen+doi+so').get_json()['results'][0]['id']}"


def test_answers_carry_a_weak_etag_of_their_generation_and_a_short_cache_life(web):
    app, client = web
    for path in PAGES + [doc_page(client), doc_page(client).replace("/doc/", "/api/doc/")]:
        response = client.get(path)
        assert response.status_code == 200, path
        tag = response.headers["ETag"]
        generation = response.headers[HEADER]
        assert re.fullmatch(rf'W/"{re.escape(generation)}\.[0-9a-f]+"', tag), tag
        assert response.headers["Cache-Control"] == CACHE_CONTROL
        again = client.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag, path
        assert again.headers["Cache-Control"] == CACHE_CONTROL and again.headers.get("Content-Security-Policy")
        # any other tag (another generation, another search) gets the whole answer
        assert client.get(path, headers={"If-None-Match": 'W/"other.0"'}).status_code == 200


def test_the_tag_follows_the_arguments_not_their_order(web):
    _, client = web
    one = client.get("/api/search?q=y+te&year=2020&sort=newest").headers["ETag"]
    assert client.get("/api/search?sort=newest&year=2020&q=y+te").headers["ETag"] == one
    assert client.get("/api/search?q=y+te&year=2021&sort=newest").headers["ETag"] != one
    assert client.get("/search?q=y+te&year=2020&sort=newest").headers["ETag"] != one  # the page, not its JSON twin
    # the feed's links are absolute: another host name is another answer
    feed = client.get("/search.atom?q=y+te")
    other_host = client.get("/search.atom?q=y+te", headers={"Host": "tracuu.example.vn"})
    assert feed.headers["ETag"] != other_host.headers["ETag"] and b"tracuu.example.vn" in other_host.data


def test_errors_and_status_pages_are_not_tagged(web):
    _, client = web
    for path in ("/api/search?page=-1", "/doc/0000000000000000", "/healthz", "/status", "/api/status", "/nope"):
        response = client.get(path)
        assert "ETag" not in response.headers and response.headers.get("Cache-Control") != CACHE_CONTROL, path


def test_a_repeated_request_is_answered_from_the_cache(web):
    app, client = web
    cache = app.extensions["tracuu_cache"]
    first = client.get(PAGES[1])
    hits = cache.hits
    started = time.perf_counter()
    second = client.get(PAGES[1])
    assert cache.hits == hits + 1 and second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert second.content_type == first.content_type
    assert time.perf_counter() - started < 0.5
    api = client.get("/api/search?q=y+te")
    assert client.get("/api/search?q=y+te").get_json() == api.get_json()


def test_the_cache_is_bounded(corpus_index):
    app = create_app({"INDEX_DIR": str(corpus_index), "ANSWER_CACHE_ENTRIES": 3})
    client = app.test_client()
    for page in range(1, 8):
        assert client.get(f"/api/search?page={page}").status_code == 200
    assert len(app.extensions["tracuu_cache"]) == 3
    off = create_app({"INDEX_DIR": str(corpus_index), "ANSWER_CACHE_ENTRIES": 0})
    client = off.test_client()
    client.get(PAGES[1])
    response = client.get(PAGES[1])
    assert len(off.extensions["tracuu_cache"]) == 0 and off.extensions["tracuu_cache"].hits == 0
    assert client.get(PAGES[1], headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_a_new_generation_changes_every_tag_and_empties_the_cache(corpus_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(corpus_index, index)  # a generation is published into it: not into the shared one
    app, client = app_on(index)
    handle, cache = app.extensions["tracuu_index"], app.extensions["tracuu_cache"]
    handle.check_every = 0.0
    before = {path: client.get(path) for path in PAGES}
    assert len(cache) == len(PAGES)
    new = publish_copy(index, gen.current(index), "29990101T000000.000000-1")
    deadline = time.monotonic() + 20
    while handle.serving is None or handle.serving.directory != new:
        client.get("/healthz")  # a request notices CURRENT; the switch happens in the background
        time.sleep(0.05)
        assert time.monotonic() < deadline, "no switch"
    for path, answer in before.items():
        response = client.get(path, headers={"If-None-Match": answer.headers["ETag"]})
        assert response.status_code == 200 and response.headers[HEADER] == new.name, path
        assert response.headers["ETag"] != answer.headers["ETag"]
    assert len(cache) == len(PAGES)  # the old answers went with the switch


def test_static_files_have_versioned_urls_kept_for_a_year(web):
    _, client = web
    page = client.get("/").get_data(as_text=True)
    urls = re.findall(r'"(/static/[^"]+)"', page)
    assert urls and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls), urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == STATIC_CACHE_CONTROL, url
    plain = client.get("/static/site.css")
    assert plain.status_code == 200 and plain.headers.get("Cache-Control") != STATIC_CACHE_CONTROL
    stale = client.get("/static/site.css?v=000000000000")  # an old version's URL: not kept for a year
    assert stale.status_code == 200 and stale.headers.get("Cache-Control") != STATIC_CACHE_CONTROL
