"""A build's bookkeeping, the same however the pages are written (shards or one writer): what
each file gave (``Outcome``), the report's counts and skips (``Report``), the manifest of the
new generation against the previous one's (``Manifest``), and the stories (near-duplicate groups)
updated from the sketches the workers made, both kept by a ``Ledger``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

from .duplicates import Sketch, Stories
from .engine import INDEX_FORMAT
from .generations import write_json
from .sources import Skip, SourceFile

log = logging.getLogger("indexer.build")


@dataclass
class Report:
    """What a build did; saved as the generation's ``report.json`` and shown on /status."""

    generation: str = ""
    mode: str = "full"
    started: str = ""
    seconds: float = 0.0  # up to the new generation's files being complete (publishing not included)
    read: int = 0
    indexed: int = 0
    added: int = 0
    updated: int = 0
    skipped: list[Skip] = field(default_factory=list)
    removed: int = 0
    unchanged: int = 0
    documents: int = 0
    pages_per_second: float = 0.0
    index_format: int = INDEX_FORMAT
    # Wall seconds of each phase, in order: discover (walk, stat, compare with the previous
    # manifest), load (the registry and pyvi, before workers fork; not in a cluster build, whose
    # workers load their own), copy (an incremental build's copy of the previous index), read
    # (until the last page is read, analysed and handed to a writer), write (after the last page:
    # the segments' merges and writes, and a cluster's segments reaching the builder), combine
    # (a sharded build's segments committed as one index), stories (the pages regrouped into
    # stories from their sketches), publish (manifest, report, CURRENT, pruning)
    phases: dict[str, float] = field(default_factory=dict)
    # Each shard task of a sharded build, as measured inside it: pages, and seconds reading and
    # analysing them, adding them to its writer (Whoosh), and merging and writing its segment
    shards: list[dict[str, float]] = field(default_factory=list)
    # A cluster build: the scheduler, its workers, the tasks and merges run (``cluster.py``)
    cluster: dict[str, Any] = field(default_factory=dict)
    # Web archives read (``crawls.CrawlLog.summary``): files, and their records by what became of
    # them (page, document, revisit, redirect, HTTP 404, robots.txt, asset, earlier capture, ...)
    archives: dict[str, Any] = field(default_factory=dict)
    # The limits attached documents were read within (``attachments.Limits``), and what was cut
    limits: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)  # e.g. {"text cut at 1,000,000 characters": 2}

    def as_dict(self) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for item in self.skipped:
            reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
        data = dict(self.__dict__)
        data["skipped_by_reason"] = reasons
        return data


@dataclass(frozen=True)
class Outcome:
    """What reading one file gave: its content hash and the id it is indexed under, or why not."""

    source: SourceFile
    digest: str = ""
    doc_id: str | None = None  # None: skipped
    reason: str | None = None
    note: str | None = None  # indexed, but not whole (a document's text cut at the limit)
    sketch: Sketch | None = None  # the page's near-duplicate sketch, made where it was analysed


@dataclass(frozen=True)
class ManifestEntry:
    size: int
    mtime_ns: int
    hash: str
    id: str
    path: str


class Manifest:
    """Every file a generation holds, by (root, relative path): size, mtime, content hash and
    document id. Saved as ``manifest.json``, an object keyed ``root + "\\0" + relpath``."""

    def __init__(self, entries: dict[tuple[str, str], ManifestEntry] | None = None):
        self._entries = entries or {}

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        """The manifest saved at ``path``; empty when it is missing or unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls({tuple(key.split("\0", 1)): ManifestEntry(**entry) for key, entry in data.items()})
        except (OSError, ValueError, TypeError):
            return cls()

    def save(self, path: Path) -> None:
        write_json(path, {f"{root}\0{relpath}": asdict(entry) for (root, relpath), entry in self._entries.items()})

    def get(self, source: SourceFile) -> ManifestEntry | None:
        return self._entries.get(source.key)

    def put(self, source: SourceFile, entry: ManifestEntry) -> None:
        self._entries[source.key] = entry

    def keys(self) -> Iterator[tuple[str, str]]:
        return iter(self._entries)

    def __getitem__(self, key: tuple[str, str]) -> ManifestEntry:
        return self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries)


class Step(NamedTuple):
    """What the writer must do for one file read: delete an older copy, add the new one."""

    delete: str | None
    add: bool


class Ledger:
    """The bookkeeping of one build: counts and skips into ``report``, entries into ``manifest``,
    measured against the ``previous`` generation's manifest (empty for a full build)."""

    def __init__(self, report: Report, previous: Manifest):
        self.report = report
        self.previous = previous
        self.manifest = Manifest()
        self.sketches: dict[str, Sketch] = {}  # pages added or changed in this build, by id

    def unchanged(self, source: SourceFile) -> bool:
        """A file with the size and mtime the previous generation saw, or a web archive's record
        with the payload digest it saw (in whichever crawl): kept without reading it."""
        old = self.previous.get(source)
        if old is not None and source.digest and old.hash == source.digest and old.id:
            self.manifest.put(source, replace(old, size=source.size, mtime_ns=source.mtime_ns))
            self.report.unchanged += 1
            return True
        if old is not None and not source.digest and old.size == source.size and old.mtime_ns == source.mtime_ns:
            self.manifest.put(source, old)
            self.report.unchanged += 1
            return True
        return False

    def gone(self, files: Iterable[SourceFile]) -> list[str]:
        """Ids of the previous generation's documents whose files are gone (each counted removed)."""
        present = {source.key for source in files}
        ids = []
        for key in self.previous.keys():
            if key not in present:
                if self.previous[key].id:
                    ids.append(self.previous[key].id)
                self.report.removed += 1
        return ids

    def record(self, outcome: Outcome) -> Step:
        """Count one file read and decide what becomes of it."""
        source = outcome.source
        self.report.read += 1
        if outcome.note:
            self.report.notes[outcome.note] = self.report.notes.get(outcome.note, 0) + 1
        old = self.previous.get(source)
        if outcome.doc_id is None:
            self.report.skipped.append({"path": source.relpath, "reason": outcome.reason or "no content"})
            log.warning("skipped %s: %s", source.relpath, outcome.reason)
            if old is not None and old.id:
                self.report.removed += 1
                return Step(old.id, False)
            return Step(None, False)
        if old is not None and old.hash == outcome.digest and old.id:
            # touched but not changed: keep the indexed copy
            self.manifest.put(source, replace(old, size=source.size, mtime_ns=source.mtime_ns))
            self.report.unchanged += 1
            return Step(None, False)
        if old is not None and old.id:
            self.report.updated += 1
        else:
            self.report.added += 1
        self.manifest.put(source, ManifestEntry(source.size, source.mtime_ns, outcome.digest, outcome.doc_id,
                                                source.relpath))
        if outcome.sketch is not None:
            self.sketches[outcome.doc_id] = outcome.sketch
        return Step(old.id if old is not None and old.id else None, True)

    def close(self) -> None:
        self.report.indexed = self.report.added + self.report.updated
        self.report.documents = len(self.manifest)

    def stories(self, previous: Stories) -> Stories:
        """The new generation's stories: ``previous`` (the last generation's) with this build's
        sketches in and every page the new manifest does not hold out, regrouped from the stored
        signatures (unchanged pages are not sketched again); story ids carry over."""
        held = {self.manifest[key].id for key in self.manifest.keys()}
        gone = [page for page in previous.ids.tolist() if page not in held]
        return previous.update(self.sketches, removed=gone)
