"""The production server (gunicorn, a worker per core; waitress for one) over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def test_server_answers_accented_and_plain_queries(live_server):
    for q in ("chuyển đổi số", "chuyen doi so"):
        status, body = get(f"{live_server.url}/search?q={urllib.parse.quote(q)}")
        assert status == 200 and "<mark>" in body and "Cơ quan" in body
        status, body = get(f"{live_server.url}/api/search?q={urllib.parse.quote(q)}")
        data = json.loads(body)
        assert data["total"] > 0 and data["facets"]["agency"]


def test_server_is_a_worker_per_core(live_server):
    from webapp.server import default_workers, gunicorn_available

    with urllib.request.urlopen(live_server.url + "/healthz", timeout=10) as response:
        several = default_workers() > 1 and gunicorn_available()
        assert response.headers["Server"].startswith("gunicorn") if several else response.headers["Server"] == "tracuu"
