"""``python -m indexer build|extract|search``: the command line over the same code the site uses."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

EX_UNAVAILABLE = 69  # sysexits: a service is unavailable -- the Dask scheduler of --cluster
EX_TEMPFAIL = 75  # sysexits: "try again later" -- another build holds the lock


def _build(args: argparse.Namespace) -> int:
    from .attachments import Limits
    from .build import build
    from .generations import BuildLocked

    limits = Limits(document_bytes=int(args.max_document_mb * 1024 * 1024), text_chars=args.max_document_chars)
    cluster = None
    if args.cluster and args.shards:
        print("--shards is for a local build; a cluster build's segments follow --task-pages and --max-segments",
              file=sys.stderr)
        return 2
    if args.cluster:
        from .cluster import ClusterOptions  # imports no dask: that waits for connect()

        cluster = ClusterOptions(args.cluster, ship_files=args.ship_files,
                                 scratch=Path(args.scratch) if args.scratch else None,
                                 **({"task_pages": args.task_pages} if args.task_pages else {}),
                                 **({"max_segments": args.max_segments} if args.max_segments else {}))
    elif args.ship_files or args.scratch or args.task_pages or args.max_segments:
        print("--ship-files, --scratch, --task-pages and --max-segments need --cluster", file=sys.stderr)
        return 2
    try:
        report = build([Path(s) for s in args.source], Path(args.index), full=args.full,
                       workers=args.workers, shards=args.shards, cluster=cluster, quiet=args.quiet,
                       limits=limits)
    except BuildLocked as err:
        print(f"build refused: {err}; try again when it has finished", file=sys.stderr)
        return EX_TEMPFAIL
    except Exception as err:
        from .cluster import ClusterBuildError, ClusterUnavailable

        if isinstance(err, ClusterUnavailable):
            print(f"build failed: {err}; nothing was published", file=sys.stderr)
            return EX_UNAVAILABLE
        if isinstance(err, ClusterBuildError):
            print(f"build failed: {err}; nothing was published", file=sys.stderr)
            return 1
        raise
    data = report.as_dict()
    print(
        f"{data['mode']} build {data['generation']}: read {data['read']} pages, indexed {data['indexed']} "
        f"(added {data['added']}, updated {data['updated']}, unchanged {data['unchanged']}, "
        f"removed {data['removed']}), skipped {len(data['skipped'])}, {data['documents']} documents "
        f"in {data['seconds']} s ({data['pages_per_second']} pages/s)"
    )
    for reason, count in sorted(data["skipped_by_reason"].items(), key=lambda kv: -kv[1]):
        print(f"  skipped {count}: {reason}")
    if data.get("archives"):
        records = ", ".join(f"{kind} {count}" for kind, count in data["archives"]["records"].items())
        print(f"  web archives: {data['archives']['files']} files; records: {records}")
    for note, count in data.get("notes", {}).items():
        print(f"  {count} documents: {note}")
    limits = data.get("limits") or {}
    if limits:
        print(f"  document limits: {limits['document_bytes'] // (1024 * 1024)} MB a file, "
              f"{limits['text_chars']:,} characters of text, {limits['pdf_pages']} PDF pages")
    return 0


def _extract(args: argparse.Namespace) -> int:
    from .attachments import extract_document
    from .extract import SkipPage, extract_file
    from .warc import DOCUMENT_SUFFIXES

    status = 0
    for name in args.files:
        path = Path(name)
        media = DOCUMENT_SUFFIXES.get(path.suffix.lower())  # an attached document: PDF, DOCX, ODT, DOC
        try:
            if media:
                try:
                    raw = path.read_bytes()
                except OSError as err:
                    raise SkipPage(f"unreadable: {err.strerror or err}") from err
                article = extract_document(raw, path.name, media)
            else:
                article = extract_file(path.resolve(), path.resolve().parent)
        except SkipPage as err:
            print(json.dumps({"path": name, "error": str(err)}, ensure_ascii=False))
            status = 1
            continue
        data = article.to_json()
        data["path"] = name
        if args.explain:
            data["explain"] = article.explain()
        if args.json:
            print(json.dumps(data, ensure_ascii=False))
        else:
            print(f"{name}\n  {data['title']}\n  {data['date']} | {data['agency']} | {', '.join(data['units'])}")
            if args.explain:
                print(f"  publisher: {data['explain']['reason']}")
    return status


def _search(args: argparse.Namespace) -> int:
    from .service import ARGS, BadRequest, IndexHandle, IndexUnavailable, parse_params, search

    raw = {ARGS.q: " ".join(args.query), ARGS.agency: args.agency, ARGS.unit: args.unit,
           ARGS.date_from: args.date_from, ARGS.date_to: args.date_to, ARGS.sort: args.sort,
           ARGS.page: str(args.page), ARGS.per_page: str(args.per_page)}
    try:
        params = parse_params(raw)
        result = search(IndexHandle(Path(args.index)), params)
    except BadRequest as err:
        print(json.dumps({"error": str(err)}, ensure_ascii=False))
        return 2
    except IndexUnavailable as err:
        print(f"error: {err.reason} ({args.index})", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"{result['total']} results, {result['total_groups']} stories ({result['took_ms']} ms)")
        for r in result["results"]:
            more = f" (+{r['similar_total']} similar)" if r["similar_total"] else ""
            print(f"- {r['date']} {r['agency']}: {r['title']}  [{r['id']}]{more}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="indexer", description="Tra cứu: index and search Vietnamese government news archives.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build a new index generation and publish it")
    p.add_argument("--source", action="append", required=True,
                   help="archive folder, site mirror, WARC/WACZ file or folder of them (repeatable)")
    p.add_argument("--index", required=True, help="index root directory")
    p.add_argument("--full", action="store_true", help="re-read every file instead of only changed ones")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--shards", type=int, default=None,
                   help="segments a full build writes, at most --workers at a time (default: one per worker)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run a full build's shard tasks on the Dask scheduler at ADDRESS (tcp://HOST:8786), "
                        "or on N worker processes started here (local:N); needs the cluster extra")
    p.add_argument("--ship-files", action="store_true",
                   help="with --cluster: send each task its files' bytes (the workers cannot see the source)")
    p.add_argument("--scratch", metavar="DIR",
                   help="with --cluster: segments come back through DIR, a folder every worker and this "
                        "machine see at the same path, instead of over the Dask connection")
    p.add_argument("--task-pages", type=int,
                   help="with --cluster: at most this many pages per shard task (default 10,000)")
    p.add_argument("--max-segments", type=int,
                   help="with --cluster: merge on the cluster down to this many segments (default 16)")
    p.add_argument("--max-document-mb", type=float, default=50,
                   help="attached documents (PDF, DOCX, ODT, DOC) larger than this are skipped (default 50)")
    p.add_argument("--max-document-chars", type=int, default=1_000_000,
                   help="text kept of an attached document; the rest is cut and reported (default 1,000,000)")
    p.set_defaults(func=_build)

    p = sub.add_parser("extract", help="print what build would index for each file")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true")
    p.add_argument("--explain", action="store_true", help="say which evidence decided the publisher (and the body)")
    p.set_defaults(func=_extract)

    p = sub.add_parser("search", help="search an index (same JSON as /api/search)")
    p.add_argument("--index", required=True)
    p.add_argument("--agency", action="append", default=[])
    p.add_argument("--unit", action="append", default=[])
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")
    p.add_argument("--sort", default="relevance", choices=["relevance", "newest", "oldest"])
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("query", nargs="*")
    p.set_defaults(func=_search)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return args.func(args)
