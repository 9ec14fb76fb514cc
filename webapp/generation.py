"""Which index generation a request is answered from: the first one it asks for, kept to its end
(a switch in the middle of a request does not mix two generations in one answer), and named in
the ``X-Tracuu-Generation`` header of every response, so that a test or the load bench can see
that every worker has switched."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g

from indexer.engine import Generation
from indexer.service import IndexHandle

HEADER = "X-Tracuu-Generation"


class RequestIndex:
    """An ``IndexHandle`` as one request sees it: ``generation()`` returns the same generation
    every time within the request."""

    def __init__(self, handle: IndexHandle):
        self.handle = handle

    def generation(self) -> Generation:
        pinned = g.get("tracuu_generation")
        if pinned is None:
            pinned = g.tracuu_generation = self.handle.generation()
        return pinned

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


def answered_from(handle: IndexHandle) -> Generation | None:
    """The generation this request used, else the one being served (static files, errors)."""
    return g.get("tracuu_generation") or handle.serving


def install_generation_header(app: Flask, handle: IndexHandle) -> None:
    @app.after_request
    def name_generation(response: Response) -> Response:
        generation = answered_from(handle)
        if generation is not None:
            response.headers[HEADER] = generation.directory.name
        return response
