"""Full and incremental rebuild: seconds, pages/s and peak memory of the build and its workers.

    .venv/bin/python bench/rebuild.py [--pages 20000] [--workers N] [--seed 1] [--keep] [--cluster local:2]
    .venv/bin/python bench/rebuild.py --warc [--pages 20000] [--rounds 2]

Generates N pages (plus a few held back, to be "added" later) with ../shared/tools/make_archive.py
into bench/out/rebuild-archive-seedS-N/ (reused when present), links them into a working copy, and
runs the real CLI (``python -m indexer build``) as a subprocess three times:

    full                 --full over the N pages
    incremental, none    nothing changed: the floor (discover + stat + copy of the previous index)
    incremental, 1%      1% of the pages rewritten (a sentence inserted: size and hash change),
                         a few added and a few deleted

For each it prints wall seconds, pages read per second and memory: the kernel's peak RSS of the
largest single process (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` in a wrapper around each build)
and, sampled from /proc every 0.25 s over the whole process tree, the peak RSS of the build
process, the largest worker, and the peak total PSS (forked workers share pages, so summing RSS
would overcount). The target is an incremental build under 10% of the full one.

Then where the time went, as the build itself recorded it in its report (``phases``, wall
seconds in the build process): discover (walk, stat, compare with the previous manifest), load
(the registry and pyvi, before forking), copy (an incremental build's copy of the previous
index), read (until the last page is read, analysed and handed to a writer), write (after the
last page: the segments' merges and writes), arrays (the columns, norms and frequent postings
every server process maps), publish (manifest, report, CURRENT, pruning). A full
build of 100 pages or more runs in shards, one process per worker, each reading, analysing and
writing its own segment; a shard that finishes its pages early starts merging while the others
still read, so the wall phases overlap and each shard's own seconds (``shards``: read and
analyse, add to Whoosh's writer, merge and write its segment) are printed beside them.

With ``--cluster ADDRESS`` (``local:2``: a Dask cluster of 2 worker processes on this machine),
the same full build also runs on that cluster (``build --cluster``) right after the local one,
into an index of its own, and the two wall times are compared (target: the cluster's within 15 %
of the local sharded build on the same machine). From the cluster build's report it prints the
per-task time (the seconds of each shard task over its pages: one worker thread's cost of a
page), the serial part (the wall seconds outside the tasks' span: starting, connecting,
discovering, combining the segments, publishing) and the full-build time those project for 1, 10
and 50 workers.

With ``--warc`` the same pages are packed as a web crawl (``bench/make_warc.py``: one gzipped
WARC with a request and a response record per page, at the address of each agency's site) and
built beside the folder, the two full builds alternated ``--rounds`` times (the target: the
crawl costs no more than 1.1x the folder); then the next night's crawl, the same addresses with
1% of the pages changed, replaces the first and is built incrementally (the target: under 10% of
the crawl's full build: its records are read only where the payload digest changed), and finally
both crawls lie side by side (the latest capture of each address is kept: nothing to re-read).

The working copy and its index are removed afterwards unless --keep is given (the archive stays).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"
NEWS = [SHARED / "data" / "news" / "dantri-unc.jsonl.gz", SHARED / "data" / "news" / "vietnews.jsonl.gz"]

from indexer import generations  # noqa: E402

# Runs one build and records the peak RSS of its process tree as the kernel saw it.
WRAPPER = (
    "import json, resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(json.dumps({'rc': rc, 'maxrss_kb': ru.ru_maxrss, 'cpu_s': ru.ru_utime + ru.ru_stime}))\n"
    "sys.exit(rc)\n"
)


# ---------------------------------------------------------------- archive


def ensure_archive(pages: int, extra: int, seed: int) -> tuple[Path, list[dict]]:
    """N + extra pages, generated once; make_archive is deterministic, so reuse is safe."""
    if not (SHARED / "tools" / "make_archive.py").exists() or not all(p.exists() for p in NEWS):
        sys.exit(f"needs ../shared beside the repository (looked in {SHARED})")
    out = OUT / f"rebuild-archive-seed{seed}-{pages}"
    gold_path = out / "gold.jsonl"
    total = pages + extra
    if not gold_path.exists() or sum(1 for _ in gold_path.open(encoding="utf-8")) != total:
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        print(f"generating {total} pages into {out.relative_to(ROOT)} ...", flush=True)
        subprocess.run(
            [sys.executable, str(SHARED / "tools" / "make_archive.py"), "--input", *map(str, NEWS),
             "--out", str(out), "--count", str(total), "--seed", str(seed), "--encodings-mix"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        print(f"  {time.monotonic() - started:.0f} s", flush=True)
    gold = [json.loads(line) for line in gold_path.open(encoding="utf-8") if line.strip()]
    return out, gold


def link_tree(archive: Path, gold: list[dict], dest: Path) -> None:
    """Hard links: instant, no extra disk; changed pages are replaced, never written through."""
    for g in gold:
        target = dest / g["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(archive / g["path"], target)


def rewrite(path: Path, encoding: str, sentence: str) -> None:
    """Insert a sentence into the page's first paragraph after the title (size and hash change)."""
    raw = path.read_bytes()
    if encoding == "windows-1258":
        extra = unicodedata.normalize("NFD", sentence).encode("cp1258", errors="xmlcharrefreplace")
    else:
        extra = sentence.encode("utf-8")
    title = raw.find(b"<h1")
    at = raw.find(b"</p>", max(title, 0))
    if at < 0:
        at = raw.find(b"</body>")
    if at < 0:
        at = len(raw)
    tmp = path.with_name(path.name + ".tmp~")  # not an indexed suffix
    tmp.write_bytes(raw[:at] + b" " + extra + raw[at:])
    os.replace(tmp, path)  # a new inode: the archive's copy stays as it was


