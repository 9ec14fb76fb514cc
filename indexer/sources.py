"""The files a build reads: every indexable file under the source folders, known by its root and
its path relative to it."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from .extract import HTML_SUFFIXES, TEXT_SUFFIXES, doc_id

SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES

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

    @property
    def key(self) -> tuple[str, str]:
        """How a file is known from one build to the next."""
        return (self.root, self.relpath)

    @property
    def doc_id(self) -> str:
        return doc_id(f"{self.root}/{self.relpath}") if self.qualified else doc_id(self.relpath)


def discover(sources: Iterable[Path], skipped: list[Skip]) -> list[SourceFile]:
    """Every indexable file under the sources, in a stable order; unreadable folders and link
    loops are added to ``skipped``."""
    files: list[SourceFile] = []
    seen_dirs: set[tuple[int, int]] = set()
    for source in sources:
        root = Path(source).resolve()
        if root.is_file():
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
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or Path(name).suffix.lower() not in SUFFIXES:
                    continue
                files.extend(_source_file(root, Path(dirpath) / name, skipped))
    return _qualify(files)


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
    return [SourceFile(str(root), str(path), relpath, st.st_size, st.st_mtime_ns)]


def _qualify(files: list[SourceFile]) -> list[SourceFile]:
    """Files whose relative path an earlier source already has get ids qualified with their root."""
    seen: set[str] = set()
    out = []
    for source in files:
        out.append(replace(source, qualified=True) if source.relpath in seen else source)
        seen.add(source.relpath)
    return out
