"""Shared fixtures: the real corpus indexed once per session, the app, a real server, Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
CHROMIUM = Path("/usr/bin/chromium")


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/{'/'.join(parts)} is not present beside the repository")
    return path


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """corpus/ built into a real index (real pyvi, real Whoosh), once for the whole run."""
    from indexer.build import build

    root = tmp_path_factory.mktemp("corpus-index")
    report = build([CORPUS], root, quiet=True)
    assert report.indexed > 0
    return root


@pytest.fixture(scope="session")
def app(corpus_index):
    from webapp import create_app

    return create_app({"INDEX_DIR": str(corpus_index), "TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer within {timeout} s")


class Server:
    """``python -m webapp`` as in production (gunicorn, a worker per core; ``args`` such as
    ``--workers 1`` added); its output goes to a file, never to a pipe nobody reads (a full pipe
    would block the server)."""

    def __init__(self, index: Path, log: Path, args: tuple[str, ...] = ()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "webapp", "--index", str(index), "--port", str(self.port), *args],
            cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT,
        )
        try:
            wait_for(self.url + "/healthz", timeout=60)
        except RuntimeError:
            self.stop()
            raise

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        stop_process(self.proc)
        self._out.close()


def stop_process(proc: subprocess.Popen, seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited ``seconds`` later."""
    proc.terminate()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def live_server(corpus_index, tmp_path_factory):
    """The production server (``python -m webapp``: gunicorn, a worker per core) on a free loopback port."""
    server = Server(corpus_index, tmp_path_factory.mktemp("server") / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()
