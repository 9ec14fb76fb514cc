"""Full builds on a Dask cluster (``build --cluster``): the shard tasks of a local full build,
run by ``dask.distributed`` workers on other machines.

The builder (this process) discovers the files and cuts them into tasks of consecutive files.
Each task (``shard_task``, on a worker) reads its files -- from the source folder, which every
worker sees at the same path, or from the bytes the builder ships with the task
(``--ship-files``) -- and writes one segment with ``pages.write_segment``, exactly as a local
shard process does; it hands the finished segment back over the Dask connection, or leaves it in
a directory under ``--scratch`` that every worker and the builder see. When the tasks are more
than ``MAX_SEGMENTS``, a merge task per group of consecutive segments joins them on the cluster
first (``merge_task``). The builder then commits the segments as one generation, as a local
sharded build does, and publishes it.

Dask does the scheduling: each task is a future followed with ``as_completed``; a task that
raised is retried (``retries``); the tasks of a worker that died are run again elsewhere by the
scheduler (up to its ``allowed-failures``); segments move from the worker that wrote them to the
one that merges them by Dask's own transfers. Pages done come back as worker events on a topic
of this build (``Worker.log_event``, ``Client.subscribe_topic``) for the progress line.

What runs on the workers is in ``cluster_tasks.py``. Needs the ``cluster`` extra (``pip install
'tracuu[cluster]'``); nothing else imports this module.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .attachments import Limits
from .bookkeeping import Outcome
from .cluster_tasks import (ClusterBuildError, Done, Segment, ShardTask, SourceNotVisible, code_fingerprint,
                            merge_task, shard_task, ship, unseen)
from .sources import SourceFile

log = logging.getLogger("indexer.build")

# At most this many pages per shard task: a task is the archive cut in one piece per worker thread
# when that is smaller. Fewer, larger tasks mean fewer segments (a segment has its own term
# dictionary: at 5,000 pages, 2 segments took 109 MiB, 16 took 225 and 64 took 340) and no merge
# work on a small cluster, which is what keeps a cluster build level with a local one; 10,000
# pages is about 8 minutes of one core, what a worker that dies loses at most.
TASK_PAGES = 10_000
# A generation is left with at most this many segments: beyond it, merge tasks join consecutive
# segments first. Query latency at 5,000 pages, p50 over the whole mix: 3.6 ms with 2 segments,
# 4.2 ms with 16, 8.1 ms with 64 (bench/README.md, "Segments"): each segment costs every query
# term a lookup of its own.
MAX_SEGMENTS = 16
# Whoosh's posting buffers of one task (a local shard on 2 cores gets 512 MB).
TASK_MEMORY_MB = 512
RETRIES = 2  # a task that raised (a full disk, a worker short of memory) runs again up to this often
CONNECT_SECONDS = 10.0
WORKERS_SECONDS = 30.0  # how long a scheduler may take to have its first worker
# Shipped files in flight per worker thread: enough to keep every worker busy, bounded so that the
# builder does not read the whole archive into the scheduler's memory.
SHIPPED_PER_THREAD = 2


class ClusterUnavailable(RuntimeError):
    """The scheduler cannot be reached (at the start: nothing was touched), or was lost."""


@dataclass(frozen=True)
class ClusterOptions:
    """Where and how a cluster build runs; see ``python -m indexer build --help``."""

    address: str  # tcp://HOST:8786, or local:N for N worker processes on this machine
    ship_files: bool = False  # the builder sends each task its files' bytes
    scratch: Path | None = None  # segments come back through this directory, not the connection
    task_pages: int = TASK_PAGES
    max_segments: int = MAX_SEGMENTS


class Session:
    """A connected client (and the local cluster of ``local:N``), for the length of one build."""

    def __init__(self, client: Any, options: ClusterOptions, local: Any = None):
        self.client, self.options, self.local = client, options, local

    def workers(self) -> dict[str, Any]:
        return self.client.scheduler_info(n_workers=-1)["workers"]

    def threads(self) -> int:
        return sum(w.get("nthreads", 1) for w in self.workers().values()) or 1

    def dashboard(self) -> str:
        """Where the scheduler's dashboard is, or why there is none."""
        if "dashboard" in self.client.scheduler_info().get("services", {}):
            return self.client.dashboard_link
        return "none (the scheduler serves no dashboard: bokeh is not installed where it runs)"


