"""Index generations on disk: every build writes a new directory, then one rename publishes it.

    INDEX/
      CURRENT                 # name of the live generation (replaced atomically by rename)
      generations/20261123T020000-1234/   # a finished index + manifest.json + report.json
      build.lock              # held (flock) while a build runs

Readers resolve ``CURRENT`` and open that directory; a build that dies half-way leaves only an
unpublished directory behind, which the next build removes.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

POINTER = "CURRENT"
KEEP = 2  # the live generation and the one before it


class BuildLocked(RuntimeError):
    """Another build holds the lock."""


def generations_dir(root: Path) -> Path:
    return root / "generations"


def current(root: Path) -> Path | None:
    """The live generation directory, or ``root`` itself when it is a bare index."""
    root = Path(root)
    pointer = root / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return root if (root / "manifest.json").exists() or any(root.glob("*.toc")) else None
    path = generations_dir(root) / name
    return path if path.is_dir() else None


def published_before(root: Path, live: Path) -> Path | None:
    """The generation published before ``live`` (its predecessor, kept by ``prune``), if any."""
    earlier = [p for p in _published(root, live) if p.name < live.name]
    return earlier[-1] if earlier else None


def _published(root: Path, live: Path | None) -> list[Path]:
    """The generations published so far, oldest first: finished (``report.json``) and not newer
    than the live one. Builds run one at a time (under the lock) and names sort by time, so a
    directory newer than the live one was never published, even if its build died after
    writing report.json."""
    return sorted(p for p in generations_dir(root).glob("*") if p.is_dir() and (p / "report.json").exists()
                  and (live is None or p.name <= live.name))


def new_generation(root: Path) -> Path:
    """A new, empty generation directory; names sort in creation order."""
    while True:
        now = time.time_ns()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now / 1e9)) + f".{now % 1_000_000_000 // 1000:06d}"
        path = generations_dir(root) / f"{stamp}-{os.getpid()}"
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            time.sleep(0.001)


def publish(root: Path, generation: Path) -> None:
    """Point CURRENT at ``generation`` atomically (write a temp file, fsync, rename)."""
    tmp = root / f".{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(generation.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / POINTER)
    dir_fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def prune(root: Path, keep: int = KEEP) -> list[str]:
    """Remove generations older than the last ``keep`` published ones and any unpublished leftovers."""
    live = current(root)
    for tmp in root.glob(f".{POINTER}.*.tmp"):
        tmp.unlink(missing_ok=True)  # a build killed inside publish()
    gens = sorted(p for p in generations_dir(root).glob("*") if p.is_dir())
    keep_set = set(_published(root, live)[-keep:])
    if live is not None:
        keep_set.add(live)
    removed = []
    for path in gens:
        if path not in keep_set:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    fh = open(root / "build.lock", "a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise BuildLocked(f"another build is running on {root}") from err
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        fh.close()  # closing releases the lock, also when the process is killed


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
