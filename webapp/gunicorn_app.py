"""gunicorn's arbiter over the app: the settings ``server.py`` explains, its worker class and hooks.
Imported only where gunicorn runs (Linux)."""

from __future__ import annotations

import os
import socket
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.sync import SyncWorker

from . import server


class DeadlineWorker(SyncWorker):
    """gunicorn's sync worker, each connection bounded in time and size (``server._DeadlineSocket``)."""

    request_seconds = server.REQUEST_SECONDS  # set from the options before the workers fork

    def handle(self, listener: Any, client: socket.socket, addr: Any) -> None:
        super().handle(listener, server._DeadlineSocket(client, self.request_seconds), addr)


def settings(app: Flask, options: server.ServeOptions) -> dict[str, Any]:
    host = f"[{options.host}]" if ":" in options.host else options.host

    def when_ready(_arbiter: Any) -> None:
        server.freeze_for_fork()

    def post_worker_init(worker: Any) -> None:
        # workers started after the first ones replace one that left: they join the others
        app.extensions["tracuu_index"].joining = worker.age > options.workers
        server.open_index(app)

    return {
        "bind": [f"{host}:{options.port}"],
        "workers": options.workers,
        "worker_class": DeadlineWorker,
        "preload_app": True,
        "timeout": server.TIMEOUT_SECONDS,
        "graceful_timeout": server.GRACEFUL_SECONDS,
        "max_requests": server.MAX_REQUESTS,
        "max_requests_jitter": server.MAX_REQUESTS_JITTER,
        # The app answers over-long query strings itself (414, in Vietnamese, with its headers);
        # DeadlineWorker caps what a connection may send in all.
        "limit_request_line": 0,
        # X-Forwarded-* are the app's to judge (webapp.proxy), from its trusted proxies only
        "forwarded_allow_ips": "",
        # heartbeat files in memory, not on a disk that may stall under a build's writes
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        "proc_name": "tracuu",
        # newer gunicorn opens a control socket in $HOME: not wanted, and two servers would share it
        "control_socket_disable": True,
        "errorlog": "-",
        "loglevel": "info",
        "when_ready": when_ready,
        "post_worker_init": post_worker_init,
    }


OPTIONAL = {"control_socket_disable"}


class Application(BaseApplication):
    """gunicorn's arbiter serving one already-made Flask app (its settings from ``settings``)."""

    def __init__(self, app: Flask, config: dict[str, Any]):
        self.application = app
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.config.items():
            if name in OPTIONAL and name not in self.cfg.settings:
                continue  # a setting this gunicorn predates
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self.application


def run_gunicorn(app: Flask, options: server.ServeOptions) -> None:
    DeadlineWorker.request_seconds = options.request_seconds
    server.load_models()
    Application(app, settings(app, options)).run()
