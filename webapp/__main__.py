"""``python -m webapp --index DIR [--workers N]``: serve with gunicorn, one worker per core (Linux),
or with waitress in one process (``--workers 1``, other platforms). See ``server.py``."""

from __future__ import annotations

import argparse
import logging

from . import create_app
from .caching import CACHE_ENTRIES
from .server import REQUEST_SECONDS, ServeOptions, default_workers, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="webapp", description="Serve Tra cứu over an index.")
    parser.add_argument("--index", default="data/index")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="server processes (default: one per core); 1 serves with waitress")
    parser.add_argument("--server", choices=("auto", "gunicorn", "waitress"), default="auto",
                        help="auto: gunicorn for several workers on Linux, else waitress")
    parser.add_argument("--threads", type=int, default=8, help="waitress's threads")
    parser.add_argument("--client-timeout", type=float, default=REQUEST_SECONDS, metavar="SECONDS",
                        help="gunicorn: seconds a client has to send its whole request (default %(default)g)")
    parser.add_argument("--answer-cache", type=int, default=CACHE_ENTRIES, metavar="ANSWERS",
                        help="answers each process keeps for repeated requests (default %(default)s; 0: none)")
    parser.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                        help="a reverse proxy's address (or network) whose X-Forwarded-* headers are "
                             "believed; repeat for several (default: none)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    logging.basicConfig(level=logging.INFO)
    config = {"INDEX_DIR": args.index, "ANSWER_CACHE_ENTRIES": args.answer_cache}
    if args.trusted_proxy:
        config["TRUSTED_PROXIES"] = args.trusted_proxy
    app = create_app(config)
    options = ServeOptions(host=args.host, port=args.port, workers=args.workers, threads=args.threads,
                           server=args.server, request_seconds=args.client_timeout)
    print(f"Tra cứu: serving {args.index} on http://{args.host}:{args.port} with {options.chosen_server()}, "
          f"{options.workers if options.chosen_server() == 'gunicorn' else 1} process(es)", flush=True)
    serve(app, options)


if __name__ == "__main__":
    main()
