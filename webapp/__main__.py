"""``python -m webapp --index DIR``: serve with waitress, a production WSGI server."""

from __future__ import annotations

import argparse
import logging

from waitress import serve

from . import create_app

WAITRESS_MAX_BODY = 1024 * 1024
WAITRESS_MAX_HEADER = 64 * 1024


def warm_up(app) -> None:
    """Open the index and load pyvi's model before the first visitor, who would wait seconds."""
    from indexer.query import parse_query
    from indexer.service import IndexUnavailable

    try:
        app.extensions["tracuu_index"].generation()
    except IndexUnavailable as err:
        print(f"warning: {err.reason} ({app.config['INDEX_DIR']})", flush=True)  # 503 until a build publishes
    parse_query("khởi động")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="webapp", description="Serve Tra cứu over an index.")
    parser.add_argument("--index", default="data/index")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    app = create_app({"INDEX_DIR": args.index})
    warm_up(app)
    print(f"Tra cứu: serving {args.index} on http://{args.host}:{args.port}", flush=True)
    # The app itself refuses bodies over 64 KiB (413) and query strings over 32 KiB (414) with
    # its headers and a Vietnamese message; waitress refuses anything larger before buffering it.
    serve(app, host=args.host, port=args.port, threads=args.threads, channel_timeout=30,
          max_request_body_size=WAITRESS_MAX_BODY, max_request_header_size=WAITRESS_MAX_HEADER,
          ident="tracuu")


if __name__ == "__main__":
    main()
