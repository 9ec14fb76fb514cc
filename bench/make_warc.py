"""Pack a generated archive (``make_archive.py``'s folder and gold) as a web crawl: one gzipped
WARC response record per page, at the address of its agency's site, with warcio.

    .venv/bin/python bench/make_warc.py --archive bench/out/rebuild-archive-seed1-2000 --pages 2000 \\
        --out bench/out/crawl-2000.warc.gz [--date 2024-11-01] [--changed 0.01 --sentence "..."]

``--changed`` rewrites that share of the pages (every 1/share-th page, as ``rebuild.py`` does in
a folder) before packing them: the next night's crawl, in which most pages are what they were.
Each record also carries a request record, as crawlers write them, so a build skips one record in
two.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import unicodedata
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.registry import Registry  # noqa: E402


def page_url(gold: dict, registry: Registry, hosts: dict[str, str]) -> str:
    """The page's address on its agency's own site (the registry's domain), else under a host
    named after its folder."""
    folder, _, rest = gold["path"].partition("/")
    if folder not in hosts:
        entity = registry.resolve(gold.get("agency") or "")
        hosts[folder] = entity.domains[0] if entity is not None and entity.domains else f"{folder}.gov.vn"
    return f"https://{hosts[folder]}/{rest}"


def changed_indices(count: int, share: float) -> set[int]:
    """Every 1/share-th page, as many as the share of ``count``."""
    wanted = max(1, round(count * share))
    step = max(1, count // wanted)
    return set(range(0, count, step)[:wanted])


def rewritten(raw: bytes, encoding: str, sentence: str) -> bytes:
    """The sentence inserted into the first paragraph after the title (``rebuild.rewrite``)."""
    if encoding == "windows-1258":
        extra = unicodedata.normalize("NFD", sentence).encode("cp1258", errors="xmlcharrefreplace")
    else:
        extra = sentence.encode("utf-8")
    at = raw.find(b"</p>", max(raw.find(b"<h1"), 0))
    at = at if at >= 0 else len(raw)
    return raw[:at] + b" " + extra + raw[at:]


def pack(archive: Path, gold: list[dict], out: Path, when: str, changed: set[int] = frozenset(),
         sentence: str = "Thông tin được cập nhật bổ sung.") -> dict[str, int]:
    registry = Registry.default()
    hosts: dict[str, str] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(out.name, {"software": "warcio (bench/make_warc.py)"}))
        for i, g in enumerate(gold):
            raw = (archive / g["path"]).read_bytes()
            if i in changed:
                raw = rewritten(raw, g.get("encoding", "utf-8"), f"{sentence} ({i})")
            url = page_url(g, registry, hosts)
            request = StatusAndHeaders(f"GET /{url.split('/', 3)[3]} HTTP/1.1", [("Host", url.split("/")[2])],
                                       is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request,
                                                          warc_headers_dict={"WARC-Date": when}))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(raw)))],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(raw), http_headers=headers,
                                                          warc_headers_dict={"WARC-Date": when}))
    tmp.replace(out)
    return {"pages": len(gold), "changed": len(changed), "bytes": out.stat().st_size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", required=True, help="a make_archive.py folder with gold.jsonl")
    parser.add_argument("--pages", type=int, help="the first N pages of the gold (default: all)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--date", default="2024-11-01", help="the crawl's date (WARC-Date)")
    parser.add_argument("--changed", type=float, default=0.0, help="share of pages rewritten (0.01: 1%%)")
    parser.add_argument("--sentence", default="Thông tin được cập nhật bổ sung.")
    args = parser.parse_args()
    archive = Path(args.archive)
    gold = [json.loads(line) for line in (archive / "gold.jsonl").open(encoding="utf-8") if line.strip()]
    gold = gold[: args.pages] if args.pages else gold
    started = time.monotonic()
    done = pack(archive, gold, Path(args.out), f"{args.date}T02:00:00Z",
                changed_indices(len(gold), args.changed) if args.changed else set(), args.sentence)
    print(f"{done['pages']} pages ({done['changed']} changed) -> {args.out}: {done['bytes'] / 1e6:.1f} MB "
          f"in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
