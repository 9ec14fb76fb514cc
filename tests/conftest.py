"""Shared fixtures: the real corpus indexed once per session, the app, a real server, Chromium."""

from __future__ import annotations

import http.client
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


# The sample archive holds no reposts. These are made from two of its articles the way portals
# repost: under another agency's header, word for word, a paragraph dropped, or the lead dropped.
REPOSTS = [
    ("mic-gov-vn/2022/huong-ung-ngay-chuyen-doi-so-quoc-gia-lan-dau-tien.html", "sotttt-laocai-gov-vn/2022",
     "Sở Thông tin và Truyền thông tỉnh Lào Cai", "11/10/2022 08:15", "exact"),
    ("mic-gov-vn/2022/huong-ung-ngay-chuyen-doi-so-quoc-gia-lan-dau-tien.html", "stttt-phutho-gov-vn/2022",
     "Sở Thông tin và Truyền thông tỉnh Phú Thọ", "12/10/2022 14:00", "shortened"),
    ("mic-gov-vn/2022/huong-ung-ngay-chuyen-doi-so-quoc-gia-lan-dau-tien.html", "laocaitv-vn/2022",
     "Đài Phát thanh và Truyền hình tỉnh Lào Cai", "13/10/2022 09:30", "relead"),
    ("mic-gov-vn/2020/chuong-trinh-chuyen-doi-so-quoc-gia-doanh-nghiep-nho-va-vua-la-trong-tam.html",
     "tttt-danang-gov-vn/2020", "Sở Thông tin và Truyền thông thành phố Đà Nẵng", "08/10/2020 10:00", "exact"),
]


def write_reposts(root: Path) -> list[str]:
    """The reposts of ``REPOSTS`` written under ``root`` (a copy of corpus/); their paths."""
    from html import escape

    from indexer.extract import extract_file

    paths = []
    for original, folder, agency, when, how in REPOSTS:
        article = extract_file(CORPUS / original, CORPUS)
        paras = [p for p in article.body.split("\n") if p.strip()]
        if how == "shortened":
            paras = paras[:2] + paras[3:]
        elif how == "relead":
            paras = paras[1:]
        body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
        page = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{escape(article.title)}</title>'
                f'<meta property="og:site_name" content="{escape(agency)}"></head><body>'
                f'<div class="banner">{escape(agency)}</div><div class="article"><h1>{escape(article.title)}</h1>'
                f'<p class="date">Ngày đăng: {when}</p>{body}<p>Nguồn: Bộ Thông tin và Truyền thông</p></div></body></html>')
        path = root / folder / (Path(original).stem + f"-dang-lai-{how}.html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        paths.append(path.relative_to(root).as_posix())
    return paths


@pytest.fixture(scope="session")
def repost_archive(tmp_path_factory) -> Path:
    """corpus/ and the reposts of ``REPOSTS``."""
    import shutil

    root = tmp_path_factory.mktemp("reposts") / "archive"
    shutil.copytree(CORPUS, root)
    write_reposts(root)
    return root


@pytest.fixture(scope="session")
def repost_index(repost_archive, corpus_index, tmp_path_factory) -> Path:
    """The archive with reposts built into a real index: stories.npz groups each story's pages."""
    from indexer import generations
    from indexer.build import build

    root = tmp_path_factory.mktemp("repost-index")
    report = build([repost_archive], root, quiet=True)
    assert report.indexed == generations.read_json(generations.current(corpus_index) / "report.json")["indexed"] + len(REPOSTS)
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


def wait_for(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Until ``url`` answers 200; RuntimeError after ``timeout`` seconds, or at once if ``proc``
    (the server behind ``url``) has exited: a crash is not waited out as a timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer within {timeout} s")


def raw_request(server, method: str, target: str, body: bytes | None = None, timeout: float = 30,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request to ``server`` (anything with a loopback ``port``) through http.client exactly as
    given (no normalisation of the target, no Accept-Encoding unless in ``headers``): the status,
    the headers with their names lowercased, the body."""
    headers = headers or {}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        # a Host among ``headers`` replaces the one http.client adds (a proxy's virtual host)
        conn.putrequest(method, target, skip_host="host" in {k.lower() for k in headers}, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            try:
                conn.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may refuse before reading it all; its answer is what counts
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# Never sent whole: at a byte every half second it would take two minutes, and a slow client
# gives up after 20 s; the server must cut it off before that.
SLOW_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + b"s" * 200 + b"\r\n\r\n"


def slow_client(port: int, pause: float = 0.5, seconds: float = 20.0) -> tuple[float, bytes]:
    """Send a request one byte every ``pause`` seconds; return when the server closed the
    connection (seconds after the start) and what it sent, or (inf, ...) if it did not within
    ``seconds``."""
    started = time.monotonic()
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        for byte in SLOW_REQUEST:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break  # closed by the server
            time.sleep(pause)
            if time.monotonic() - started > seconds:
                return float("inf"), received
        sock.settimeout(max(0.1, seconds - (time.monotonic() - started)))
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except OSError:  # reset by the server, or the time left ran out
            pass
    return time.monotonic() - started, received


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


PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def shot(page, tmp_path: Path, name: str, full_page: bool = False) -> Path:
    """A screenshot to look at, named for the page's size (``reader_page``): under
    $TRACUU_SCREENSHOTS when set (to look at them all in one folder), else the test's tmp_path."""
    folder = Path(os.environ.get("TRACUU_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{page.label}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(params=[("desktop", True), ("phone", True), ("phone", False)], ids=["1280", "375", "375-nojs"])
def reader_page(request, browser):
    """A Chromium page as a reader has it: 1280 px, or a 375 px phone with and without JavaScript,
    in an English browser (dates must still read day first). Fails the test on a script error."""
    size, js = request.param
    context = browser.new_context(viewport=DESKTOP if size == "desktop" else PHONE, java_script_enabled=js,
                                  locale="en-US")
    page = context.new_page()
    page.label = request.node.callspec.id
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    assert not errors, errors
    context.close()
