"""What a build reads: every indexable file under the source folders, known by its root and its
path relative to it, and every page and document inside the web archives among them.

A ``SourceFile`` is a plain, picklable value: a file, a WARC record by its offset in a ``.warc``
or ``.warc.gz`` file, or a record of a WARC inside a WACZ. ``pages.read_source`` reads any of
them, in this process or another, on this machine or another that sees the same path."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .extract import HTML_SUFFIXES, TEXT_SUFFIXES, doc_id
from .mirrors import MIRROR_TOOL_FILES, mirror_url
from .warc import DOCUMENT_SUFFIXES, is_archive

SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES | set(DOCUMENT_SUFFIXES)

if TYPE_CHECKING:
    from .crawls import CrawlLog

Skip = dict[str, str]  # {"path": ..., "reason": ...}, as the build report lists them


@dataclass(frozen=True)
class SourceFile:
    root: str
    path: str  # absolute
    relpath: str  # relative to its root: the id and what the site shows
    size: int
    mtime_ns: int
    # another, earlier source has a file at the same relative path: this one's id includes its
    # root, so both are kept
    qualified: bool = False
    # What the archive says of it (``crawls.py``, ``mirrors.py``); empty for a plain saved file.
    # A WARC record's ``relpath`` is its address's ``mirrors.url_key``: the same in every crawl.
    url: str = ""  # the original address: a WARC record's target, a mirror's host folder
    captured: str = ""  # when this capture was made (``YYYY-MM-DDTHH:MM:SSZ``)
    first_captured: str = ""  # the address's earliest capture: the page was published before it
    offset: int = -1  # a WARC record: its first byte in ``path`` (a gzip member or a plain record)
    length: int = 0  # and its length in bytes
    member: str = ""  # a WARC inside a WACZ that is read through zipfile (compressed): its name
    digest: str = ""  # the payload digest the WARC records: unchanged pages are not read again
    archive: str = ""  # the WARC or WACZ file, relative to ``root`` (shown with the page)
    declared_media: str = ""  # a WARC record's media type, from its response's Content-Type

    @property
    def media(self) -> str:
        """What it holds: html (a page, or a text dump), pdf, docx, doc or odt."""
        if self.declared_media:
            return self.declared_media
        return DOCUMENT_SUFFIXES.get(Path(self.relpath.split("?", 1)[0]).suffix.lower(), "html")

    @property
    def in_archive(self) -> bool:
        """A record of a WARC (read by offset), not a file of its own."""
        return self.offset >= 0

    @property
    def key(self) -> tuple[str, str]:
        """How a file is known from one build to the next."""
        return (self.root, self.relpath)

    @property
    def doc_id(self) -> str:
        return doc_id(f"{self.root}/{self.relpath}") if self.qualified else doc_id(self.relpath)


def discover(sources: Iterable[Path], skipped: list[Skip], crawls: "CrawlLog | None" = None) -> list[SourceFile]:
    """Every indexable file under the sources, and every page and document of the web archives
    among them (the latest capture of each address), in a stable order; unreadable folders, link
    loops and damaged archive records are added to ``skipped``, and what the archives held is
    counted in ``crawls``."""
    from .crawls import CrawlLog, archive_sources, latest_captures

    crawls = crawls if crawls is not None else CrawlLog()
    files: list[SourceFile] = []
    captures: list[SourceFile] = []
    seen_dirs: set[tuple[int, int]] = set()
    for source in sources:
        root = Path(source).resolve()
        if root.is_file():
            if is_archive(root.name):
                captures.extend(archive_sources(root.parent, root, skipped, crawls))
            else:
                files.extend(_source_file(root.parent, root, skipped))
            continue
        if not root.is_dir():
            skipped.append({"path": str(source), "reason": "source folder does not exist"})
            continue

        def onerror(err: OSError) -> None:
            skipped.append({"path": str(err.filename), "reason": f"unreadable folder: {err.strerror}"})

        for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=True):
            try:
                st = os.stat(dirpath)
            except OSError:
                dirnames[:] = []
                continue
            if (st.st_dev, st.st_ino) in seen_dirs:
                skipped.append({"path": os.path.relpath(dirpath, root), "reason": "symlink loop (folder seen before)"})
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in MIRROR_TOOL_FILES)
            for name in sorted(filenames):
                if name.startswith(".") or name in MIRROR_TOOL_FILES:
                    continue
                if is_archive(name):
                    captures.extend(archive_sources(root, Path(dirpath) / name, skipped, crawls))
                elif Path(name).suffix.lower() in SUFFIXES:
                    files.extend(_source_file(root, Path(dirpath) / name, skipped))
    return _qualify(files + latest_captures(captures, crawls))


def _source_file(root: Path, path: Path, skipped: list[Skip]) -> list[SourceFile]:
    relpath = path.relative_to(root).as_posix()
    try:
        st = path.stat()
    except OSError as err:
        reason = "symlink loop" if err.errno == 40 else f"unreadable: {err.strerror}"
        skipped.append({"path": relpath, "reason": reason})
        return []
    if not stat.S_ISREG(st.st_mode):  # a named pipe or a device: opening it may wait forever
        skipped.append({"path": relpath, "reason": "not a regular file"})
        return []
    return [SourceFile(str(root), str(path), relpath, st.st_size, st.st_mtime_ns,
                       url=mirror_url(root.name, relpath) or "")]


def _qualify(files: list[SourceFile]) -> list[SourceFile]:
    """Files whose relative path an earlier source already has get ids qualified with their root."""
    seen: set[str] = set()
    out = []
    for source in files:
        out.append(replace(source, qualified=True) if source.relpath in seen else source)
        seen.add(source.relpath)
    return out
