"""A bounded load test for a running Tra cứu server on this machine (127.0.0.1 only).

    python bench/load.py [URL] [--clients 20] [--seconds 60]
    python bench/load.py --index data/index [--clients 10 --seconds 15]
    python bench/load.py --index /tmp/idx --during-rebuild corpus

N client threads, each with one keep-alive HTTP connection, send a fixed mix of requests for S
seconds and stop by themselves: accented, unaccented, quoted phrases, document numbers, agency
and year filters, date ranges, page 2, the match-all listing with its facets, the Atom feed and
article pages whose ids come from the server's own results. It prints requests per second, the
50th/95th/99th percentile latency and the errors (any status outside 2xx, timeouts, refused or
dropped connections), in total and per kind of request.

``--index DIR`` starts the production server itself (``python -m webapp --index DIR`` on a free
port) and stops it at the end. ``--during-rebuild SOURCE`` (with ``--index``) runs one full build
(``python -m indexer build --source SOURCE --index DIR --full``) while the load runs and reports
what clients saw during it: the site must keep answering while a new generation is published.

Only the standard library is used. The target must be 127.0.0.1: this tool never loads anything
else.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_HOST = "127.0.0.1"
MAX_SECONDS = 3600
MAX_CLIENTS = 200

# The fixed mix: (kind, path). Document numbers and words are those of the sample corpus and of
# the generated archives; on another index they simply find fewer pages, which is still load.
QUERIES: list[tuple[str, str]] = [
    ("accented", "/search?q=chuyển đổi số"),
    ("accented", "/api/search?q=cải cách hành chính"),
    ("accented", "/search?q=thủ tục hành chính trực tuyến"),
    ("accented", "/api/search?q=giáo dục đào tạo"),
    ("unaccented", "/search?q=chuyen doi so"),
    ("unaccented", "/api/search?q=y te co so"),
    ("unaccented", "/search?q=du lich van hoa"),
    ("phrase", '/search?q="chuyển đổi số"'),
    ("phrase", '/api/search?q="hành chính" "trực tuyến"'),
    ("docnumber", "/search?q=458/TB-VP"),
    ("docnumber", "/api/search?q=96/TB-VP"),
    ("abbreviation", "/search?q=Bộ TT&TT"),
    ("filter", "/search?q=chuyen doi so&agency={agency}"),
    ("filter", "/api/search?agency={agency}&year={year}"),
    ("filter", "/search?q=hội nghị&from={year}-01-01&to={year}-12-31&sort=newest"),
    ("page2", "/search?q=chuyen doi so&page=2"),
    ("page2", "/api/search?q=hoạt động&page=2&per_page=20"),
    ("match-all", "/search"),
    ("match-all", "/api/search?sort=newest"),
    ("feed", "/search.atom?q=chuyen doi so"),
    ("doc", "{doc}"),
    ("doc", "{doc}"),
    ("doc", "/api{doc}"),
]


def quote_path(path: str) -> str:
    """Percent-encode a readable path and query (Vietnamese, spaces, quotes)."""
    base, _, query = path.partition("?")
    if not query:
        return urllib.parse.quote(base)
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return urllib.parse.quote(base) + "?" + urllib.parse.urlencode(pairs)


def check_url(url: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "http" or parsed.hostname != ALLOWED_HOST:
        raise SystemExit(f"load.py only loads http://{ALLOWED_HOST}:PORT (a server on this machine), not {url!r}")
    return ALLOWED_HOST, parsed.port or 80


def free_port() -> int:
    with socket.socket() as s:
        s.bind((ALLOWED_HOST, 0))
        return s.getsockname()[1]


@dataclass
class Sample:
    kind: str
    started: float  # monotonic seconds
    seconds: float
    status: int  # 0 = timeout or connection error
    error: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Client(threading.Thread):
    def __init__(self, number: int, host: str, port: int, paths: list[tuple[str, str]], stop_at: list[float],
                 recorder: Recorder, timeout: float):
        super().__init__(name=f"client-{number}", daemon=True)
        self.host, self.port, self.paths = host, port, paths
        self.stop_at, self.recorder, self.timeout = stop_at, recorder, timeout
        self.position = number * 7 % len(paths)  # clients start at different places in the mix
        self.conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        while time.monotonic() < self.stop_at[0]:
            kind, path = self.paths[self.position]
            self.position = (self.position + 1) % len(self.paths)
            self.recorder.add(self.fetch(kind, path))
        if self.conn is not None:
            self.conn.close()

    def fetch(self, kind: str, path: str) -> Sample:
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request("GET", path, headers={"User-Agent": "tracuu-load"})
            response = self.conn.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            status, error = response.status, ("" if 200 <= response.status < 300 else f"HTTP {response.status}")
        except (OSError, http.client.HTTPException) as err:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            status, error = 0, ("timeout" if isinstance(err, (socket.timeout, TimeoutError)) else type(err).__name__)
        return Sample(kind, started, time.monotonic() - started, status, error)


def get_json(host: str, port: int, path: str, timeout: float = 30.0) -> dict:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        return json.loads(body)
    finally:
        conn.close()


def wait_ready(host: str, port: int, seconds: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode} before answering")
        try:
            get_json(host, port, "/healthz", timeout=2)
            return
        except (OSError, RuntimeError, ValueError):
            time.sleep(0.2)
    raise SystemExit(f"no answer from http://{host}:{port}/healthz within {seconds:.0f} s")


def build_mix(host: str, port: int) -> list[tuple[str, str]]:
    """The fixed mix with its placeholders filled from the server: the biggest agency, the
    newest year, and article ids from a few searches."""
    listing = get_json(host, port, "/api/search?per_page=20&sort=newest")
    agencies = [f["value"] for f in listing["facets"].get("agency", [])]
    years = [f["value"] for f in listing["facets"].get("year", [])]
    docs = [r["id"] for r in listing["results"]]
    for q in ("chuyển đổi số", "chuyen doi so", "hành chính"):
        docs += [r["id"] for r in get_json(host, port, "/api/search?" + urllib.parse.urlencode({"q": q}))["results"]]
    docs = list(dict.fromkeys(docs)) or ["0000000000000000"]
    agency, year = (agencies or [""])[0], (years or ["2020"])[0]
    mix: list[tuple[str, str]] = []
    doc_turn = 0
    for kind, path in QUERIES:
        if "{doc}" in path:
            path = path.replace("{doc}", f"/doc/{docs[doc_turn % len(docs)]}")
            doc_turn += 1
        path = path.replace("{agency}", agency).replace("{year}", str(year))
        mix.append((kind, quote_path(path)))
    # More article pages, from the rest of the ids, so the mix is not one hot page.
    for i, doc_id in enumerate(docs[doc_turn:doc_turn + 6]):
        mix.append(("doc", f"/doc/{doc_id}" if i % 2 == 0 else f"/api/doc/{doc_id}"))
    return mix


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def summarize(samples: list[Sample], seconds: float) -> dict:
    latencies = sorted(s.seconds for s in samples)
    errors: dict[str, int] = {}
    for s in samples:
        if s.error:
            errors[s.error] = errors.get(s.error, 0) + 1
    return {
        "requests": len(samples),
        "seconds": round(seconds, 2),
        "requests_per_second": round(len(samples) / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else float("nan"),
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


def print_summary(title: str, summary: dict) -> None:
    print(f"{title}: {summary['requests']} requests in {summary['seconds']} s = "
          f"{summary['requests_per_second']} req/s; latency p50 {summary['p50_ms']} ms, "
          f"p95 {summary['p95_ms']} ms, p99 {summary['p99_ms']} ms, max {summary['max_ms']} ms; "
          f"errors {summary['errors']}{' ' + json.dumps(summary['error_kinds']) if summary['errors'] else ''}")


def start_server(index: Path, port: int, threads: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "webapp", "--index", str(index), "--host", ALLOWED_HOST, "--port", str(port),
           "--threads", str(threads)]
    print("starting:", " ".join(cmd), flush=True)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Rebuild(threading.Thread):
    """One full build of the served index, started after a warm-up, timed."""

    def __init__(self, source: Path, index: Path, delay: float, timeout: float):
        super().__init__(name="rebuild", daemon=True)
        self.source, self.index, self.delay, self.timeout = source, index, delay, timeout
        self.started: float | None = None
        self.finished: float | None = None
        self.returncode: int | None = None
        self.output = ""

    def run(self) -> None:
        time.sleep(self.delay)
        cmd = [sys.executable, "-m", "indexer", "build", "--source", str(self.source), "--index", str(self.index),
               "--full"]
        print("rebuilding:", " ".join(cmd), flush=True)
        self.started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            out, _ = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            out += f"\n(killed after {self.timeout:.0f} s)"
        self.finished = time.monotonic()
        self.returncode = proc.returncode
        self.output = out.strip().splitlines()[-1] if out.strip() else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000",
                        help="a running server on 127.0.0.1 (default http://127.0.0.1:8000)")
    parser.add_argument("-c", "--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("-s", "--seconds", type=float, default=60.0, help="duration of the load (default 60)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds (default 10)")
    parser.add_argument("--index", type=Path, help="start `python -m webapp --index DIR` on a free port and stop it")
    parser.add_argument("--server-threads", type=int, default=8, help="waitress threads when --index starts it")
    parser.add_argument("--during-rebuild", type=Path, metavar="SOURCE",
                        help="with --index: run one full build of SOURCE into DIR while the load runs")
    parser.add_argument("--rebuild-timeout", type=float, default=1800.0)
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args(argv)

    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be 1..{MAX_CLIENTS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}]")
    if args.during_rebuild and not args.index:
        parser.error("--during-rebuild needs --index (the index the server serves and the build rewrites)")
    if args.during_rebuild and not args.during_rebuild.exists():
        parser.error(f"no such source: {args.during_rebuild}")

    host, port = check_url(args.url)  # refused before anything else unless it is 127.0.0.1
    proc = None
    if args.index:
        if not args.index.exists():
            parser.error(f"no index at {args.index}")
        port = free_port()
        host = ALLOWED_HOST
        proc = start_server(args.index.resolve(), port, args.server_threads)
    try:
        wait_ready(host, port, 60, proc)
        mix = build_mix(host, port)
        before = get_json(host, port, "/healthz")
        print(f"target http://{host}:{port}: {before['documents']} documents, generation {before['generation']}; "
              f"{args.clients} clients for {args.seconds:g} s over a mix of {len(mix)} requests", flush=True)

        recorder = Recorder()
        rebuild = None
        begin = time.monotonic()
        stop_at = [begin + args.seconds]
        if args.during_rebuild:
            stop_at[0] = begin + MAX_SECONDS + args.rebuild_timeout  # until the build is done (below)
            rebuild = Rebuild(args.during_rebuild.resolve(), args.index.resolve(), delay=min(5.0, args.seconds / 4),
                              timeout=args.rebuild_timeout)
            rebuild.start()
        clients = [Client(i, host, port, mix, stop_at, recorder, args.timeout) for i in range(args.clients)]
        for client in clients:
            client.start()
        if rebuild is not None:
            # Keep the load on until the build is done and a little after, so the switch to the
            # new generation happens under load; the build itself is bounded by its timeout.
            rebuild.join()
            stop_at[0] = max(begin + args.seconds, time.monotonic() + 3.0)
        for client in clients:
            client.join(timeout=max(0.0, stop_at[0] - time.monotonic()) + args.timeout + 5)
        elapsed = max(s.started + s.seconds for s in recorder.samples) - begin if recorder.samples else 0.0

        samples = list(recorder.samples)
        overall = summarize(samples, elapsed)
        print_summary("all", overall)
        for kind in dict.fromkeys(k for k, _ in mix):
            part = [s for s in samples if s.kind == kind]
            if part:
                print_summary(f"  {kind:<12}", summarize(part, elapsed))
        report = {"clients": args.clients, "overall": overall}
        if rebuild is not None:
            after = get_json(host, port, "/healthz")
            during = [s for s in samples if rebuild.started is not None and rebuild.finished is not None
                      and rebuild.started <= s.started <= rebuild.finished + 1.0]
            window = (rebuild.finished or 0) - (rebuild.started or 0) + 1.0
            summary = summarize(during, window)
            print(f"rebuild: exit {rebuild.returncode} in {window - 1.0:.1f} s ({rebuild.output}); "
                  f"generation {before['generation']} -> {after['generation']}")
            print_summary("during rebuild", summary)
            report["rebuild"] = {"returncode": rebuild.returncode, "seconds": round(window - 1.0, 2),
                                 "generation_before": before["generation"], "generation_after": after["generation"],
                                 "during": summary}
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
        failed = overall["errors"] > 0 or (rebuild is not None and rebuild.returncode != 0)
        return 1 if failed else 0
    finally:
        if proc is not None:
            stop_process(proc)


if __name__ == "__main__":
    sys.exit(main())
