"""Build a new index generation from archive folders, in parallel, and publish it.

Pages are read, cleaned, and analysed (pyvi) in worker processes, one per core. A full build
splits the pages into one shard per worker: each shard process also writes (and merges) its own
Whoosh segment (``pages.write_segment``), and the generation is the list of those segments, so
no step runs on one core while the other waits. An incremental build (and a small one) feeds one
writer from the workers instead (``pages.read_page``). Either way the same ``bookkeeping.Ledger``
counts what happened and keeps the manifest of (size, mtime, hash) per file that lets the next
build reuse this generation and touch only what changed. One bad file is logged with its reason
and skipped. The report records the seconds of each phase, and of each shard.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import shutil
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import generations as gen
from .analysis import load_segmenter
from .attachments import Limits
from .bookkeeping import Ledger, Manifest, Outcome, Report
from .crawls import CrawlLog
from .duplicates import STORIES_FILE, Stories, default_sketcher
from .engine import ARRAYS, INDEX_FORMAT, IndexDoc, IndexWriter, append_writer, combine_shards, write_arrays
from .pages import read_page, write_segment
from .registry import Registry
from .sources import SourceFile, discover

if TYPE_CHECKING:  # dask is an optional extra: imported only for a cluster build
    from .cluster import ClusterOptions

log = logging.getLogger("indexer.build")

# A full build of at least this many pages is split into one shard per worker: each worker
# process reads, analyses and writes its own Whoosh segment, and the generation is made of those
# segments. Fewer pages go through one writer fed by the workers (one segment).
SHARD_MIN_PAGES = 100
# Whoosh's posting buffers, shared out among the shards: each spills a sorted run to disk when its
# share is full, and every run is read back at the merge. On 20,000 pages with 2 shards, 256 MB
# each took 491 s and 512 MB each 356 s (a shard's peak RSS 813 MiB); 768 MB gained nothing more.
BUILD_MEMORY_MB = 1024


class Progress:
    """A bar with pages/s and ETA on a terminal; a plain log line every few seconds elsewhere."""

    def __init__(self, total: int, quiet: bool = False):
        self.total, self.done, self.quiet = total, 0, quiet
        self.note = ""  # e.g. a cluster's tasks done of total, shown after the pages
        self.started = self.last = time.monotonic()
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="page", dynamic_ncols=True, file=sys.stderr)

    def step(self) -> None:
        self.advance_to(self.done + 1)

    def advance_to(self, done: int) -> None:
        if done <= self.done:
            return
        if self.bar is not None:
            self.bar.update(done - self.done)
            self.done = done
            return
        self.done = done
        now = time.monotonic()
        if not self.quiet and (now - self.last > 5 or self.done == self.total):
            self.last = now
            rate = self.done / max(now - self.started, 1e-6)
            eta = (self.total - self.done) / rate if rate else 0
            log.info("%d/%d pages, %.1f pages/s, ETA %.0f s%s", self.done, self.total, rate, eta,
                     f", {self.note}" if self.note else "")

    def describe(self, note: str) -> None:
        """What follows the page count (a cluster's tasks done of total)."""
        if note != self.note:
            self.note = note
            if self.bar is not None:
                self.bar.set_postfix_str(note, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def build(
    sources: list[Path],
    index_root: Path,
    *,
    full: bool = False,
    workers: int | None = None,
    shards: int | None = None,
    cluster: ClusterOptions | None = None,
    quiet: bool = False,
    limits: Limits | None = None,
) -> Report:
    """Build a new generation of ``index_root`` from the files under ``sources`` and publish it.

    Incremental unless ``full`` (or the previous generation is of another ``INDEX_FORMAT``):
    only new and changed files are read, deleted ones dropped. ``workers`` processes (default one
    per core) read and analyse pages; a full build of ``SHARD_MIN_PAGES`` or more also writes in
    them, as ``shards`` segments (default: one per worker). With ``cluster``, the build is full
    and its shard tasks run on that Dask cluster (``indexer.cluster``), which is reached before
    anything is touched: ``cluster.ClusterUnavailable`` if it cannot be. Returns the ``Report``
    saved with the generation. Raises ``generations.BuildLocked`` at once if another build holds
    the lock; on any other error the unfinished generation is removed and the live one is left
    as it was. Sources are folders of saved pages and documents, site mirrors, and web archives
    (WARC, WACZ) or folders of them; attached documents are read within ``limits``.
    """
    index_root = Path(index_root)
    workers = workers or os.cpu_count() or 1
    limits = limits or Limits()
    if cluster is not None:
        from .cluster import connect

        with connect(cluster, quiet=quiet) as session, gen.build_lock(index_root):
            return _build_locked(sources, index_root, full=True, workers=workers, shards=None, session=session,
                                 quiet=quiet, limits=limits)
    with gen.build_lock(index_root):
        return _build_locked(sources, index_root, full=full, workers=workers, shards=shards or workers, quiet=quiet,
                             limits=limits)


class _Clock:
    """Wall seconds per phase, in the order they ran."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.phases: dict[str, float] = {}

    def lap(self, phase: str, at: float | None = None) -> None:
        now = time.monotonic() if at is None else at
        self.phases[phase] = round(self.phases.get(phase, 0.0) + now - self.last, 2)
        self.last = now


@dataclass
class _Build:
    """One build under way: what it reads, where it writes, and its bookkeeping."""

    target: Path  # the new generation's directory
    todo: list[SourceFile]  # the files to read
    gone: list[str]  # ids to delete from the previous generation
    previous: Path | None  # the generation an incremental build extends
    workers: int
    ledger: Ledger
    progress: Progress
    clock: _Clock
    limits: Limits = field(default_factory=Limits)

    def write_shards(self, shards: int) -> None:
        """A full build in ``shards`` segments, each written by a worker process of this machine
        (at most ``workers`` at a time)."""
        self._commit_shards(_run_shards(self.todo, self.target, shards, self.workers, self.progress, self.limits))

    def write_on_cluster(self, session: Any) -> None:
        """A full build whose shard tasks run on a Dask cluster (``cluster.Session``)."""
        from .cluster import run_shards

        run = run_shards(session, self.todo, self.target, self.progress, self.limits)
        for outcome in run.unread:  # files the builder could not read to ship them
            self.ledger.record(outcome)
        self.ledger.report.cluster = run.summary
        self._commit_shards(run.shards)

    def _commit_shards(self, run: tuple[list[Path], list[Any], float]) -> None:
        """The shards' segments, written wherever, committed as the generation (unmerged), and
        what each shard task returned recorded, in ``todo`` order."""
        assert self.previous is None, "shards write full builds only: nothing to replace or delete"
        dirs, results, last_page = run
        self.clock.lap("read", at=last_page)
        self.clock.lap("write")
        combine_shards(self.target, dirs)
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.clock.lap("combine")
        for outcomes, _times in results:
            for outcome in outcomes:
                self.ledger.record(outcome)
        self.ledger.report.shards = [times.as_dict() for _outcomes, times in results]
        self.progress.close()

    def write_one(self) -> None:
        """One writer fed by the worker pool: a new index, or a copy of the ``previous``
        generation with the changed files replaced and the gone ones deleted."""
        if self.previous is not None:
            shutil.copytree(self.previous, self.target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("report.json", "*.lock", ARRAYS))  # arrays: written anew
            self.clock.lap("copy")
            writer = append_writer(self.target)
        else:
            writer = IndexWriter(self.target)
        for doc_id in self.gone:
            writer.delete(doc_id)
        for outcome, doc in _read_pages(self.todo, self.workers, self.limits):
            self.progress.step()
            step = self.ledger.record(outcome)
            if step.delete:
                writer.delete(step.delete)
            if step.add and doc is not None:
                writer.add(doc)
        self.progress.close()
        self.clock.lap("read")
        writer.commit(optimize=self.previous is None)
        self.clock.lap("write")


def _build_locked(sources: list[Path], index_root: Path, *, full: bool, workers: int, shards: int | None,
                  quiet: bool, session: Any = None, limits: Limits = Limits()) -> Report:
    clock = _Clock()
    report = Report(started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), phases=clock.phases,
                    limits=limits.as_dict())
    gen.prune(index_root)  # leftovers of a killed build
    previous = gen.current(index_root)
    crawls = CrawlLog.after(previous if not full else None)  # archive files unchanged since are not scanned again
    files = discover(sources, report.skipped, crawls)
    if crawls.files:
        report.archives = crawls.summary()
    old = Manifest()
    if previous is not None and not full:
        old_report = gen.read_json(previous / "report.json") or {}
        # a generation without its stories cannot be extended: its unchanged pages have no sketch
        if old_report.get("index_format") == INDEX_FORMAT and (previous / STORIES_FILE).exists():
            old = Manifest.load(previous / "manifest.json")
    report.mode = "incremental" if old else "full"
    ledger = Ledger(report, old)
    todo = [source for source in files if not ledger.unchanged(source)]
    target = gen.new_generation(index_root)
    report.generation = target.name
    work = _Build(target, todo, ledger.gone(files), previous if old else None, workers, ledger,
                  Progress(len(todo), quiet=quiet), clock, limits)
    clock.lap("discover")
    if session is None:
        Registry.default()  # loaded once in the parent so that forked workers share them
        load_segmenter()
        default_sketcher()
        clock.lap("load")
    try:
        if session is not None:
            work.write_on_cluster(session)
        elif work.previous is None and workers > 1 and len(todo) >= SHARD_MIN_PAGES:
            work.write_shards(shards or workers)
        else:
            work.write_one()
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    ledger.close()
    _previous_stories_into(ledger, previous).save(target / STORIES_FILE)
    clock.lap("stories")
    # what every server process maps instead of its own copy; with no page added, changed or
    # removed, the previous generation's, linked
    write_arrays(target, previous=work.previous,
                 unchanged=not (report.added or report.updated or report.removed))
    clock.lap("arrays")
    report.seconds = round(time.monotonic() - clock.started, 2)
    report.pages_per_second = round(report.read / report.seconds, 1) if report.seconds else 0.0
    ledger.manifest.save(target / "manifest.json")
    if crawls.files:  # every capture of each archived page, for its "Các lần lưu"
        crawls.save(target, {source.relpath: source.doc_id for source in files if source.archive})
        crawls.save_scans(target)
    gen.write_json(target / "report.json", report.as_dict())
    gen.publish(index_root, target)
    gen.prune(index_root)
    clock.lap("publish")
    gen.write_json(target / "report.json", report.as_dict())  # again, with the publishing's seconds (atomic)
    return report


def _previous_stories_into(ledger: Ledger, previous: Path | None) -> Stories:
    """This build's stories, from the previous generation's (a full build too, so story ids
    survive it) and the sketches of the pages read now."""
    stored = Stories.empty()
    if previous is not None and (previous / STORIES_FILE).exists():
        try:
            stored = Stories.load(previous / STORIES_FILE)
        except (OSError, ValueError, KeyError) as err:  # unreadable: every page is sketched again next time
            log.warning("the previous stories (%s) cannot be read: %s", previous / STORIES_FILE, err)
    try:
        return ledger.stories(stored)
    except ValueError as err:  # sketched another way (other permutations): regrouped from scratch
        log.warning("the previous stories do not fit this build's sketches (%s): grouping anew", err)
        return ledger.stories(Stories.empty())


def _init_worker() -> None:
    # Workers ignore Ctrl-C; the parent decides. The registry and pyvi are loaded before fork.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _read_pages(files: list[SourceFile], workers: int, limits: Limits) -> Iterator[tuple[Outcome, IndexDoc | None]]:
    if workers <= 1 or len(files) < 20:
        for source in files:
            yield read_page(source, limits)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, maxtasksperchild=2000) as pool:
        yield from pool.imap_unordered(partial(read_page, limits=limits), files, chunksize=8)


def _shard_process(part: list[SourceFile], directory: str, memory_mb: int, done: Any, out: Any,
                   limits: Limits) -> None:
    """A shard process: the shard task, counting pages for the progress line, and its result sent back."""
    _init_worker()

    def page_done() -> None:
        with done.get_lock():
            done.value += 1

    out.put((directory, write_segment(part, Path(directory), memory_mb, page_done, limits)))


def split(todo: list[SourceFile], parts: int) -> list[list[SourceFile]]:
    """``todo`` cut into ``parts`` consecutive runs of nearly equal length (the order is kept, so
    the generation's documents are numbered as one writer would number them)."""
    return [todo[i * len(todo) // parts:(i + 1) * len(todo) // parts] for i in range(parts)]


def _run_shards(todo: list[SourceFile], target: Path, shards: int, workers: int, progress: Progress,
                limits: Limits) -> tuple[list[Path], list[Any], float]:
    """Index ``todo`` as ``shards`` segments, in at most ``workers`` processes at a time.
    Returns the shard directories, each one's ``write_segment`` result, in ``todo`` order, and
    when the last page was read (``time.monotonic()``)."""
    ctx = multiprocessing.get_context("fork")  # pyvi and the registry, loaded once, are shared
    done = ctx.Value("q", 0)
    out = ctx.Queue()
    dirs = [target / f"shard-{i}" for i in range(shards)]
    memory_mb = max(128, BUILD_MEMORY_MB // min(shards, workers))
    procs = {str(d): ctx.Process(target=_shard_process, args=(part, str(d), memory_mb, done, out, limits),
                                 name=f"shard-{i}")
             for i, (part, d) in enumerate(zip(split(todo, shards), dirs))}
    waiting = list(procs.values())
    running: dict[str, Any] = {}
    results: dict[str, Any] = {}
    last_page = None
    try:
        while len(results) < shards:
            while waiting and len(running) < workers:
                proc = waiting.pop(0)
                proc.start()
                running[next(d for d, p in procs.items() if p is proc)] = proc
            try:
                directory, result = out.get(timeout=0.5)
                results[directory] = result
                running.pop(directory).join()
            except queue.Empty:
                dead = [p for p in running.values() if p.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"{dead[0].name} stopped with exit code {dead[0].exitcode}") from None
            progress.advance_to(done.value)
            if done.value == len(todo) and last_page is None:
                last_page = time.monotonic()
                if not progress.quiet:
                    # the shards' own merges follow, minutes at archive scale, with no page count to show
                    log.info("all %d pages read; the %d shards are writing their segments", len(todo), shards)
    finally:
        for proc in procs.values():
            if proc.is_alive():
                proc.terminate()
                proc.join()
    return dirs, [results[str(d)] for d in dirs], last_page or time.monotonic()
