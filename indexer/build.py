"""Build a new index generation from archive folders, in parallel, and publish it.

Pages are read, cleaned, and analysed (pyvi) in worker processes, one per core. A full build
splits the pages into one shard per worker: each shard process also writes (and merges) its own
Whoosh segment, and the generation is the list of those segments, so no step runs on one core
while the other waits. An incremental build (and a small one) feeds one writer from the workers
instead. A manifest of (size, mtime, hash) per file lets the next build reuse the previous
generation and touch only what changed. One bad file is logged with its reason and skipped.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import queue
import shutil
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import generations as gen
from .analysis import analyse, load_segmenter
from .docnumbers import doc_number_key
from .engine import INDEX_FORMAT, IndexDoc, IndexWriter, append_writer, combine_shards
from .extract import HTML_SUFFIXES, TEXT_SUFFIXES, Article, SkipPage, doc_id, extract_bytes
from .registry import Registry

log = logging.getLogger("indexer.build")

SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES
# A full build of at least this many pages is split into one shard per worker: each worker
# process reads, analyses and writes its own Whoosh segment, and the generation is made of those
# segments. Fewer pages go through one writer fed by the workers (one segment).
SHARD_MIN_PAGES = 100
# Whoosh's posting buffers, shared out among the shards: each spills a sorted run to disk when its
# share is full, and every run is read back at the merge. On 20,000 pages with 2 shards, 256 MB
# each took 491 s and 512 MB each 356 s (a shard's peak RSS 813 MiB); 768 MB gained nothing more.
BUILD_MEMORY_MB = 1024


@dataclass(frozen=True)
class SourceFile:
    root: str
    path: str  # absolute
    relpath: str  # relative to its root: the id and what the site shows
    size: int
    mtime_ns: int


@dataclass
class Report:
    generation: str = ""
    mode: str = "full"
    started: str = ""
    seconds: float = 0.0
    read: int = 0
    indexed: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    documents: int = 0
    pages_per_second: float = 0.0
    index_format: int = INDEX_FORMAT

    def as_dict(self) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for item in self.skipped:
            reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
        data = dict(self.__dict__)
        data["skipped_by_reason"] = reasons
        return data


def discover(sources: Iterable[Path], report: Report) -> list[SourceFile]:
    """Every indexable file under the sources; unreadable folders and link loops are reported."""
    files: list[SourceFile] = []
    seen_dirs: set[tuple[int, int]] = set()
    for source in sources:
        root = Path(source).resolve()
        if root.is_file():
            files.extend(_source_file(root.parent, root, report))
            continue
        if not root.is_dir():
            report.skipped.append({"path": str(source), "reason": "source folder does not exist"})
            continue

        def onerror(err: OSError) -> None:
            report.skipped.append({"path": str(err.filename), "reason": f"unreadable folder: {err.strerror}"})

        for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=True):
            try:
                st = os.stat(dirpath)
            except OSError:
                dirnames[:] = []
                continue
            if (st.st_dev, st.st_ino) in seen_dirs:
                report.skipped.append({"path": os.path.relpath(dirpath, root), "reason": "symlink loop (folder seen before)"})
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or Path(name).suffix.lower() not in SUFFIXES:
                    continue
                files.extend(_source_file(root, Path(dirpath) / name, report))
    return files


def _source_file(root: Path, path: Path, report: Report) -> list[SourceFile]:
    relpath = path.relative_to(root).as_posix()
    try:
        st = path.stat()
    except OSError as err:
        reason = "symlink loop" if err.errno == 40 else f"unreadable: {err.strerror}"
        report.skipped.append({"path": relpath, "reason": reason})
        return []
    if not stat.S_ISREG(st.st_mode):  # a named pipe or a device: opening it may wait forever
        report.skipped.append({"path": relpath, "reason": "not a regular file"})
        return []
    return [SourceFile(str(root), str(path), relpath, st.st_size, st.st_mtime_ns)]


# ---------------------------------------------------------------- worker side

def process_file(source: SourceFile) -> tuple[SourceFile, str, IndexDoc | None, str | None]:
    """Read, clean, extract and analyse one file. Returns (source, hash, doc, skip reason)."""
    try:
        try:
            with open(source.path, "rb") as fh:
                raw = fh.read(50 * 1024 * 1024 + 1)
        except OSError as err:
            return source, "", None, f"unreadable: {err.strerror or err}"
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        article = extract_bytes(raw, source.relpath)
        return source, digest, to_index_doc(article), None
    except SkipPage as err:
        return source, "", None, str(err)
    except Exception as err:  # one bad file never stops a build
        return source, "", None, f"extraction failed: {type(err).__name__}: {err}"[:300]


def to_index_doc(article: Article) -> IndexDoc:
    body = analyse(article.body)
    title = analyse(article.title, segment_words=False)
    stored = article.to_json()
    return IndexDoc(
        id=article.id,
        path=article.path,
        article=stored,
        body_accented=body.accented,
        body_folded=body.folded,
        body_words=body.words,
        title_accented=title.accented,
        title_folded=title.folded,
        folded_pairs=title.pairs + body.pairs,
        doc_numbers=list(dict.fromkeys([doc_number_key(n) for n in article.doc_numbers] + body.doc_numbers
                                       + title.doc_numbers)),
        mentions=article.mentions,
        agency=article.agency,
        units=article.units,
        day=article.date,
    )


def _init_worker() -> None:
    # Workers ignore Ctrl-C; the parent decides. The registry and pyvi are loaded before fork.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _results(files: list[SourceFile], workers: int) -> Iterator[tuple[SourceFile, str, IndexDoc | None, str | None]]:
    if workers <= 1 or len(files) < 20:
        for source in files:
            yield process_file(source)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, maxtasksperchild=2000) as pool:
        yield from pool.imap_unordered(process_file, files, chunksize=8)


def _write_shard(part: list[SourceFile], directory: str, qualified: frozenset[str], memory_mb: int,
                 done: Any, out: Any) -> None:
    """A shard process: read, analyse and index ``part`` into its own index at ``directory``,
    then send back what happened to each file (for the report and the manifest)."""
    _init_worker()
    writer = IndexWriter(Path(directory), memory_mb=memory_mb)
    outcomes = []
    for source in part:
        source, digest, doc, reason = process_file(source)
        if doc is not None and reason is None:
            if _key(source) in qualified:
                doc.id = doc_id(f"{source.root}/{source.relpath}")
            writer.add(doc)
        outcomes.append((source, digest, doc.id if doc is not None and reason is None else None, reason))
        with done.get_lock():
            done.value += 1
    writer.commit(optimize=True)  # this shard's own merge, beside the other shards'
    out.put((directory, outcomes))


def _run_shards(todo: list[SourceFile], target: Path, shards: int, qualified: frozenset[str],
                progress: "Progress") -> list[tuple[SourceFile, str, str | None, str | None]]:
    """Index ``todo`` in ``shards`` processes and combine their segments into ``target``.
    Returns each file's (source, hash, id or None, skip reason), in ``todo`` order."""
    ctx = multiprocessing.get_context("fork")  # pyvi and the registry, loaded once, are shared
    done = ctx.Value("q", 0)
    out = ctx.Queue()
    parts = [todo[i * len(todo) // shards:(i + 1) * len(todo) // shards] for i in range(shards)]
    dirs = [str(target / f"shard-{i}") for i in range(shards)]
    memory_mb = max(128, BUILD_MEMORY_MB // shards)
    procs = [ctx.Process(target=_write_shard, args=(part, d, qualified, memory_mb, done, out), name=f"shard-{i}")
             for i, (part, d) in enumerate(zip(parts, dirs))]
    results: dict[str, list] = {}
    said = False
    try:
        for proc in procs:
            proc.start()
        while len(results) < shards:
            try:
                directory, outcomes = out.get(timeout=0.5)
                results[directory] = outcomes
            except queue.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"{dead[0].name} stopped with exit code {dead[0].exitcode}") from None
            progress.advance_to(done.value)
            if done.value == len(todo) and not said and not progress.quiet:
                # the shards' own merges follow, minutes at archive scale, with no page count to show
                log.info("all %d pages read; the %d shards are writing their segments", len(todo), shards)
                said = True
        for proc in procs:
            proc.join()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
                proc.join()
    combine_shards(target, [Path(d) for d in dirs])
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    return [outcome for d in dirs for outcome in results[d]]


def _qualified_ids(files: list[SourceFile]) -> frozenset[str]:
    """Files whose relative path another, earlier source already has: their ids are qualified
    with their root, so both are kept."""
    seen: set[str] = set()
    out = set()
    for source in files:
        if source.relpath in seen:
            out.add(_key(source))
        seen.add(source.relpath)
    return frozenset(out)


def _key(source: SourceFile) -> str:
    return f"{source.root}\0{source.relpath}"  # a file is known by root and path


# ---------------------------------------------------------------- the build

class Progress:
    """A bar with pages/s and ETA on a terminal; a plain log line every few seconds elsewhere."""

    def __init__(self, total: int, quiet: bool = False):
        self.total, self.done, self.quiet = total, 0, quiet
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
            log.info("%d/%d pages, %.1f pages/s, ETA %.0f s", self.done, self.total, rate, eta)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def build(
    sources: list[Path],
    index_root: Path,
    *,
    full: bool = False,
    workers: int | None = None,
    quiet: bool = False,
) -> Report:
    """Build and publish a new generation; raises ``gen.BuildLocked`` if another build runs."""
    index_root = Path(index_root)
    with gen.build_lock(index_root):
        return _build_locked(sources, index_root, full=full, workers=workers or os.cpu_count() or 1, quiet=quiet)


def _skip(report: Report, source: SourceFile, reason: str | None) -> None:
    report.skipped.append({"path": source.relpath, "reason": reason or "no content"})
    log.warning("skipped %s: %s", source.relpath, reason)


def _entry(source: SourceFile, digest: str, id_: str) -> dict[str, Any]:
    return {"size": source.size, "mtime_ns": source.mtime_ns, "hash": digest, "id": id_, "path": source.relpath}


def _write_one(todo: list[SourceFile], target: Path, previous: Path | None, workers: int, qualified: frozenset[str],
               old_manifest: dict[str, dict[str, Any]], gone: list[str], manifest: dict[str, dict[str, Any]],
               report: Report, progress: Progress) -> None:
    """One writer fed by the worker pool: a new index, or (``previous``) a copy of the previous
    generation with the changed files replaced and the gone ones deleted."""
    if previous is not None:
        shutil.copytree(previous, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("report.json", "*.lock"))
        writer = append_writer(target)
    else:
        writer = IndexWriter(target)
    for k in gone:
        if old_manifest[k].get("id"):
            writer.delete(old_manifest[k]["id"])
        report.removed += 1
    for source, digest, doc, reason in _results(todo, workers):
        report.read += 1
        progress.step()
        old = old_manifest.get(_key(source))
        if reason is not None or doc is None:
            _skip(report, source, reason)
            if old and old.get("id"):
                writer.delete(old["id"])
                report.removed += 1
            continue
        if old and old.get("hash") == digest and old.get("id"):
            # touched but not changed: keep the indexed copy
            manifest[_key(source)] = {**old, "size": source.size, "mtime_ns": source.mtime_ns}
            report.unchanged += 1
            continue
        if _key(source) in qualified:
            doc.id = doc_id(f"{source.root}/{source.relpath}")
        if old and old.get("id"):
            writer.delete(old["id"])
            report.updated += 1
        else:
            report.added += 1
        writer.add(doc)
        manifest[_key(source)] = _entry(source, digest, doc.id)
    progress.close()
    writer.commit(optimize=previous is None)


def _build_locked(sources: list[Path], index_root: Path, *, full: bool, workers: int, quiet: bool) -> Report:
    started = time.monotonic()
    report = Report(started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    gen.prune(index_root)  # leftovers of a killed build
    files = discover(sources, report)
    previous = gen.current(index_root)
    old_manifest: dict[str, dict[str, Any]] = {}
    if previous is not None and not full:
        old_report = gen.read_json(previous / "report.json") or {}
        if old_report.get("index_format") == INDEX_FORMAT:
            old_manifest = gen.read_json(previous / "manifest.json") or {}
    incremental = bool(old_manifest)
    report.mode = "incremental" if incremental else "full"

    todo: list[SourceFile] = []
    manifest: dict[str, dict[str, Any]] = {}
    for source in files:
        old = old_manifest.get(_key(source))
        if old and old["size"] == source.size and old["mtime_ns"] == source.mtime_ns:
            manifest[_key(source)] = old
            report.unchanged += 1
        else:
            todo.append(source)
    current_keys = {_key(f) for f in files}
    gone = [k for k in old_manifest if k not in current_keys]
    qualified = _qualified_ids(files)
    shards = workers if not incremental and workers > 1 and len(todo) >= SHARD_MIN_PAGES else 1

    target = gen.new_generation(index_root)
    report.generation = target.name
    Registry.default()  # load once in the parent so forked workers share it
    load_segmenter()
    try:
        progress = Progress(len(todo), quiet=quiet)
        if shards > 1:
            for source, digest, id_, reason in _run_shards(todo, target, shards, qualified, progress):
                report.read += 1
                if id_ is None:
                    _skip(report, source, reason)
                    continue
                report.added += 1
                manifest[_key(source)] = _entry(source, digest, id_)
            progress.close()
        else:
            _write_one(todo, target, previous if incremental else None, workers, qualified, old_manifest, gone,
                       manifest, report, progress)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    report.indexed = report.added + report.updated
    report.documents = len(manifest)
    report.seconds = round(time.monotonic() - started, 2)
    report.pages_per_second = round(report.read / report.seconds, 1) if report.seconds else 0.0
    gen.write_json(target / "manifest.json", manifest)
    gen.write_json(target / "report.json", report.as_dict())
    gen.publish(index_root, target)
    gen.prune(index_root)
    return report
