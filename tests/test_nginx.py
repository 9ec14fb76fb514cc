"""The reverse proxy of deploy/: Debian's nginx with our site, in front of two gunicorn workers.

nginx runs as the test's user, with its own prefix, temporary folders, log and pid file under the
test's temporary folder, on a free loopback port (no system nginx service is touched). The site
file is used as shipped, with only its addresses, its static folder and (for the slow-client test)
its header timeout replaced."""

from __future__ import annotations

import gzip
import json
import os
import pwd
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, Server, free_port, raw_request, slow_client, stop_process, wait_for
from webapp import security
from webapp.generation import HEADER
from webapp.server import gunicorn_available

NGINX = Path("/usr/sbin/nginx")
SITE = ROOT / "deploy" / "nginx-tracuu.conf"
HEADER_TIMEOUT = 2  # seconds, instead of the site's 10, so that the test waits less

pytestmark = [
    pytest.mark.skipif(not NGINX.exists(), reason="Debian's nginx is not installed (make test installs it)"),
    pytest.mark.skipif(not gunicorn_available(), reason="gunicorn runs on Linux only"),
]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the site file should hold {old!r} once"
    return text.replace(old, new)


class Nginx:
    def __init__(self, prefix: Path, upstream_port: int):
        self.port = free_port()
        self.prefix = prefix
        (prefix / "temp").mkdir(parents=True)
        site = SITE.read_text(encoding="utf-8")
        site = replace_once(site, "listen 80;", f"listen 127.0.0.1:{self.port};")
        site = replace_once(site, "    listen [::]:80;\n", "")
        site = replace_once(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
        site = replace_once(site, "alias /opt/tracuu/webapp/static/;", f"alias {ROOT}/webapp/static/;")
        site = replace_once(site, "client_header_timeout 10s;", f"client_header_timeout {HEADER_TIMEOUT}s;")
        (prefix / "tracuu.conf").write_text(site, encoding="utf-8")
        temp = prefix / "temp"
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(f"""
{user}
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {prefix}/tracuu.conf;
}}
""", encoding="utf-8")
        command = [str(NGINX), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # given the process, wait_for stops at once if nginx exits: its log says why
            wait_for(f"http://127.0.0.1:{self.port}/healthz", timeout=20, proc=self.proc)
        except RuntimeError as err:
            self.stop()
            raise AssertionError(f"{err}\n{self.log()}") from None

    def log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture(scope="module")
def proxy(corpus_index, tmp_path_factory):
    workers = Server(corpus_index, tmp_path_factory.mktemp("behind") / "server.log",
                     ("--workers", "2", "--trusted-proxy", "127.0.0.1"))
    nginx = None
    try:
        nginx = Nginx(tmp_path_factory.mktemp("nginx"), workers.port)
        yield nginx
    finally:
        if nginx is not None:
            nginx.stop()
        workers.stop()


SECURITY = {"content-security-policy": security.CSP, "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin", "x-frame-options": "DENY"}


def assert_security_headers(headers: dict) -> None:
    for name, value in SECURITY.items():
        assert headers.get(name) == value, (name, headers)


def test_a_search_through_the_proxy(proxy):
    status, headers, body = raw_request(proxy, "GET", "/search?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91",
                                        headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["server"] == "nginx"
    assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers.get("vary", "")
    page = gzip.decompress(body).decode("utf-8")
    assert "<mark>" in page and len(page) > 4 * len(body)
    assert_security_headers(headers)
    assert headers[HEADER.lower()] and headers["etag"].startswith('W/"') and headers["cache-control"]
    status, headers, body = raw_request(proxy, "GET", "/api/search?q=chuyen+doi+so")
    assert status == 200 and json.loads(body)["total"] > 0 and headers[HEADER.lower()]


def test_revalidation_through_the_proxy_is_304(proxy):
    path = "/api/search?q=y+te&page=2"
    for encoding in ("gzip", "identity"):
        status, headers, _ = raw_request(proxy, "GET", path, headers={"Accept-Encoding": encoding})
        assert status == 200
        status, again, body = raw_request(proxy, "GET", path,
                                          headers={"Accept-Encoding": encoding, "If-None-Match": headers["etag"]})
        assert status == 304 and body == b"" and again["etag"] == headers["etag"]
        assert_security_headers(again)


def test_static_files_are_served_by_nginx_with_long_cache_and_the_app_headers(proxy):
    status, _, body = raw_request(proxy, "GET", "/")
    urls = re.findall(r'"(/static/[^"]+\?v=[0-9a-f]+)"', body.decode("utf-8"))
    assert status == 200 and urls
    for url in urls:
        status, headers, body = raw_request(proxy, "GET", url, headers={"Accept-Encoding": "gzip"})
        assert status == 200 and body
        assert HEADER.lower() not in headers, "answered by the app, not by nginx"
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        assert_security_headers(headers)
    expected = (ROOT / "webapp" / "static" / "site.css").read_bytes()
    status, headers, body = raw_request(proxy, "GET", "/static/site.css")
    assert status == 200 and body == expected and headers["cache-control"] == "no-cache"
    status, headers, _ = raw_request(proxy, "GET", "/static/nope.css")
    assert status == 404 and HEADER.lower() not in headers
    status, _, body = raw_request(proxy, "GET", "/static/../webapp/__init__.py")
    assert status in (400, 404) and b"import" not in body


def test_the_app_reads_forwarded_headers_from_the_proxy(proxy):
    status, _, body = raw_request(proxy, "GET", "/opensearch.xml", headers={"Host": "tracuu.example.vn"})
    assert status == 200
    # the host and port nginx was reached at, not the workers' address
    assert f"http://tracuu.example.vn:{proxy.port}/search?q=" in body.decode("utf-8")
    status, _, body = raw_request(proxy, "GET", "/opensearch.xml", headers={
        "Host": "tracuu.example.vn", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert b"evil.example" not in body and b"https://" not in body  # nginx sets these itself


def test_request_limits(proxy):
    status, headers, _ = raw_request(proxy, "POST", "/api/search?q=y+te", b"x" * 100_000)
    assert status == 413
    status, headers, body = raw_request(proxy, "GET", "/api/search?q=" + "a" * 40_000)
    assert status == 414 and json.loads(body)["error"]  # the app's own answer, in Vietnamese
    assert_security_headers(headers)


def test_slow_clients_never_reach_a_worker(proxy):
    # More slow clients than workers: nginx holds them, cuts them off after its header timeout,
    # and the workers keep answering everybody else at once.
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(slow_client(proxy.port))) for _ in range(6)]
    for thread in threads:
        thread.start()
    answered = []
    while any(t.is_alive() for t in threads):
        started = time.monotonic()
        status, _, _ = raw_request(proxy, "GET", "/api/search?q=y+te")
        answered.append((status, time.monotonic() - started))
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    assert len(results) == 6
    for seconds, data in results:
        assert seconds < HEADER_TIMEOUT + 2 and b"200 OK" not in data, (seconds, data[:200])
    assert answered and all(status == 200 for status, _ in answered)
    assert max(seconds for _, seconds in answered) < 1.0, answered


def test_too_many_requests_from_one_address_get_429(proxy):
    statuses = []
    for _ in range(80):
        status, headers, body = raw_request(proxy, "GET", "/healthz")
        statuses.append(status)
        if status == 429:
            assert headers["retry-after"] and "yêu cầu" in body.decode("utf-8")
            assert_security_headers(headers)
    assert statuses[0] == 200 and 429 in statuses, statuses
