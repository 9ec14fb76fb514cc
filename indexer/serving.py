"""The generation a server process answers from (``IndexHandle``), and its switch to the next
one a build publishes: opened and warmed in the background while the old one answers, then
taken by every server process at the same moment."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from . import generations as gen
from .engine import TERM_CACHE_POSTINGS, Generation, Ranking
from .errors import IndexUnavailable

log = logging.getLogger(__name__)

# How long a new generation may spend reading the terms the traffic used on the old one before it
# takes over (the old one answers meanwhile). The frequent terms, the costly ones, come decoded in
# the generation's mapped arrays; the rest are quick to read, and a switch should be prompt.
WARM_SECONDS = 3.0
# Every server process takes a newly published generation at the same moment, this long after
# CURRENT was renamed (its mtime): time to open and warm it in the background, and no visitor whose
# requests go to several workers sees the new generation, then the old one again.
SWITCH_DELAY = 2.0


class IndexHandle:
    """The live generation of an index root, replaced when a build publishes a new one.

    Requests take a reference to a ``Generation`` and keep it for their whole life, so a request
    in flight finishes on the generation it started on; the old one is closed by the garbage
    collector once no request holds it. A new generation is opened and warmed in a background
    thread while the old one keeps answering (a cold term cache makes the first queries several
    times slower), then swapped in at once, ``switch_delay`` seconds after it was published: each
    server process has its own handle, and they all swap at that moment (the first request after
    it swaps, if the background thread has not yet).
    """

    def __init__(self, root: Path, check_every: float = 1.0, warm_seconds: float = WARM_SECONDS,
                 ranking: Ranking = Ranking(), term_cache: int = TERM_CACHE_POSTINGS,
                 switch_delay: float = SWITCH_DELAY):
        self.root = Path(root)
        self.check_every = check_every
        self.warm_seconds = warm_seconds
        self.switch_delay = switch_delay
        self.ranking = ranking  # every generation is opened with it
        self.term_cache = term_cache
        self._lock = threading.Lock()
        self._generation: Generation | None = None
        self._path: Path | None = None
        self._pending: Path | None = None  # being opened in the background
        self._ready: tuple[Generation, Path, float] | None = None  # opened, to serve from this time.time()
        self._failed: Path | None = None  # could not be opened: not tried again every second
        self._checked = 0.0
        # a process joining others already serving (a replaced server worker): it takes a
        # generation published a moment ago at the others' switch moment, not at once
        self.joining = False

    def generation(self) -> Generation:
        """The generation to answer this request from; ``IndexUnavailable`` when there is none."""
        if self._generation is None:
            with self._lock:
                if self._generation is None:  # the first open: nothing else to serve meanwhile
                    path = gen.current(self.root)
                    if path is None:
                        raise IndexUnavailable("no index generation yet: run the build first")
                    if self.joining and time.time() < self._due():
                        # published a moment ago: the server processes already running answer
                        # from the one before until the switch moment, and so does this one
                        path = gen.published_before(self.root, path) or path
                    try:
                        self._generation, self._path = self._open(path), path
                    except Exception as err:
                        log.exception("could not open the generation %s", path)
                        raise IndexUnavailable(f"the generation {path.name} cannot be opened (see the server log)") from err
                    self._checked = time.monotonic()
                    if self.warm_seconds > 0:
                        self._background(self._generation.warm)
        ready = self._ready
        if ready is not None and time.time() >= ready[2]:
            self._take(ready)
        now = time.monotonic()
        if now - self._checked > self.check_every:
            with self._lock:
                if now - self._checked > self.check_every:
                    self._checked = now
                    path = gen.current(self.root)
                    if path is not None and path not in (self._path, self._pending, self._failed):
                        self._pending = path
                        self._background(self._switch, path)
        return self._generation

    @property
    def serving(self) -> Generation | None:
        """The generation answering now, if one is open (nothing is opened or checked)."""
        return self._generation

    def _due(self) -> float:
        """When every server process takes the generation ``CURRENT`` names (``time.time()``)."""
        try:
            return (self.root / gen.POINTER).stat().st_mtime + self.switch_delay
        except OSError:
            return 0.0

    def _switch(self, path: Path) -> None:
        old = self._generation
        due = self._due()
        try:
            new = self._open(path)
            if self.warm_seconds > 0 and old is not None:
                # done warming a little before the moment, so that it is ready when it comes
                seconds = min(self.warm_seconds, due - time.time() - self.switch_delay / 4)
                new.warm(old.recent_terms(), deadline=time.monotonic() + max(0.0, seconds))
        except Exception:
            # e.g. the generation was pruned by a newer build before we got to it: keep serving
            # the old one and try whatever CURRENT names at the next check
            log.exception("could not open the generation %s; still serving %s", path, self._path)
            with self._lock:
                self._pending, self._failed = None, path
            return
        ready = self._ready = (new, path, due)
        time.sleep(max(0.0, due - time.time()))
        self._take(ready)

    def _take(self, ready: tuple[Generation, Path, float]) -> None:
        """Serve the generation the background thread made ready (once, from whichever comes first)."""
        with self._lock:
            if self._ready is not ready:
                return
            self._generation, self._path, self._pending, self._ready = ready[0], ready[1], None, None
        log.info("now serving %s", ready[1])

    def _open(self, path: Path) -> Generation:
        return Generation.open(path, ranking=self.ranking, term_cache=self.term_cache)

    @staticmethod
    def _background(target: Any, *args: Any) -> None:
        def run() -> None:
            try:
                target(*args)
            except Exception:  # a warm-up that fails costs speed, never an answer
                log.exception("background work on the index failed")

        threading.Thread(target=run, name="index-switch", daemon=True).start()

    def report(self) -> dict[str, Any] | None:
        path = self._path or gen.current(self.root)
        return gen.read_json(path / "report.json") if path else None