# ---------------------------------------------------------------- measuring a build


@dataclass
class Memory:
    build_rss_kb: int = 0
    worker_rss_kb: int = 0
    tree_pss_kb: int = 0
    samples: int = 0


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(name))
    return children


def _kb(path: str, key: str) -> int:
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak memory of a process tree, from /proc (no psutil)."""

    def __init__(self, wrapper_pid: int, every: float = 0.25):
        super().__init__(daemon=True)
        self.wrapper_pid, self.every = wrapper_pid, every
        self.memory = Memory()
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            children = _children_map()
            builds = children.get(self.wrapper_pid, [])
            pss = 0
            for build_pid in builds:
                rss = _kb(f"/proc/{build_pid}/status", b"VmRSS:")
                self.memory.build_rss_kb = max(self.memory.build_rss_kb, rss)
                pss += _kb(f"/proc/{build_pid}/smaps_rollup", b"Pss:")
                stack = list(children.get(build_pid, []))
                while stack:
                    pid = stack.pop()
                    stack.extend(children.get(pid, []))
                    self.memory.worker_rss_kb = max(self.memory.worker_rss_kb, _kb(f"/proc/{pid}/status", b"VmRSS:"))
                    pss += _kb(f"/proc/{pid}/smaps_rollup", b"Pss:")
            self.memory.tree_pss_kb = max(self.memory.tree_pss_kb, pss)
            self.memory.samples += 1
            self.halt.wait(self.every)


@dataclass
class Run:
    name: str
    seconds: float
    report: dict
    memory: Memory
    maxrss_kb: int
    index_mb: float
    log: str = field(repr=False, default="")
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    cpu: float = 0.0  # CPU seconds (user + system) of the build and every process it waited for


def run_build(name: str, source: Path, index: Path, workers: int, full: bool, scratch: Path,
              cluster: str | None = None, extra: list[str] | None = None) -> Run:
    rusage = scratch / f"rusage-{name.replace(' ', '-').replace(',', '').replace('%', '').replace(':', '')}.json"
    cmd = [sys.executable, "-c", WRAPPER, str(rusage), sys.executable, "-m", "indexer", "build",
           "--source", str(source), "--index", str(index), "--workers", str(workers)]
    if full:
        cmd.append("--full")
    if cluster:
        cmd += ["--cluster", cluster, *(extra or [])]
    print(f"{name} build ...", flush=True)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.monotonic() - started
    sampler.halt.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"{name} build failed ({proc.returncode}):\n{stdout}\n{stderr[-4000:]}")
    live = generations.current(index)
    report = json.loads((live / "report.json").read_text(encoding="utf-8"))
    index_mb = sum(f.stat().st_size for f in live.rglob("*") if f.is_file()) / 1e6
    print(f"  {stdout.strip().splitlines()[0]}", flush=True)
    usage = json.loads(rusage.read_text())
    return Run(name, seconds, report, sampler.memory, usage["maxrss_kb"], index_mb, stderr,
               (load_before, os.getloadavg()[0]), usage["cpu_s"])


# ---------------------------------------------------------------- main


def mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB" if kb else "-"


PHASES = ("discover", "load", "copy", "read", "write", "combine", "stories", "arrays", "publish")


def table(runs: list[Run]) -> str:
    head = ("scenario", "read", "added", "updated", "removed", "seconds", "CPU s", "pages/s",
            "build RSS", "worker RSS", "tree PSS", "ru_maxrss", "index")
    rows = [head]
    for r in runs:
        rep = r.report
        rows.append((
            r.name, str(rep["read"]), str(rep["added"]), str(rep["updated"]), str(rep["removed"]),
            f"{r.seconds:.1f}", f"{r.cpu:.1f}", f"{rep['read'] / r.seconds:.1f}" if rep["read"] else "-",
            mb(r.memory.build_rss_kb), mb(r.memory.worker_rss_kb), mb(r.memory.tree_pss_kb),
            mb(r.maxrss_kb), f"{r.index_mb:.0f} MB",
        ))
    return aligned(rows)


def phase_table(runs: list[Run]) -> str:
    """The build's own phase seconds (its report), and each shard's, as "pages: read / add / merge"."""
    rows = [("phases (wall s)", *PHASES, "shards (pages: read and analyse / add / merge s)")]
    for r in runs:
        phases = r.report.get("phases", {})
        shards = "; ".join(f"{s['pages']:.0f}: {s['read']:.1f} / {s['add']:.1f} / {s['merge']:.1f}"
                           for s in r.report.get("shards", [])) or "-"
        rows.append((r.name, *(f"{phases[p]:.1f}" if p in phases else "-" for p in PHASES), shards))
    return aligned(rows)


def cluster_lines(locals_: list[Run], clusters: list[Run], merged: Run | None) -> str:
    """The cluster build beside the local one (medians when run several times), what one task
    costs, the serial part, and the full-build time they project for more workers."""
    local_s = statistics.median(r.seconds for r in locals_)
    cluster_s = statistics.median(r.seconds for r in clusters)
    cluster = min(clusters, key=lambda r: abs(r.seconds - cluster_s))
    c = cluster.report["cluster"]
    task_pages = sum(s["pages"] for s in cluster.report["shards"])
    per_page = sum(c["task_seconds"]) / task_pages  # seconds of one worker thread per page, inside the tasks
    phases = cluster.report["phases"]
    builder = {p: phases.get(p, 0.0) for p in ("discover", "combine", "publish")}
    serial = cluster.seconds - c["seconds"]  # outside the tasks' span: start, connect, discover, combine, publish
    ratio = cluster_s / local_s
    mb_per_page = cluster.index_mb / task_pages
    lines = [
        f"cluster {c['address']} ({c['workers']} workers, {c['threads']} threads): {c['tasks']} tasks of "
        f"~{task_pages / c['tasks']:.0f} pages, {c['segments']} segments; wall {cluster_s:.1f} s "
        f"({', '.join(f'{r.seconds:.1f}' for r in clusters)}) against {local_s:.1f} s "
        f"({', '.join(f'{r.seconds:.1f}' for r in locals_)}) for the local sharded build: {ratio:.2f}x "
        f"({'within' if ratio <= 1.15 else 'OUTSIDE'} the 15 % target)",
        f"CPU seconds of the whole build (every process, from getrusage; what the machine's load does not "
        f"stretch): cluster {statistics.median(r.cpu for r in clusters):.1f}, local "
        f"{statistics.median(r.cpu for r in locals_):.1f}: "
        f"{statistics.median(r.cpu for r in clusters) / statistics.median(r.cpu for r in locals_):.2f}x",
        f"per task: {sum(c['task_seconds']) / c['tasks']:.1f} s mean ({min(c['task_seconds']):.1f}-"
        f"{max(c['task_seconds']):.1f}), {per_page * 1000:.1f} ms a page on one worker thread "
        f"({1 / per_page:.1f} pages/s per worker); the tasks' span {c['seconds']:.1f} s",
        f"serial part: {serial:.1f} s (wall outside the tasks' span: process start, connecting, "
        + ", ".join(f"{p} {v:.1f} s" for p, v in builder.items()) + ")",
        f"segments handed back: {mb_per_page * 1000:.1f} MB per 1,000 pages (the index), over the Dask connection",
    ]
    merge_per_page = 0.0
    if merged is not None and merged.report["cluster"]["merges"]:
        merges = merged.report["cluster"]["merges"]
        merge_per_page = sum(m["seconds"] for m in merges) / sum(m["pages"] for m in merges)
        lines.append(f"merge tasks ({merged.name}): {len(merges)} merges of ~{sum(m['pages'] for m in merges) / len(merges):.0f} "
                     f"pages, {merge_per_page * 1000:.1f} ms a page; that build's wall {merged.seconds:.1f} s")
    lines += [
        "projected full build, hours, for W workers (one core each) and N pages, tasks of at most 10,000 pages:",
        "  unmerged = serial + N x task time a page / W + the segments' bytes to the builder at 1 Gbit/s (assumed)",
        "  merged to 16 = the same, with merge tasks: their work spread over the workers, but the last group's",
        "  merge (N/16 pages on one core) only after its tasks: max(N (task + merge) / W, N task / W + N/16 merge)",
        f"  {'pages':>9}  {'1 worker':>9}  {'10 workers':>10}  {'50 workers':>10}  {'10, merged':>10}  {'50, merged':>10}",
    ]
    for n in (100_000, 1_000_000, 5_000_000):
        cells = []
        for workers, merging in ((1, False), (10, False), (50, False), (10, True), (50, True)):
            tasks = max(workers, -(-n // 10_000))
            work = n * per_page / workers
            if merging and tasks > 16:
                work = max(n * (per_page + merge_per_page) / workers, work + n / 16 * merge_per_page)
            cells.append((serial + work + n * mb_per_page / 117) / 3600)
        lines.append(f"  {n:>9,}  {cells[0]:9.2f}  {cells[1]:10.2f}  {cells[2]:10.2f}  {cells[3]:10.2f}  {cells[4]:10.2f}")
    return "\n".join(lines)


def aligned(rows: list[tuple[str, ...]]) -> str:
    head = rows[0]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def warc_bench(args: argparse.Namespace) -> int:
    """The folder and the same pages as a crawl, full builds alternated; then a new crawl."""
    sys.path.insert(0, str(ROOT / "bench"))
    from make_warc import changed_indices, pack

    archive, gold = ensure_archive(args.pages, 0, args.seed)
    gold = gold[: args.pages]
    crawls = OUT / f"rebuild-crawls-seed{args.seed}-{args.pages}"
    first, second = crawls / "crawl-2024-11-01.warc.gz", crawls / "crawl-2024-11-02.warc.gz"
    changed = changed_indices(len(gold), 0.01)
    for path, when, which in ((first, "2024-11-01T02:00:00Z", set()), (second, "2024-11-02T02:00:00Z", changed)):
        if not path.exists():
            started = time.monotonic()
            done = pack(archive, gold, path, when, which)
            print(f"packed {done['pages']} pages ({done['changed']} changed) into {path.relative_to(ROOT)}: "
                  f"{done['bytes'] / 1e6:.1f} MB in {time.monotonic() - started:.0f} s", flush=True)
    work = OUT / f"rebuild-warc-work-{args.pages}"
    shutil.rmtree(work, ignore_errors=True)
    folder, crawl = work / "folder", work / "crawl"
    link_tree(archive, gold, folder)
    crawl.mkdir(parents=True)
    os.link(first, crawl / first.name)
    print(f"{args.pages} pages, {args.workers} workers, {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}",
          flush=True)
    try:
        runs = []
        for i in range(args.rounds):
            runs.append(run_build(f"folder, full #{i + 1}", folder, work / "index-folder", args.workers, True, work))
            runs.append(run_build(f"crawl, full #{i + 1}", crawl, work / "index-crawl", args.workers, True, work))
        (crawl / first.name).unlink()
        os.link(second, crawl / second.name)
        runs.append(run_build("new crawl, 1% changed", crawl, work / "index-crawl", args.workers, False, work))
        os.link(first, crawl / first.name)
        runs.append(run_build("both crawls", crawl, work / "index-crawl", args.workers, False, work))
        print()
        print(table(runs))
        print()
        print(phase_table(runs))
        folder_s = min(r.seconds for r in runs if r.name.startswith("folder"))
        crawl_s = min(r.seconds for r in runs if r.name.startswith("crawl"))
        incr = next(r for r in runs if r.name.startswith("new crawl"))
        print(f"\ncrawl / folder, full build (best of {args.rounds} each): {crawl_s:.1f} / {folder_s:.1f} s = "
              f"{crawl_s / folder_s:.2f}x ({'meets' if crawl_s <= 1.1 * folder_s else 'MISSES'} the target of <= 1.1x)")
        means = [sum(r.seconds for r in runs if r.name.startswith(kind)) / args.rounds for kind in ("crawl", "folder")]
        print(f"crawl / folder, full build (mean of {args.rounds} each): {means[0]:.1f} / {means[1]:.1f} s = "
              f"{means[0] / means[1]:.2f}x")
        ratio = incr.seconds / crawl_s
        print(f"new crawl (1% changed) incremental / crawl full: {incr.seconds:.1f} / {crawl_s:.1f} s = {ratio:.1%} "
              f"({'meets' if ratio < 0.10 else 'MISSES'} the target of < 10%)")
        rep = incr.report
        print(f"  the new crawl's build: read {rep['read']}, updated {rep['updated']}, unchanged {rep['unchanged']}, "
              f"removed {rep['removed']} (expected {len(changed)} updated); archives {rep.get('archives')}")
        print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20000, help="pages in the full build (default 20,000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per core)")
    parser.add_argument("--seed", type=int, default=1, help="make_archive seed (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the working copy and its index under bench/out/")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --cluster: run the local and cluster full builds this many times, alternating "
                             "their order, and compare the medians; with --warc: the folder's and the crawl's "
                             "full builds, alternated (default 1)")
    parser.add_argument("--cluster", metavar="ADDRESS",
                        help="also build in full on this Dask cluster (build --cluster: tcp://HOST:8786, or local:N "
                             "for N worker processes here), right after the local full build, and compare")
    parser.add_argument("--warc", action="store_true", help="the pages as a web crawl beside the folder, and a new crawl")
    args = parser.parse_args()
    if args.warc:
        return warc_bench(args)

    few = max(5, args.pages // 1000)  # pages added and pages deleted
    changed_count = max(1, args.pages // 100)  # 1%
    archive, gold = ensure_archive(args.pages, few, args.seed)
    base, held_back = gold[: args.pages], gold[args.pages :]

    work = OUT / f"rebuild-work-{args.pages}"
    shutil.rmtree(work, ignore_errors=True)
    src, index = work / "src", work / "index"
    link_tree(archive, base, src)
    print(f"{args.pages} pages, {args.workers} workers, {os.cpu_count()} cores; working copy {work.relative_to(ROOT)}", flush=True)

    try:
        runs = [run_build("full", src, index, args.workers, True, work)]
        merged = None
        if args.cluster:
            runs.append(run_build(f"full, cluster {args.cluster}", src, work / "index-cluster", args.workers, True,
                                  work, cluster=args.cluster))
            # a shared machine's load moves: the pair again in the other order (cluster, then local)
            for r in range(2, args.rounds + 1):
                runs.append(run_build(f"full, cluster {args.cluster} #{r}", src, work / "index-cluster",
                                      args.workers, True, work, cluster=args.cluster))
                runs.append(run_build(f"full #{r}", src, index, args.workers, True, work))
            # the same on 4 tasks merged into 2 segments on the cluster: what a merge task costs a page
            merged = run_build(f"full, cluster {args.cluster}, 4 tasks merged to 2", src, work / "index-merged",
                               args.workers, True, work, cluster=args.cluster,
                               extra=["--task-pages", str(-(-args.pages // 4)), "--max-segments", "2"])
            runs.append(merged)
        runs.append(run_build("incremental, none", src, index, args.workers, False, work))

        step = len(base) // changed_count
        changed = base[::step][:changed_count]
        changed_paths = {g["path"] for g in changed}
        deleted = [g for g in reversed(base) if g["path"] not in changed_paths][:few]
        for i, g in enumerate(changed):
            rewrite(src / g["path"], g["encoding"], f"Thông tin được cập nhật bổ sung lần thứ {i + 2}.")
        for g in deleted:
            (src / g["path"]).unlink()
        link_tree(archive, held_back, src)
        runs.append(run_build("incremental, 1%", src, index, args.workers, False, work))

        print()
        print(table(runs))
        print()
        print(phase_table(runs))
        print("\nload average (1 min) before -> after each build: "
              + "; ".join(f"{r.name} {r.load[0]:.2f} -> {r.load[1]:.2f}" for r in runs) + f" on {os.cpu_count()} cores")
        if args.cluster:
            print()
            locals_ = [r for r in runs if r.name.startswith("full") and "cluster" not in r.name]
            clusters = [r for r in runs if r.name.startswith(f"full, cluster {args.cluster}") and "merged" not in r.name]
            print(cluster_lines(locals_, clusters, merged))
        full, incr = runs[0], runs[-1]
        ratio = incr.seconds / full.seconds
        print(f"\nincremental (1% changed, {few} added, {few} deleted) / full: {ratio:.1%} "
              f"({'meets' if ratio < 0.10 else 'MISSES'} the target of < 10%)")
        rep = incr.report
        expected = (len(changed), few, few)
        got = (rep["updated"], rep["added"], rep["removed"])
        if got != expected:
            print(f"WARNING: expected updated/added/removed {expected}, the build reported {got}")
        skipped = {r: n for r, n in full.report["skipped_by_reason"].items()}
        if skipped:
            print(f"skipped in the full build: {skipped}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
