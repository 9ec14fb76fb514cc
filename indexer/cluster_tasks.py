"""What runs on a Dask worker during a cluster build (``cluster.py`` runs the build): a shard
task reads its files and writes one segment with ``pages.write_segment``, exactly as a local
shard process does, and hands the segment back over the Dask connection or leaves it under the
scratch folder; a merge task joins consecutive segments. Their inputs and results, and the
builder's side of ``--ship-files``, are here too: everything a worker unpickles."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
import time
import uuid
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .attachments import DOCUMENT_MEDIA, Limits
from .bookkeeping import Outcome
from .engine import merge_shards
from .extract import MAX_FILE_BYTES, SkipPage
from .pages import read_source, write_segment
from .sources import SourceFile


class ClusterBuildError(RuntimeError):
    """A task failed on the cluster for a reason no retry cures (a source its worker cannot see)."""


class SourceNotVisible(ClusterBuildError):
    """A worker cannot see the source folder (or the scratch folder) at the builder's path."""

    @classmethod
    def on(cls, worker: str, missing: list[str]) -> "SourceNotVisible":
        return cls(f"worker {worker} cannot see {', '.join(missing)}: the source folder must be at the same path "
                   "on every worker (or build with --ship-files), and so must the scratch folder")


@dataclass
class Segment:
    """A finished segment: its files, or the directory under the scratch folder that holds them."""

    files: dict[str, bytes] | None = None
    directory: str | None = None

    def materialise(self, into: Path) -> None:
        """The segment's files in the new directory ``into`` (moved out of the scratch folder)."""
        if self.directory is not None:
            shutil.move(self.directory, into)
            return
        into.mkdir(parents=True)
        for name, data in (self.files or {}).items():
            (into / name).write_bytes(data)


@dataclass
class Done:
    """What a shard or merge task hands back: each shard's ``write_segment`` result, unchanged,
    with where and how long it ran, in file order; and the segment they make."""

    shards: list[tuple[Any, dict[str, Any]]]
    segment: Segment
    merges: list[dict[str, Any]] = field(default_factory=list)  # the merge tasks that made the segment


@dataclass(frozen=True)
class ShardTask:
    number: int
    files: list[SourceFile]
    memory_mb: int
    topic: str  # progress events go to this topic
    shipped: bytes | None = None  # zlib'd pickle of each file's bytes (``ship``)
    scratch: str | None = None  # leave the segment here instead of sending it back
    limits: Limits = field(default_factory=Limits)  # how much of an attached document is read


def _worker() -> Any:
    from distributed import get_worker

    return get_worker()


def _hand_back(directory: Path, scratch: str | None, name: str) -> Segment:
    if scratch is None:
        return Segment(files={p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()})
    partial = Path(scratch) / f".{name}-{uuid.uuid4().hex}"
    shutil.copytree(directory, partial)
    final = partial.with_name(partial.name[1:])  # a rerun of the task leaves its own directory
    partial.rename(final)
    return Segment(directory=str(final))


def unseen(paths: list[str]) -> list[str]:
    """The folders of ``paths`` this machine does not see (run on every worker before the tasks)."""
    return [p for p in paths if not os.path.isdir(p)]


def code_fingerprint() -> str:
    """A hash of this package's code and data: the builder and its workers must run the same, or
    the generation would depend on which worker read which page."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".json", ".txt", ".tsv", ".csv") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def shard_task(task: ShardTask) -> Done:
    """On a worker: index ``task.files`` into one segment with ``pages.write_segment``."""
    worker = _worker()
    started = time.monotonic()
    missing = unseen(sorted({f.root for f in task.files} if task.shipped is None else set())
                      + ([task.scratch] if task.scratch else []))
    if missing:
        raise SourceNotVisible.on(worker.address, missing)
    last = [started, 0]

    def page_done() -> None:
        last[1] += 1
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            worker.log_event(task.topic, {"task": task.number, "pages": last[1]})

    with tempfile.TemporaryDirectory(prefix=f"tracuu-shard-{task.number}-", dir=worker.local_directory) as tmp:
        files = task.files
        if task.shipped is not None:
            files = _unpack(task, Path(tmp) / "files")
        result = write_segment(files, Path(tmp) / "segment", task.memory_mb, page_done, task.limits)
        segment = _hand_back(Path(tmp) / "segment", task.scratch, f"shard-{task.number}")
    worker.log_event(task.topic, {"task": task.number, "pages": len(task.files), "done": 1})
    info = {"task": task.number, "pages": len(task.files), "worker": worker.address,
            "seconds": round(time.monotonic() - started, 2)}
    return Done([(result, info)], segment)


def merge_task(number: int, memory_mb: int, scratch: str | None, topic: str, *parts: Done) -> Done:
    """On a worker: the segments of ``parts`` (consecutive shard tasks) merged into one."""
    worker = _worker()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"tracuu-merge-{number}-", dir=worker.local_directory) as tmp:
        inputs = []
        for i, part in enumerate(parts):
            into = Path(tmp) / f"in-{i}"
            if part.segment.directory is not None:  # copied, not moved: a rerun must find it again
                shutil.copytree(part.segment.directory, into)
            else:
                part.segment.materialise(into)
            inputs.append(into)
        merged = Path(tmp) / "merged"
        merge_shards(merged, inputs, memory_mb)
        segment = _hand_back(merged, scratch, f"merge-{number}")
    seconds = round(time.monotonic() - started, 2)
    worker.log_event(topic, {"merge": number, "done": 1})
    shards = [shard for part in parts for shard in part.shards]
    pages = sum(info["pages"] for _result, info in shards)
    return Done(shards, segment, [{"merge": number, "pages": pages, "seconds": seconds, "worker": worker.address}])


def _unpack(task: ShardTask, into: Path) -> list[SourceFile]:
    """Shipped bytes written where ``write_segment`` reads them; ids and the manifest come from
    the root and relative path, which stay the builder's."""
    into.mkdir()
    contents = pickle.loads(zlib.decompress(task.shipped or b""))
    files = []
    for i, (source, raw) in enumerate(zip(task.files, contents)):
        path = into / str(i)
        path.write_bytes(raw)
        # a crawl's record arrives as its payload: a file of its own now, its address and digest kept
        files.append(replace(source, path=str(path), offset=-1, length=0, member=""))
    return files


def ship(files: list[SourceFile], limits: Limits = Limits()) -> tuple[bytes, list[SourceFile], list[Outcome]]:
    """The builder's side of ``--ship-files``: the bytes of ``files`` that can be read (as much as
    ``read_page`` would read), and the outcome of each one that cannot, as a local build has it."""
    contents, readable, unread = [], [], []
    for source in files:
        limit = limits.document_bytes if source.media in DOCUMENT_MEDIA else MAX_FILE_BYTES
        if source.size > limit:  # read_page refuses it by its size, unread
            contents.append(b"")
            readable.append(source)
            continue
        try:
            contents.append(read_source(source, limit))  # a file, or a crawl's record by its offset
            readable.append(source)
        except SkipPage as err:
            unread.append(Outcome(source, reason=str(err)))
    return zlib.compress(pickle.dumps(contents, protocol=pickle.HIGHEST_PROTOCOL), 1), readable, unread