@contextmanager
def connect(options: ClusterOptions, quiet: bool = False) -> Iterator[Session]:
    """Connect to the scheduler at ``options.address`` (or start ``local:N``) and wait for a
    worker. Raises ``ClusterUnavailable`` naming the address when that fails."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise ClusterUnavailable("building on a cluster needs dask.distributed: "
                                 "pip install 'tracuu[cluster]'") from err
    # dask's import set its loggers to INFO: the build's own lines say what matters here
    logging.getLogger("distributed").setLevel(logging.WARNING)
    local = None
    address = options.address
    try:
        if address.startswith("local:"):
            local = LocalCluster(n_workers=int(address.split(":", 1)[1]), threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address="127.0.0.1:0")
            client = Client(local, set_as_default=False)
        else:
            client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, ValueError) as err:  # TimeoutError is an OSError
        if local is not None:
            local.close()
        raise ClusterUnavailable(f"no Dask scheduler answers at {address}: {err}") from err
    try:
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except (OSError, TimeoutError) as err:
            raise ClusterUnavailable(f"the Dask scheduler at {address} has no workers "
                                     f"(waited {WORKERS_SECONDS:.0f} s)") from err
        session = Session(client, options, local)
        if not quiet:
            workers = session.workers()
            log.info("cluster %s: %d workers, %d threads; dashboard: %s", address, len(workers),
                     session.threads(), session.dashboard())
            busy = sorted(a for a, w in workers.items() if w.get("nthreads", 1) > 1)
            if busy:  # tasks are pure-Python CPU work: threads of one process share one core
                log.warning("workers with several threads run shard tasks one core at a time "
                            "(start them with --nthreads 1 --nworkers -1: one process per core): %s", ", ".join(busy))
        yield session
    finally:
        client.close()
        if local is not None:
            local.close()


# ---------------------------------------------------------------- on the builder


@dataclass
class ClusterRun:
    """What ``run_shards`` hands the build: the segment directories under the new generation,
    each shard task's ``write_segment`` result in file order, when the last page was read; the
    files the builder could not read to ship; and a summary for the report."""

    shards: tuple[list[Path], list[Any], float]
    unread: list[Outcome] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def plan(pages: int, threads: int, options: ClusterOptions) -> tuple[int, list[range]]:
    """How many shard tasks, and the groups of consecutive tasks that each become one segment:
    one task per worker thread, or more when that would give a task more than ``task_pages``."""
    tasks = max(1, min(pages, max(threads, math.ceil(pages / max(1, options.task_pages)))))
    groups = min(tasks, max(1, options.max_segments))
    return tasks, [range(i * tasks // groups, (i + 1) * tasks // groups) for i in range(groups)]


class _Pages:
    """Pages done per task, from the workers' events (a rerun task starts again from 0)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: dict[int, int] = {}
        self.done: set[int] = set()
        self.merged: set[int] = set()

    def event(self, event: tuple[float, dict[str, Any]]) -> None:
        _stamp, msg = event
        with self.lock:
            if "merge" in msg:
                self.merged.add(msg["merge"])
                return
            self.pages[msg["task"]] = msg["pages"]
            if msg.get("done"):
                self.done.add(msg["task"])

    def counts(self) -> tuple[int, int, int]:
        with self.lock:
            return sum(self.pages.values()), len(self.done), len(self.merged)


