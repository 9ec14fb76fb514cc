"""A bounded load test of Tra cứu servers on this machine (127.0.0.1 only).

    python bench/load.py --index bench/out/index-bench-20000            # 1 worker, then one per core
    python bench/load.py --index DIR --workers 1 --workers 2 --clients 20 --seconds 60
    python bench/load.py --index DIR --during-rebuild bench/out/archive-bench-20000
    python bench/load.py [URL] [--clients 20] [--seconds 60] [--pid PID]   # a server already running

N client threads, each with one HTTP connection (kept alive when the server allows), send a
fixed mix of requests for S seconds and stop by themselves: accented, unaccented, quoted phrases,
document numbers, agency and year filters, date ranges, page 2, the match-all listing with its
facets, the Atom feed and article pages whose ids come from the server's own results. Every
request of the mix carries its own ``_nc=<n>`` argument, which the site ignores but which makes it
a URL no cache has seen: the figures are the cost of real searches (``--cached`` sends the mix as
is). It prints requests per second, the 50th/95th/99th percentile latency and the errors (any
status outside 2xx, timeouts, refused or dropped connections), in total and per kind.

``--index DIR`` starts the production server itself, ``python -m webapp --server gunicorn
--workers W`` on a free port, once for each ``--workers`` (default: 1, then one per core), runs
the same load against each, and prints them side by side with the ratio of requests per second.
For each it also reads, from /proc:

* **server CPU per request**: the CPU seconds of the arbiter and its workers (those that exited
  included, through the arbiter's children's times) over the run, divided by the requests: what
  a request costs, whatever else the machine was doing. The load generator's own CPU (this
  process; on a 2-core machine it competes with the server) and the rest of the machine's are
  printed beside it, with the load average.
* **memory**: the total PSS (proportional set size: a page shared by k processes counts 1/k in
  each) of the arbiter and all workers, sampled every half second (peak and at the end), from
  ``/proc/PID/smaps_rollup``.
* **repeated searches** (``--repeat R``, default 300): one client asks the same search R times,
  then R times more with the ETag it got (``If-None-Match``): server CPU per answer from the
  workers' cache of answers, and per ``304``.

``--during-rebuild SOURCE`` then runs one full build of SOURCE into DIR under the same load on the
last server, keeps the load on until the new generation is served, and reports the errors during
the build and, from the ``X-Tracuu-Generation`` of every answer and the moment ``CURRENT`` changed,
when the last answer from the old generation and the first from the new one were started (every
worker serves the new one once no request started later gets the old one).

Only the standard library is used (and ``webapp.server.child_pids`` to find the workers).
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
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp.server import child_pids, default_workers, gunicorn_available  # noqa: E402

ALLOWED_HOST = "127.0.0.1"
MAX_SECONDS = 3600
MAX_CLIENTS = 200
GENERATION_HEADER = "X-Tracuu-Generation"
TICKS = os.sysconf("SC_CLK_TCK")

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
REPEATED = "/search?q=chuyển đổi số"  # the search asked again and again


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
    generation: str = ""  # X-Tracuu-Generation of the answer


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Client(threading.Thread):
    def __init__(self, number: int, host: str, port: int, paths: list[tuple[str, str]], stop_at: list[float],
                 recorder: Recorder, timeout: float, bust: bool = True):
        super().__init__(name=f"client-{number}", daemon=True)
        self.host, self.port, self.paths = host, port, paths
        self.stop_at, self.recorder, self.timeout, self.bust = stop_at, recorder, timeout, bust
        self.number = number
        self.position = number * 7 % len(paths)  # clients start at different places in the mix
        self.sent = 0
        self.conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        while time.monotonic() < self.stop_at[0]:
            kind, path = self.paths[self.position]
            self.position = (self.position + 1) % len(self.paths)
            if self.bust:
                self.sent += 1
                path += f"{'&' if '?' in path else '?'}_nc={self.number}-{self.sent}"
            self.recorder.add(self.fetch(kind, path))
        if self.conn is not None:
            self.conn.close()

    def fetch(self, kind: str, path: str) -> Sample:
        started = time.monotonic()
        generation = ""
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request("GET", path, headers={"User-Agent": "tracuu-load"})
            response = self.conn.getresponse()
            response.read()
            generation = response.getheader(GENERATION_HEADER, "")
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            status, error = response.status, ("" if 200 <= response.status < 300 else f"HTTP {response.status}")
        except (OSError, http.client.HTTPException) as err:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            status, error = 0, ("timeout" if isinstance(err, (socket.timeout, TimeoutError)) else type(err).__name__)
        return Sample(kind, started, time.monotonic() - started, status, error, generation)


def request(host: str, port: int, path: str, headers: dict | None = None, timeout: float = 30.0
            ) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def get_json(host: str, port: int, path: str, timeout: float = 30.0) -> dict:
    status, _, body = request(host, port, path, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"GET {path}: HTTP {status}")
    return json.loads(body)


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
    return fill_mix(lambda path: get_json(host, port, path))


def fill_mix(fetch_json: Callable[[str], dict]) -> list[tuple[str, str]]:
    """``build_mix`` from any way of asking the site for JSON."""
    listing = fetch_json("/api/search?per_page=20&sort=newest")
    agencies = [f["value"] for f in listing["facets"].get("agency", [])]
    years = [f["value"] for f in listing["facets"].get("year", [])]
    docs = [r["id"] for r in listing["results"]]
    for q in ("chuyển đổi số", "chuyen doi so", "hành chính"):
        docs += [r["id"] for r in fetch_json("/api/search?" + urllib.parse.urlencode({"q": q}))["results"]]
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


# ------------------------------------------------------------------ the server's processes, from /proc

def _stat_fields(pid: int) -> list[bytes]:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        stat = fh.read()
    return stat[stat.rindex(b")") + 2:].split()  # the fields after the command name


def server_pids(master: int) -> list[int]:
    return [master, *child_pids(master)]


def server_cpu_seconds(master: int) -> float:
    """CPU of the arbiter, of the workers that exited (its children's times) and of the live ones."""
    total = 0
    for pid in server_pids(master):
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue  # a worker that just exited: counted in the arbiter's children's times once reaped
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if pid == master:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent not idle, since boot."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS


def pss_mib(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        out[pid] = int(line.split()[1]) / 1024
                        break
        except OSError:
            continue
    return out


class MemoryWatch(threading.Thread):
    """Total PSS of the server's processes every half second: the peak, and the last reading."""

    def __init__(self, master: int):
        super().__init__(name="pss", daemon=True)
        self.master = master
        self.halt = threading.Event()
        self.peak = 0.0
        self.last: dict[int, float] = {}

    def run(self) -> None:
        while not self.halt.is_set():
            self.last = pss_mib(server_pids(self.master))
            self.peak = max(self.peak, sum(self.last.values()))
            self.halt.wait(0.5)

    def stop(self) -> dict:
        self.halt.set()
        self.join()
        self.last = pss_mib(server_pids(self.master)) or self.last
        self.peak = max(self.peak, sum(self.last.values()))
        return {"peak_pss_mib": round(self.peak, 1), "pss_mib": round(sum(self.last.values()), 1),
                "processes": len(self.last), "each_mib": [round(v, 1) for v in self.last.values()]}


@dataclass
class Meter:
    """Server, load generator and machine CPU over an interval."""

    master: int | None
    server: float = 0.0
    generator: float = 0.0
    machine: float = 0.0
    load: float = 0.0

    def start(self) -> "Meter":
        self.server = server_cpu_seconds(self.master) if self.master else 0.0
        self.generator, self.machine, self.load = time.process_time(), machine_busy_seconds(), os.getloadavg()[0]
        return self

    def stop(self, requests: int) -> dict:
        server = server_cpu_seconds(self.master) - self.server if self.master else float("nan")
        generator = time.process_time() - self.generator
        machine = machine_busy_seconds() - self.machine
        per = (lambda seconds: round(seconds / requests * 1000, 2) if requests else float("nan"))
        return {"server_cpu_s": round(server, 2), "server_cpu_ms_per_request": per(server),
                "generator_cpu_s": round(generator, 2), "generator_cpu_ms_per_request": per(generator),
                "other_cpu_s": round(machine - server - generator, 2) if self.master else float("nan"),
                "load_before": round(self.load, 2), "load_after": round(os.getloadavg()[0], 2)}


# ------------------------------------------------------------------ servers and builds

def start_server(index: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    server = "gunicorn" if gunicorn_available() else "waitress"  # the same server for 1 worker and N
    cmd = [sys.executable, "-m", "webapp", "--index", str(index), "--host", ALLOWED_HOST, "--port", str(port),
           "--workers", str(workers), "--server", server, "--threads", str(threads)]
    print("starting:", " ".join(cmd), flush=True)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def wait_workers(master: int, workers: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while len(child_pids(master)) < workers and time.monotonic() < deadline:
        time.sleep(0.1)


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=40)
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


class PublishWatch(threading.Thread):
    """When ``CURRENT`` of an index root names another generation (polled every 20 ms)."""

    def __init__(self, index: Path):
        super().__init__(name="publish", daemon=True)
        self.pointer = index / "CURRENT"
        self.halt = threading.Event()
        self.first = self._read()
        self.changes: list[tuple[float, str]] = []

    def _read(self) -> str:
        try:
            return self.pointer.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def run(self) -> None:
        last = self.first
        while not self.halt.is_set():
            name = self._read()
            if name and name != last:
                self.changes.append((time.monotonic(), name))
                last = name
            self.halt.wait(0.02)


def switch_report(samples: list[Sample], old: str, published_at: float, new: str) -> dict:
    """From the answers' generations: when, after the publish, the last answer from the old
    generation and the first from the new one were started."""
    old_after = [s.started - published_at for s in samples if s.generation == old and s.started >= published_at]
    new_seen = [s.started - published_at for s in samples if s.generation == new]
    later = [s for s in samples if s.started >= published_at + 5.0]
    return {"last_old_answer_s": round(max(old_after), 2) if old_after else 0.0,
            "first_new_answer_s": round(min(new_seen), 2) if new_seen else None,
            "old_answers_after_publish": len(old_after),
            "old_answers_5s_after_publish": sum(1 for s in later if s.generation == old),
            "answers_5s_after_publish": len(later)}


# ------------------------------------------------------------------ one run

def run_load(host: str, port: int, mix: list[tuple[str, str]], clients: int, seconds: float, timeout: float,
             bust: bool, rebuild: Rebuild | None = None, rebuild_timeout: float = 0.0) -> tuple[list[Sample], float]:
    recorder = Recorder()
    begin = time.monotonic()
    stop_at = [begin + seconds]
    if rebuild is not None:
        stop_at[0] = begin + MAX_SECONDS + rebuild_timeout  # until the build is done (below)
        rebuild.start()
    threads = [Client(i, host, port, mix, stop_at, recorder, timeout, bust) for i in range(clients)]
    for thread in threads:
        thread.start()
    if rebuild is not None:
        # Keep the load on until the build is done and a little after, so the switch to the
        # new generation happens under load and every worker is seen answering from it.
        rebuild.join()
        stop_at[0] = max(begin + seconds, time.monotonic() + 8.0)
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at[0] - time.monotonic()) + timeout + 5)
    elapsed = max(s.started + s.seconds for s in recorder.samples) - begin if recorder.samples else 0.0
    return list(recorder.samples), elapsed


def repeated(host: str, port: int, master: int | None, count: int) -> dict:
    """The same search ``count`` times (answered from the cache of answers after the first time
    in each worker), then ``count`` times with its ETag (304): server CPU and wall per request."""
    path = quote_path(REPEATED)
    status, headers, _ = request(host, port, path)
    tag = headers.get("ETag", "")
    for _ in range(8):  # every worker has answered it once
        request(host, port, path)
    out: dict = {"path": path, "etag": tag}
    for name, extra in (("cached", {}), ("revalidated", {"If-None-Match": tag})):
        meter = Meter(master).start()
        statuses: dict[int, int] = {}
        walls = []
        for _ in range(count):
            started = time.perf_counter()
            status, _, _ = request(host, port, path, extra)
            walls.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
        cpu = meter.stop(count)
        walls.sort()
        out[name] = {"statuses": statuses, "server_cpu_ms_per_request": cpu["server_cpu_ms_per_request"],
                     "wall_p50_ms": round(percentile(walls, 50) * 1000, 2),
                     "wall_p95_ms": round(percentile(walls, 95) * 1000, 2)}
    return out


def measure(host: str, port: int, master: int | None, args: argparse.Namespace, label: str,
            rebuild: Rebuild | None = None) -> dict:
    watch = PublishWatch(rebuild.index) if rebuild is not None else None  # CURRENT, from before the build
    if watch is not None:
        watch.start()
    mix = build_mix(host, port)
    before = get_json(host, port, "/healthz")
    print(f"{label}: {before['documents']} documents, generation {before['generation']}; {args.clients} clients "
          f"for {args.seconds:g} s over a mix of {len(mix)} requests"
          f"{' (each URL new to every cache)' if not args.cached else ''}", flush=True)
    for _kind, path in mix:  # one warm-up pass: the first answer of each is not what is measured
        request(host, port, path)
    memory = MemoryWatch(master) if master else None
    if memory:
        memory.start()
    meter = Meter(master).start()
    samples, elapsed = run_load(host, port, mix, args.clients, args.seconds, args.timeout, not args.cached,
                                rebuild, args.rebuild_timeout)
    cpu = meter.stop(len(samples))
    report: dict = {"label": label, "overall": summarize(samples, elapsed), "cpu": cpu}
    if memory:
        report["memory"] = memory.stop()
    print_summary("all", report["overall"])
    for kind in dict.fromkeys(k for k, _ in mix):
        part = [s for s in samples if s.kind == kind]
        if part:
            print_summary(f"  {kind:<12}", summarize(part, elapsed))
    if master:
        print(f"server CPU {cpu['server_cpu_s']} s = {cpu['server_cpu_ms_per_request']} ms per request; "
              f"load generator {cpu['generator_cpu_s']} s ({cpu['generator_cpu_ms_per_request']} ms per request); "
              f"other processes {cpu['other_cpu_s']} s; load average {cpu['load_before']} -> {cpu['load_after']}")
        mem = report["memory"]
        print(f"memory: total PSS of the {mem['processes']} server processes {mem['pss_mib']} MiB at the end, "
              f"peak {mem['peak_pss_mib']} MiB (each: {', '.join(f'{v:.1f}' for v in mem['each_mib'])} MiB)")
    if rebuild is not None and watch is not None:
        after = get_json(host, port, "/healthz")
        window = (rebuild.finished or 0) - (rebuild.started or 0)
        during = [s for s in samples if rebuild.started is not None and rebuild.finished is not None
                  and rebuild.started <= s.started <= rebuild.finished + 1.0]
        summary = summarize(during, window + 1.0)
        print(f"rebuild: exit {rebuild.returncode} in {window:.1f} s ({rebuild.output}); "
              f"generation {before['generation']} -> {after['generation']}")
        print_summary("during rebuild", summary)
        report["rebuild"] = {"returncode": rebuild.returncode, "seconds": round(window, 2),
                             "generation_before": before["generation"], "generation_after": after["generation"],
                             "during": summary}
        if watch.changes:
            published_at, new = watch.changes[-1]
            switch = switch_report(samples, before["generation"], published_at, new)
            report["rebuild"]["switch"] = switch
            print(f"switch: published {new}; the last answer from the old generation started "
                  f"{switch['last_old_answer_s']} s after the publish ({switch['old_answers_after_publish']} "
                  f"old answers after it, {switch['old_answers_5s_after_publish']} of them 5 s or more after), "
                  f"the first from the new one {switch['first_new_answer_s']} s after")
        watch.halt.set()
    elif args.repeat and master:
        report["repeated"] = rep = repeated(host, port, master, args.repeat)
        for name in ("cached", "revalidated"):
            print(f"repeated search {name}: {rep[name]['statuses']}, server CPU {rep[name]['server_cpu_ms_per_request']} "
                  f"ms per request, wall p50 {rep[name]['wall_p50_ms']} ms, p95 {rep[name]['wall_p95_ms']} ms")
    return report


# Where a request's CPU goes: (label, depth, file suffix, function), each the cumulative time of
# that function in the profile; indented rows are inside the row above.
STAGES = [
    ("HTML pages and the feed: templates", 0, "flask/templating.py", "_render"),
    ("facet, sort and pager links (with_args)", 1, "webapp/filters.py", "with_args"),
    ("facet order (Vietnamese collation)", 1, "webapp/filters.py", "facet_order"),
    ("date histogram", 0, "webapp/histogram.py", "histogram_svg"),
    ("JSON answers: encoding", 0, "flask/json/provider.py", "dumps"),
    ("search service (service.search)", 0, "indexer/service.py", "search"),
    ("query parsing (pyvi)", 1, "indexer/query.py", "parse_query"),
    ("matching and ranking", 1, "indexer/engine/generation.py", "evaluate_plan"),
    ("facet counts", 1, "indexer/engine/facets.py", "facet_counts"),
    ("stored documents of the hits", 1, "indexer/engine/generation.py", "hit"),
    ("snippets and highlighted titles", 1, "indexer/snippets.py", "snippet"),
    ("", 1, "indexer/snippets.py", "highlight"),
    ("did you mean", 1, "indexer/suggest.py", "did_you_mean"),
    ("article pages (service.document)", 0, "indexer/service.py", "document"),
    ("answer cache and ETags", 0, "webapp/caching.py", "answer_from_cache"),
    ("", 0, "webapp/caching.py", "tag_and_keep"),
]


def profile_mix(index: Path, rounds: int) -> dict:
    """The mix run in this process through the app (Flask's test client, no HTTP server, no cache
    of answers), first timed (CPU per request by kind), then under cProfile for where it goes."""
    import cProfile
    import pstats

    from webapp import create_app

    app = create_app({"INDEX_DIR": str(index), "ANSWER_CACHE_ENTRIES": 0})
    client = app.test_client()
    mix = fill_mix(lambda path: client.get(path).get_json())
    for _kind, path in mix:
        client.get(path)  # warm: pyvi, the term cache, templates compiled
    per_kind: dict[str, list[float]] = {}
    started = time.process_time()
    for _ in range(rounds):
        for kind, path in mix:
            begun = time.process_time()
            client.get(path)
            per_kind.setdefault(kind, []).append(time.process_time() - begun)
    requests = rounds * len(mix)
    cpu_ms = (time.process_time() - started) / requests * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        for _kind, path in mix:
            client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in stats.values())  # every function's own time
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _line, function), entry in stats.items():
        for _label, _depth, suffix, name in STAGES:
            if function == name and filename.replace(os.sep, "/").endswith(suffix):
                cumulative[(suffix, name)] = cumulative.get((suffix, name), 0.0) + entry[3]
    print(f"{requests} requests of the mix in process ({rounds} rounds, {index}): {cpu_ms:.2f} ms CPU per request")
    for kind, times in per_kind.items():
        print(f"  {kind:<12} {sum(times) / len(times) * 1000:6.2f} ms")
    print(f"where it goes (cProfile, shares of its {total:.1f} s scaled to {cpu_ms:.2f} ms per request):")
    rows = []
    for label, depth, suffix, name in STAGES:
        if not label:
            continue  # counted with the row above
        share = cumulative.get((suffix, name), 0.0)
        for extra_label, _d, extra_suffix, extra_name in STAGES[STAGES.index((label, depth, suffix, name)) + 1:]:
            if extra_label:
                break
            share += cumulative.get((extra_suffix, extra_name), 0.0)
        share /= total
        rows.append({"stage": label, "depth": depth, "share": round(share, 3), "ms": round(share * cpu_ms, 2)})
        print(f"  {'  ' * depth}{label:<{44 - 2 * depth}} {share * cpu_ms:6.2f} ms  {share:5.1%}")
    return {"cpu_ms_per_request": round(cpu_ms, 2), "requests": requests, "stages": rows,
            "per_kind_ms": {k: round(sum(v) / len(v) * 1000, 2) for k, v in per_kind.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000",
                        help="a running server on 127.0.0.1 (default http://127.0.0.1:8000)")
    parser.add_argument("-c", "--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("-s", "--seconds", type=float, default=60.0, help="duration of the load (default 60)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds (default 10)")
    parser.add_argument("--index", type=Path, help="start `python -m webapp --index DIR` on a free port and stop it")
    parser.add_argument("--pid", type=int, help="with URL: the running server's process (and its workers), "
                                                "for its CPU and memory")
    parser.add_argument("--workers", type=int, action="append",
                        help=f"with --index: server processes, one run each (default: 1 and {default_workers()})")
    parser.add_argument("--server-threads", type=int, default=8, help="waitress threads, where it serves")
    parser.add_argument("--cached", action="store_true", help="send the mix as is (answers may come from caches)")
    parser.add_argument("--repeat", type=int, default=300, help="requests of the repeated-search check (0: none)")
    parser.add_argument("--during-rebuild", type=Path, metavar="SOURCE",
                        help="with --index: run one full build of SOURCE into DIR under load on the last server")
    parser.add_argument("--rebuild-timeout", type=float, default=1800.0)
    parser.add_argument("--profile", type=int, metavar="ROUNDS",
                        help="with --index: run the mix ROUNDS times in this process and print where its CPU goes")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args(argv)
    if args.profile:
        if not args.index:
            parser.error("--profile needs --index")
        profile = profile_mix(args.index, args.profile)
        if args.json:
            print(json.dumps({"profile": profile}, ensure_ascii=False))
        return 0

    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be 1..{MAX_CLIENTS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}]")
    if args.during_rebuild and not args.index:
        parser.error("--during-rebuild needs --index (the index the server serves and the build rewrites)")
    if args.during_rebuild and not args.during_rebuild.exists():
        parser.error(f"no such source: {args.during_rebuild}")

    host, port = check_url(args.url)  # refused before anything else unless it is 127.0.0.1
    if not args.index:
        wait_ready(host, port, 60)
        report = measure(host, port, args.pid, args, f"target http://{host}:{port}")
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
        return 1 if report["overall"]["errors"] else 0

    if not args.index.exists():
        parser.error(f"no index at {args.index}")
    counts = args.workers or sorted({1, default_workers()})
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    runs = []
    failed = False
    for number, workers in enumerate(counts):
        port = free_port()
        proc = start_server(args.index.resolve(), port, workers, args.server_threads)
        try:
            wait_ready(ALLOWED_HOST, port, 120, proc)
            wait_workers(proc.pid, workers if gunicorn_available() else 0)
            last = number == len(counts) - 1
            rebuild = None
            if last and args.during_rebuild:
                rebuild = Rebuild(args.during_rebuild.resolve(), args.index.resolve(),
                                  delay=min(5.0, args.seconds / 4), timeout=args.rebuild_timeout)
            print()
            report = measure(ALLOWED_HOST, port, proc.pid, args, f"{workers} worker(s)", rebuild)
            report["workers"] = workers
            runs.append(report)
            failed |= report["overall"]["errors"] > 0 or bool(rebuild and rebuild.returncode != 0)
        finally:
            stop_process(proc)

    print()
    print(f"{'workers':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'CPU ms/req':>10} {'PSS MiB':>8} {'repeat ms':>9} {'304 ms':>7}")
    for r in runs:
        o, rep = r["overall"], r.get("repeated", {})
        print(f"{r['workers']:>7} {o['requests_per_second']:>7} {o['p50_ms']:>7} {o['p95_ms']:>7} {o['p99_ms']:>7} "
              f"{o['errors']:>6} {r['cpu']['server_cpu_ms_per_request']:>10} {r['memory']['peak_pss_mib']:>8} "
              f"{rep.get('cached', {}).get('server_cpu_ms_per_request', '-'):>9} "
              f"{rep.get('revalidated', {}).get('server_cpu_ms_per_request', '-'):>7}")
    if len(runs) > 1 and runs[0]["overall"]["requests_per_second"]:
        ratio = runs[-1]["overall"]["requests_per_second"] / runs[0]["overall"]["requests_per_second"]
        print(f"requests/s with {runs[-1]['workers']} workers / with {runs[0]['workers']}: {ratio:.2f}x")
    if args.json:
        print(json.dumps({"runs": runs}, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
