"""Several server processes: gunicorn's workers over real HTTP, a worker killed under load, slow
clients, and the generation each answer names."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import threading
import time
import urllib.parse

import pytest

from conftest import Server, raw_request, slow_client
from indexer import generations as gen
from test_mapped import publish_copy
from webapp.generation import HEADER
from webapp.server import child_pids, gunicorn_available

pytestmark = pytest.mark.skipif(not gunicorn_available(), reason="gunicorn runs on Linux only")

CLIENT_TIMEOUT = 2.0  # seconds a client has to send its request, for these servers


@pytest.fixture(scope="module")
def workers(corpus_index, tmp_path_factory):
    """Two gunicorn workers, whatever the cores, with a short request deadline."""
    server = Server(corpus_index, tmp_path_factory.mktemp("workers") / "server.log",
                    ("--workers", "2", "--client-timeout", str(CLIENT_TIMEOUT)))
    yield server
    server.stop()


def wait_for_workers(server, count: int, seconds: float = 30.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = child_pids(server.proc.pid)
        if len(pids) == count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"{child_pids(server.proc.pid)} workers, expected {count}\n{server.output()}")


def test_one_process_per_worker_and_every_answer_names_its_generation(workers):
    assert len(wait_for_workers(workers, 2)) == 2
    status, headers, body = raw_request(workers, "GET", "/healthz")
    live = json.loads(body)["generation"]
    assert status == 200 and headers["server"].startswith("gunicorn") and headers[HEADER.lower()] == live
    for path in ("/search?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91", "/api/search?q=y+te", "/search.atom",
                 "/static/site.css", "/doc/0000000000000000", "/api/doc/zz", "/no/such/page", "/api/search?page=x"):
        for _ in range(4):  # whichever worker answers
            status, headers, _ = raw_request(workers, "GET", path)
            assert headers.get(HEADER.lower()) == live, (path, status, headers)
            assert headers.get("content-security-policy"), path


def test_one_worker_is_served_by_waitress(corpus_index, tmp_path):
    server = Server(corpus_index, tmp_path / "server.log", ("--workers", "1"))
    try:
        status, headers, body = raw_request(server, "GET", "/api/search?q=chuyen+doi+so")
        assert status == 200 and headers["server"] == "tracuu" and json.loads(body)["total"] > 0
        assert headers[HEADER.lower()] == json.loads(raw_request(server, "GET", "/healthz")[2])["generation"]
        assert child_pids(server.proc.pid) == []
    finally:
        server.stop()


class Load(threading.Thread):
    """Clients asking without pause, every failure kept with when it happened."""

    def __init__(self, server, clients: int = 4):
        super().__init__(daemon=True)
        self.server, self.clients = server, clients
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.answered = 0
        self.failures: list[tuple[float, str]] = []
        self.generations: list[tuple[float, str, int]] = []  # (started, X-Tracuu-Generation, client) of each answer

    def client(self, number: int) -> None:
        queries = ["chuyển đổi số", "y te", "hội nghị", "", "Bộ TT&TT", "cải cách hành chính"]
        i = number
        while not self.halt.is_set():
            q = queries[i % len(queries)]
            i += 1
            started = time.monotonic()
            try:
                # 10 s at most: a request left hanging is counted before the test's join gives up
                target = "/api/search?" + urllib.parse.urlencode({"q": q})
                status, headers, body = raw_request(self.server, "GET", target, timeout=10)
                ok = status == 200 and json.loads(body)["total"] >= 0
                what = "" if ok else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as err:
                what = f"{type(err).__name__}: {err}"
            with self.lock:
                if what:
                    self.failures.append((time.monotonic(), what))
                else:
                    self.answered += 1
                    self.generations.append((started, headers.get(HEADER.lower(), ""), number))

    def run(self) -> None:
        threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def test_a_killed_worker_is_replaced_and_the_site_keeps_answering(workers):
    before = wait_for_workers(workers, 2)
    load = Load(workers)
    load.start()
    try:
        time.sleep(1.5)
        answered_before = load.answered
        killed_at = time.monotonic()
        os.kill(before[0], signal.SIGKILL)
        replaced = None
        while time.monotonic() < killed_at + 30:
            pids = child_pids(workers.proc.pid)
            if len(pids) == 2 and before[0] not in pids:
                replaced = pids
                break
            time.sleep(0.05)
        time.sleep(1.5)  # and keep asking on the new pair
        answered_after = load.answered
    finally:
        load.halt.set()
        load.join(timeout=30)
    assert replaced is not None, f"the killed worker was not replaced\n{workers.output()}"
    assert answered_before > 0 and answered_after > answered_before + 5
    # At most the request the killed worker had in hand fails, at once (a closed connection, not
    # a request left hanging until the client's timeout).
    assert len(load.failures) <= 1, load.failures
    for when, what in load.failures:
        assert killed_at <= when < killed_at + 2 and "timed out" not in what, (when - killed_at, what)
    assert raw_request(workers, "GET", "/healthz")[0] == 200


def test_slow_clients_are_cut_off_and_do_not_stop_the_site(workers):
    # As many slow clients as workers, each sending a byte every half second: each is cut off at
    # the request deadline, and requests from others are answered meanwhile.
    results: list[tuple[float, bytes]] = []
    threads = [threading.Thread(target=lambda: results.append(slow_client(workers.port, 0.5, 20)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    answered = []
    while any(t.is_alive() for t in threads):
        started = time.monotonic()
        status, _, _ = raw_request(workers, "GET", "/api/search?q=y+te", timeout=CLIENT_TIMEOUT + 5)
        answered.append((status, time.monotonic() - started))
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    for closed_after, received in results:
        assert closed_after < CLIENT_TIMEOUT + 1.5, (closed_after, received[:100])
        assert b"200 OK" not in received
    assert answered and all(status == 200 for status, _ in answered)
    # a request may wait for a worker to be freed by the deadline, never longer
    assert max(seconds for _, seconds in answered) < CLIENT_TIMEOUT + 1.5, answered


def test_every_worker_follows_a_switch_and_none_takes_a_damaged_generation(corpus_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(corpus_index, index)
    old = gen.current(index)
    server = Server(index, tmp_path / "server.log", ("--workers", "2"))
    load = Load(server)
    try:
        wait_for_workers(server, 2)
        load.start()
        time.sleep(1.0)
        publish_copy(index, old, "29990101T000000.000000-1", damaged=True)
        time.sleep(3.0)  # every worker tries it (CURRENT is checked every second) and keeps the old one
        good = publish_copy(index, old, "29990101T000001.000000-1")
        published = time.monotonic()
        time.sleep(7.0)
    finally:
        load.halt.set()
        load.join(timeout=30)
        server.stop()
    assert load.failures == [], load.failures
    answers = load.generations
    assert {name for started, name, _ in answers if started < published} == {old.name}, "the damaged one was served"
    late = [name for started, name, _ in answers if started >= published + 5.0]
    assert late and set(late) == {good.name}, "a worker still answers from the old generation 5 s after the publish"
    # the workers take it at the same moment: no client sees the new generation, then the old one
    for client in range(load.clients):
        seen = [name for _, name, number in sorted(answers) if number == client]
        assert old.name not in seen[seen.index(good.name):], f"client {client} went back to the old generation"
    assert "could not open the generation" in server.output()