def run_shards(session: Session, todo: list[SourceFile], target: Path, progress: Any,
               limits: Limits = Limits()) -> ClusterRun:
    """Run the shard tasks of ``todo`` on the cluster and bring their segments into ``target``
    (``shard-0``, ``shard-1``, ... in file order). Raises ``ClusterUnavailable`` if the scheduler
    is lost, ``ClusterBuildError`` if a task fails for good."""
    from .build import split

    options = session.options
    threads = session.threads()
    tasks, groups = plan(len(todo), threads, options)
    parts = split(todo, tasks)
    topic = f"tracuu-build-{target.name}-{uuid.uuid4().hex[:8]}"
    scratch = None
    if options.scratch is not None:
        scratch = Path(options.scratch).resolve() / f"tracuu-{target.name}"
        scratch.mkdir(parents=True)
    try:
        return _run(session, parts, groups, target, progress, topic, scratch, limits)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _run(session: Session, parts: list[list[SourceFile]], groups: list[range], target: Path, progress: Any,
         topic: str, scratch: Path | None, limits: Limits) -> ClusterRun:
    from distributed import CancelledError, as_completed

    client, options = session.client, session.options
    started = time.monotonic()
    ours = code_fingerprint()
    other = sorted(worker for worker, theirs in client.run(code_fingerprint).items() if theirs != ours)
    if other:
        raise ClusterBuildError(f"workers run other code than this builder (install the same version of tracuu on "
                                f"them): {', '.join(other)}")
    must_see = sorted({f.root for part in parts for f in part}) if not options.ship_files else []
    must_see += [str(scratch)] if scratch is not None else []
    if must_see:  # fail at once, not after every task has failed
        for worker, missing in client.run(unseen, must_see).items():
            if missing:
                raise SourceNotVisible.on(worker, missing)
    counts = _Pages()
    client.subscribe_topic(topic, counts.event)
    merging = any(len(g) > 1 for g in groups)
    log.info("%d pages in %d shard tasks%s, on %d workers", sum(map(len, parts)), len(parts),
             f", merged into {len(groups)} segments" if merging else "", len(session.workers()))
    shard_futures: dict[int, Any] = {}
    finals = as_completed(loop=client.loop)
    final_group: dict[str, int] = {}
    unread: list[Outcome] = []
    limit = SHIPPED_PER_THREAD * session.threads() if options.ship_files else len(parts)
    next_part = 0
    results: dict[int, Done] = {}
    dirs = [target / f"shard-{g}" for g in range(len(groups))]
    group_of = {t: g for g, group in enumerate(groups) for t in group}
    last_page = None

    def submit_more() -> None:
        nonlocal next_part
        while next_part < len(parts) and sum(not f.done() for f in shard_futures.values()) < limit:
            i = next_part
            files, shipped = parts[i], None
            if options.ship_files:
                shipped, files, skipped = ship(parts[i], limits)
                unread.extend(skipped)
            task = ShardTask(i, files, TASK_MEMORY_MB, topic, shipped, str(scratch) if scratch else None, limits)
            shard_futures[i] = client.submit(shard_task, task, key=f"tracuu-shard-{i}-{topic}", retries=RETRIES,
                                             pure=False, priority=-i)
            next_part += 1
            group = groups[group_of[i]]
            if i == group[-1]:  # the group's last task is in: its segment can be planned
                g = group_of[i]
                if len(group) == 1:
                    future = shard_futures[i]
                else:
                    future = client.submit(merge_task, g, TASK_MEMORY_MB, str(scratch) if scratch else None, topic,
                                           *[shard_futures[t] for t in group], key=f"tracuu-merge-{g}-{topic}",
                                           retries=RETRIES, pure=False, priority=1)
                final_group[future.key] = g
                finals.add(future)

    try:
        submit_more()
        while len(results) < len(groups):
            for future in finals.next_batch(block=False) if finals.has_ready() else []:
                g = final_group[future.key]
                try:
                    done = future.result()
                except CancelledError as err:
                    raise ClusterUnavailable(f"lost the Dask scheduler at {options.address} during the build") from err
                except ClusterBuildError:
                    raise
                except Exception as err:
                    raise ClusterBuildError(f"segment {g} failed on the cluster: {type(err).__name__}: {err}") from err
                done.segment.materialise(dirs[g])
                results[g] = replace(done, segment=Segment())
                for t in groups[g]:
                    shard_futures.pop(t, None)  # release the segment's bytes on the workers
            if client.status not in ("running", "connecting"):
                raise ClusterUnavailable(f"lost the Dask scheduler at {options.address} during the build")
            submit_more()
            pages, tasks_done, merged = counts.counts()
            pages = max(pages + len(unread), sum(len(parts[t]) for g in results for t in groups[g]))
            progress.describe(f"tasks {max(tasks_done, sum(len(groups[g]) for g in results))}/{len(parts)}"
                              + (f", merges {merged}/{sum(len(g) > 1 for g in groups)}" if merging else ""))
            progress.advance_to(pages)
            if last_page is None and pages >= progress.total:
                last_page = time.monotonic()
                if not progress.quiet and len(results) < len(groups):
                    log.info("all %d pages read; %d segments to finish on the cluster", progress.total,
                             len(groups) - len(results))
            if len(results) < len(groups):
                time.sleep(0.2)
    finally:
        for future in shard_futures.values():
            future.cancel()
        try:
            client.unsubscribe_topic(topic)
        except Exception:  # the scheduler is gone: nothing to unsubscribe from
            pass
    shards = [shard for g in range(len(groups)) for shard in results[g].shards]
    summary = {
        "address": options.address,
        "workers": len(session.workers()),
        "threads": session.threads(),
        "tasks": len(parts),
        "segments": len(groups),
        "ship_files": options.ship_files,
        "scratch": bool(scratch),
        "seconds": round(time.monotonic() - started, 2),
        "task_seconds": [info["seconds"] for _result, info in shards],
        "task_workers": sorted({info["worker"] for _result, info in shards}),
        "merges": [merge for g in range(len(groups)) for merge in results[g].merges],
    }
    return ClusterRun(([d for d in dirs], [result for result, _info in shards], last_page or time.monotonic()),
                      unread, summary)
