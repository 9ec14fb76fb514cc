"""Crawls as sources: the pages and documents of web archives, one ``SourceFile`` per address.

``archive_sources`` scans one WARC or WACZ (``warc.scan``) and makes a ``SourceFile`` of each
capture, read later by its offset; ``latest_captures`` keeps, for every address captured in
several crawls (or several times in one), the latest capture of its content, and the
``CrawlLog`` keeps every capture and revisit of it, for the article page's "Các lần lưu", and
counts what the archives held besides pages and documents.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .generations import read_json, write_json
from .sources import Skip, SourceFile
from .warc import Capture, Scan, scan

log = logging.getLogger("indexer.build")

CAPTURES_FILE = "captures.json"
SCANS_FILE = "archives.json"  # each archive file's scan, reused while the file is unchanged


@dataclass
class CrawlLog:
    """What a build found in its web archives: records counted by kind, and every capture of each
    address (time, archive, payload digest) by ``url_key``."""

    files: int = 0
    counts: Counter = field(default_factory=Counter)
    captures: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)  # key -> (time, archive, digest, kind)
    # (path, size, mtime_ns) -> the scans of that archive file: the previous build's, and this one's
    previous_scans: dict[tuple[str, int, int], list[Scan]] = field(default_factory=dict)
    scans: dict[tuple[str, int, int], list[Scan]] = field(default_factory=dict)
    rescanned: int = 0  # archive files read through in this build (the others' scans were reused)

    @classmethod
    def after(cls, generation: Path | None) -> "CrawlLog":
        """A log that reuses the scans a previous generation saved for archive files unchanged since."""
        log_ = cls()
        data = read_json(generation / SCANS_FILE) if generation is not None else None
        for entry in (data or {}).get("files", []):
            try:
                key = (entry["path"], int(entry["size"]), int(entry["mtime_ns"]))
                log_.previous_scans[key] = [_scan_from_json(s) for s in entry["scans"]]
            except (KeyError, TypeError, ValueError):
                continue  # an unreadable entry is scanned again
        return log_

    def save_scans(self, directory: Path) -> None:
        files = [{"path": p, "size": size, "mtime_ns": mtime, "scans": [_scan_to_json(s) for s in scans]}
                 for (p, size, mtime), scans in self.scans.items()]
        write_json(directory / SCANS_FILE, {"files": files})

    def add(self, key: str, when: str, archive: str, digest: str, kind: str) -> None:
        self.captures.setdefault(key, []).append((when, archive, digest, kind))

    def summary(self) -> dict[str, Any]:
        """For the build report: archive files read, and records by what became of them."""
        return {"files": self.files, "scanned": self.rescanned,
                "records": dict(sorted(self.counts.items(), key=lambda kv: -kv[1]))}

    def save(self, directory: Path, ids: dict[str, str]) -> None:
        """Each indexed address's captures, oldest first, by document id (``ids``: url_key -> id),
        as ``captures.json`` in the generation: [time, archive, "changed" | "same" | "revisit"]."""
        out: dict[str, list[list[str]]] = {}
        for key, found in self.captures.items():
            doc = ids.get(key)
            if doc is None:
                continue
            rows, previous = [], None
            for when, archive, digest, kind in sorted(found):
                state = "revisit" if kind == "revisit" else ("same" if digest == previous else "changed")
                rows.append([when, archive, state])
                if kind != "revisit":
                    previous = digest
            out[doc] = rows
        write_json(directory / CAPTURES_FILE, out)


def captures_of(generation: Path, doc_id: str) -> list[dict[str, str]]:
    """The captures a generation recorded for one document, oldest first (empty for a page that
    did not come from a web archive)."""
    path = generation / CAPTURES_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return []
    return [{"time": t, "archive": a, "state": s} for t, a, s in _captures(str(path), stamp).get(doc_id, [])]


@lru_cache(maxsize=4)
def _captures(path: str, stamp: int) -> dict[str, list[list[str]]]:
    """A generation's captures file, read once (per generation: its files never change)."""
    return read_json(Path(path)) or {}


def archive_sources(root: Path, path: Path, skipped: list[Skip], crawls: CrawlLog) -> list[SourceFile]:
    """Every page and document captured in the WARC or WACZ at ``path`` (under the source folder
    ``root``), as ``SourceFile`` values read by offset; damage is added to ``skipped``."""
    archive = path.relative_to(root).as_posix()
    try:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        scans = crawls.previous_scans.get(key)
        if scans is None:
            scans = scan(path)
            crawls.rescanned += 1
        crawls.scans[key] = scans
    except OSError as err:
        skipped.append({"path": archive, "reason": f"unreadable archive: {err.strerror or err}"})
        return []
    crawls.files += 1
    out = []
    for found in scans:
        crawls.counts.update(found.counts)
        for offset, reason in found.damage:
            where = f"{archive}{'/' + found.member if found.member else ''}@{offset}"
            skipped.append({"path": where, "reason": reason})
            log.warning("archive %s: %s", where, reason)
        for key, when, digest in found.revisits:
            crawls.add(key, when, archive, digest, "revisit")
        for c in found.captures:
            crawls.add(c.key, c.time, archive, c.digest, "response")
            out.append(SourceFile(str(root), str(path), c.key, c.payload, st.st_mtime_ns, url=c.url,
                                  captured=c.time, offset=c.offset, length=c.length, member=found.member,
                                  digest=c.digest, archive=archive, declared_media=c.media))
    return out


def latest_captures(captures: list[SourceFile], crawls: CrawlLog) -> list[SourceFile]:
    """One source per address: its latest capture, knowing its earliest (a bound on its date);
    the earlier ones are counted as such (they are listed with the page, not indexed)."""
    by_key: dict[str, list[SourceFile]] = {}
    for source in captures:
        by_key.setdefault(source.relpath, []).append(source)
    out = []
    for key in sorted(by_key):
        found = sorted(by_key[key], key=lambda s: (s.captured, s.archive, s.offset))
        if len(found) > 1:
            crawls.counts["earlier capture"] += len(found) - 1
        times = [when for when, *_ in crawls.captures.get(key, [])] or [found[0].captured]
        out.append(replace(found[-1], first_captured=min(t for t in times if t) if any(times) else ""))
    return out


def _scan_to_json(found: Scan) -> dict[str, Any]:
    return {"captures": [list(c.__dict__.values()) for c in found.captures], "revisits": found.revisits,
            "counts": dict(found.counts), "damage": found.damage, "member": found.member}


def _scan_from_json(data: dict[str, Any]) -> Scan:
    return Scan([Capture(*c) for c in data["captures"]], [tuple(r) for r in data["revisits"]],
                Counter(data["counts"]), [tuple(d) for d in data["damage"]], data["member"])
