"""Serving the app: one process per core with gunicorn on Linux, or one waitress process.

``python -m webapp --workers N`` (default: the cores this process may run on) starts gunicorn's
arbiter with N pre-forked workers; ``--workers 1``, and platforms where gunicorn cannot run, get
waitress with a few threads in one process, as before.

Choices, and why:

* **Sync workers, one request at a time each.** A search is CPU work under the GIL (numpy and
  Python), so a second thread in a worker adds no throughput, only slower requests and another
  set of Whoosh readers. One process per core is what uses the cores. gunicorn's sync worker is
  meant to sit behind a buffering proxy (``deploy/nginx-tracuu.conf``): nginx reads a client's
  request and its answer at the client's pace, and hands a worker only whole requests.
* **Slow clients never hold a worker.** Served without a proxy, a sync worker would wait on a
  client that sends a byte a second for as long as it keeps sending. ``DeadlineWorker`` gives
  every connection ``REQUEST_SECONDS`` from its accept to send its whole request (and at most
  ``REQUEST_BYTES``), and ``SEND_SECONDS`` for each write of the answer; past either it is cut
  off. The arbiter's ``timeout`` replaces a worker silent for longer than that (a request stuck
  in the app); the ranking's own time budget keeps real requests far below it.
* **Loaded once, before the fork** (``preload_app``): the app, numpy, Whoosh and pyvi's model
  (about 90 MB) live in the arbiter and are shared by every worker copy-on-write; ``gc.freeze``
  keeps the collector from touching (and so copying) those objects in each worker. The index
  generation is not opened in the arbiter: each worker opens the published one when it starts
  (``post_worker_init``, before it accepts a connection; fast, the generation's arrays are
  memory-mapped files) and follows the nightly switch on its own, in a background thread, as
  the single process did.
* **Workers are replaced**: one that dies (a crash, the OOM killer, a ``kill``) is started again
  by the arbiter, and each leaves after ``MAX_REQUESTS`` requests (plus up to
  ``MAX_REQUESTS_JITTER``, so that the workers do not all leave at once) in case memory creeps.
* **Graceful**: SIGTERM lets workers finish the request in hand (``GRACEFUL_SECONDS``); SIGHUP
  replaces the workers one by one without dropping a request (the preloaded code stays the same:
  a new version needs a restart).
* ``X-Forwarded-*`` headers are read by the app itself (``webapp.proxy``), only from the proxy's
  address; gunicorn's own handling of them is turned off so there is one place that decides.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

log = logging.getLogger("webapp.server")

REQUEST_SECONDS = 10.0  # from accept to the whole request read
SEND_SECONDS = 30.0  # each write of an answer to a client that does not read
TIMEOUT_SECONDS = 30  # a worker silent for longer is killed and replaced
GRACEFUL_SECONDS = 30
MAX_REQUESTS = 20_000
MAX_REQUESTS_JITTER = 2_000
WAITRESS_MAX_BODY = 1024 * 1024
WAITRESS_MAX_HEADER = 64 * 1024
# what a connection may send in all: a request line and headers, and a body, as waitress allows
REQUEST_BYTES = WAITRESS_MAX_HEADER + WAITRESS_MAX_BODY


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def gunicorn_available() -> bool:
    """gunicorn runs on POSIX systems; we ship and test it on Linux."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = field(default_factory=default_workers)
    threads: int = 8  # waitress only
    server: str = "auto"  # auto, gunicorn or waitress
    request_seconds: float = REQUEST_SECONDS  # gunicorn: a client's time to send its whole request

    def chosen_server(self) -> str:
        if self.server != "auto":
            return self.server
        return "gunicorn" if self.workers > 1 and gunicorn_available() else "waitress"


def serve(app: Flask, options: ServeOptions) -> None:
    """Serve ``app`` until stopped, by ``options.chosen_server()``."""
    if options.chosen_server() == "gunicorn":
        if not gunicorn_available():
            raise SystemExit("gunicorn is not available here (Linux only): use --workers 1 for waitress")
        from .gunicorn_app import run_gunicorn

        run_gunicorn(app, options)
    else:
        serve_waitress(app, options)


def serve_waitress(app: Flask, options: ServeOptions) -> None:
    from waitress import serve as waitress_serve

    load_models()
    open_index(app)
    # The app itself refuses bodies over 64 KiB (413) and query strings over 32 KiB (414) with
    # its headers and a Vietnamese message; waitress refuses anything larger before buffering
    # it, and reads requests asynchronously, so a slow client holds no thread.
    waitress_serve(app, host=options.host, port=options.port, threads=options.threads, channel_timeout=30,
                   max_request_body_size=WAITRESS_MAX_BODY, max_request_header_size=WAITRESS_MAX_HEADER,
                   ident="tracuu")


def load_models() -> None:
    """pyvi's model, loaded before the first visitor (who would wait seconds) and, under gunicorn,
    before the fork, so that every worker shares it."""
    from indexer.query import parse_query

    parse_query("khởi động")


def open_index(app: Flask) -> None:
    """Open the published generation now rather than in a visitor's request."""
    from indexer.service import IndexUnavailable

    try:
        app.extensions["tracuu_index"].generation()
    except IndexUnavailable as err:
        log.warning("%s (%s): answering 503 until a build publishes one", err.reason, app.config["INDEX_DIR"])


def freeze_for_fork() -> None:
    """Move everything loaded so far out of the collector's sight: a full collection in a worker
    would otherwise write to every object's header and copy the shared pages."""
    gc.collect()
    gc.freeze()


class _DeadlineSocket:
    """A client connection that must deliver its request within ``seconds`` of the accept and
    ``limit`` bytes; every write gets ``SEND_SECONDS``. Everything else is the socket's own."""

    def __init__(self, sock: socket.socket, seconds: float = REQUEST_SECONDS, limit: int = REQUEST_BYTES):
        self._sock = sock
        self._deadline = time.monotonic() + seconds
        self._left = limit
        sock.settimeout(SEND_SECONDS)

    def recv(self, size: int, *flags: int) -> bytes:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("the request was not received in time")
        if self._left <= 0:
            raise ConnectionAbortedError("the request is too large")
        self._sock.settimeout(remaining)
        try:
            data = self._sock.recv(min(size, self._left), *flags)
        finally:
            self._sock.settimeout(SEND_SECONDS)
        self._left -= len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def child_pids(pid: int) -> list[int]:
    """The live child processes of ``pid`` (a gunicorn arbiter's workers), from /proc (Linux)."""
    children = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue  # gone meanwhile
        # the command name is in parentheses and may hold spaces: the fields start after it
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != b"Z":
            children.append(int(entry.name))
    return sorted(children)
