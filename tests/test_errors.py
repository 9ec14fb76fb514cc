"""One error door: before the first build publishes, every route that needs the index answers
503 with Retry-After (JSON under /api/ and for /healthz, a Vietnamese page elsewhere), never 500."""

from __future__ import annotations

import pytest

from indexer import generations as gen
from webapp import create_app

DOC_ID = "0123456789abcdef"
NEEDS_NO_INDEX = {"/opensearch.xml"}


def every_route(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        urls.append(rule.rule.replace("<doc_id>", DOC_ID))
    return sorted(urls)


@pytest.fixture(params=["empty", "unreadable generation"])
def no_index_client(request, tmp_path):
    root = tmp_path / "index"
    root.mkdir()
    if request.param == "unreadable generation":  # published, but not an index
        broken = gen.generations_dir(root) / "broken"
        broken.mkdir(parents=True)
        (broken / "junk").write_text("not an index")
        gen.publish(root, broken)
    return create_app({"INDEX_DIR": str(root), "TESTING": True}).test_client()


def test_every_route_answers_503_before_the_first_build(no_index_client):
    app = no_index_client.application
    routes = every_route(app)
    assert {"/", "/search", "/search.atom", f"/doc/{DOC_ID}", "/status", "/healthz", "/api/search",
            f"/api/doc/{DOC_ID}", "/api/status"} <= set(routes)
    for url in routes:
        for query in ("", "?q=chuyen+doi+so&agency=B%E1%BB%99+Y+t%E1%BA%BF"):
            response = no_index_client.get(url + query)
            if url in NEEDS_NO_INDEX:
                assert response.status_code == 200, url
                continue
            assert response.status_code == 503, (url, response.status_code)
            assert response.headers["Retry-After"].isdigit()
            assert response.headers["Content-Security-Policy"]
            if url.startswith("/api/") or url == "/healthz":
                data = response.get_json()
                assert data["status"] == "unavailable" and "chưa sẵn sàng" in data["error"]
            elif url.endswith(".atom"):
                assert response.mimetype == "text/plain" and "chưa sẵn sàng" in response.get_data(as_text=True)
            else:
                page = response.get_data(as_text=True)
                assert response.mimetype == "text/html" and 'lang="vi"' in page and "Chỉ mục chưa sẵn sàng" in page


def test_healthz_says_why(no_index_client):
    reason = no_index_client.get("/healthz").get_json()["reason"]
    assert "run the build" in reason or "cannot be opened" in reason


def test_bad_parameters_still_win_over_a_missing_index(no_index_client):
    # the parameters are checked first: a request that could never be answered is not told to retry
    assert no_index_client.get("/api/search?from=2020-13-45").status_code == 400
    assert no_index_client.get("/search?page=abc").status_code == 400


def test_errors_take_the_form_of_the_route(client):
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.get_json()["error"]
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html" and "Không tìm thấy" in page.get_data(as_text=True)
    feed = client.get("/search.atom?from=bad")
    assert feed.status_code == 400 and feed.mimetype == "text/plain" and "không hợp lệ" in feed.get_data(as_text=True)
    too_big = client.open("/search", method="GET", data=b"x" * 100_000)
    assert too_big.status_code == 413 and too_big.mimetype == "text/html"
