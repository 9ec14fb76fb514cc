"""Extraction quality against gold sets, ours beside trafilatura and htmldate on the same pages.

    .venv/bin/python bench/extraction.py [--sets portal,benchmark,htmldate,vi,seeds] [--limit N]

Body scores use the article-extraction-benchmark metric: tokens ``\\w+``, word 4-gram shingles,
per-page precision and recall averaged over pages, F1 of the two means. Needs ``../shared`` and,
for the comparison columns, ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"

from indexer.decode import UndecodableError, decode_page  # noqa: E402
from indexer.extract import SkipPage, extract_bytes  # noqa: E402
from indexer.registry import Registry  # noqa: E402
from indexer.textnorm import key  # noqa: E402


def shingles(text: str) -> Counter:
    tokens = re.findall(r"\w+", text or "")
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def page_pr(pred: str, gold: str) -> tuple[float, float]:
    p, g = shingles(pred), shingles(gold)
    tp = sum((p & g).values())
    fp = sum(p.values()) - tp
    fn = sum(g.values()) - tp
    precision = tp / (tp + fp) if tp + fp else (1.0 if not g else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


class BodyScore:
    def __init__(self) -> None:
        self.p: list[float] = []
        self.r: list[float] = []

    def add(self, pred: str, gold: str) -> None:
        p, r = page_pr(pred, gold)
        self.p.append(p)
        self.r.append(r)

    def result(self) -> tuple[float, float, float]:
        if not self.p:
            return 0.0, 0.0, 0.0
        p, r = sum(self.p) / len(self.p), sum(self.r) / len(self.r)
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def ours(raw: bytes, name: str):
    try:
        return extract_bytes(raw, name)
    except SkipPage:
        return None


def traf_body(raw: bytes) -> str:
    import trafilatura

    try:
        text = decode_page(raw).text
    except UndecodableError:
        return ""
    return trafilatura.extract(text, include_comments=False, include_tables=True, favor_precision=False) or ""


def htmldate_of(raw: bytes) -> str | None:
    from htmldate import find_date

    try:
        text = decode_page(raw).text
    except UndecodableError:
        return None
    try:
        return find_date(text, original_date=True, extensive_search=True)
    except Exception:
        return None


def fmt(x: float) -> str:
    return f"{x:.3f}"


# ------------------------------------------------------------------ gold sets

def portal_archive(count: int) -> Path:
    out = OUT / f"archive-seed1-{count}"
    if not (out / "gold.jsonl").exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, str(SHARED / "tools" / "make_archive.py"), "--input",
             str(SHARED / "data/news/dantri-unc.jsonl.gz"), str(SHARED / "data/news/vietnews.jsonl.gz"),
             "--out", str(out), "--count", str(count), "--seed", "1", "--encodings-mix"],
            check=True, stdout=subprocess.DEVNULL,
        )
    return out


def bench_portal(limit: int | None, compare: bool) -> dict:
    archive = portal_archive(5000)
    golds = [json.loads(line) for line in (archive / "gold.jsonl").open(encoding="utf-8")]
    if limit:
        golds = golds[:limit]
    body, tbody = BodyScore(), BodyScore()
    n = title = date = agency = 0
    unit_tp = unit_fp = unit_fn = doc_tp = doc_fp = doc_fn = 0
    elapsed = 0.0
    misses: Counter = Counter()
    for gold in golds:
        raw = (archive / gold["path"]).read_bytes()
        t = time.perf_counter()
        a = ours(raw, gold["path"])
        elapsed += time.perf_counter() - t
        n += 1
        if compare:
            tbody.add(traf_body(raw), gold["body"])
        if a is None:
            body.add("", gold["body"])
            misses["skipped"] += 1
            unit_fn += len(gold["units"])
            doc_fn += len(gold["doc_numbers"])
            continue
        body.add(a.body, gold["body"])
        title += key(a.title) == key(gold["title"])
        ok_date = a.date == gold["date"]
        date += ok_date
        if not ok_date:
            misses[f"date:{gold['date_format']}"] += 1
        ok_agency = key(a.agency) == key(gold["agency"])
        agency += ok_agency
        if not ok_agency:
            misses[f"agency:{gold['template']}"] += 1
        found, want = {key(u) for u in a.units}, {key(u) for u in gold["units"]}
        unit_tp += len(found & want)
        unit_fp += len(found - want)
        unit_fn += len(want - found)
        found, want = set(a.doc_numbers), set(gold["doc_numbers"])
        doc_tp += len(found & want)
        doc_fp += len(found - want)
        doc_fn += len(want - found)
    p, r, f = body.result()
    row = {
        "set": f"portal pages (make_archive seed 1, {n} pages)",
        "body_p": p, "body_r": r, "body_f1": f,
        "title": title / n, "date": date / n, "agency": agency / n,
        "unit_p": unit_tp / max(1, unit_tp + unit_fp), "unit_r": unit_tp / max(1, unit_tp + unit_fn),
        "doc_p": doc_tp / max(1, doc_tp + doc_fp), "doc_r": doc_tp / max(1, doc_tp + doc_fn),
        "pages_s": n / elapsed if elapsed else 0.0,
        "misses": dict(misses.most_common(8)),
    }
    if compare:
        row["trafilatura_f1"] = tbody.result()[2]
    return row


def bench_benchmark(limit: int | None, compare: bool) -> dict:
    base = SHARED / "data/html/extraction-benchmark"
    gold = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    traf_out = json.loads((base / "output-trafilatura.json").read_text(encoding="utf-8"))["output"]
    items = sorted(gold.items())[: limit or None]
    body, tbody = BodyScore(), BodyScore()
    elapsed = 0.0
    for sha, g in items:
        raw = gzip.open(base / "html" / f"{sha}.html.gz", "rb").read()
        t = time.perf_counter()
        a = ours(raw, f"{sha}.html")
        elapsed += time.perf_counter() - t
        body.add(a.body if a else "", g["articleBody"])
        tbody.add(traf_out.get(sha, {}).get("articleBody", ""), g["articleBody"])
    p, r, f = body.result()
    return {"set": f"extraction benchmark ({len(items)} English pages)", "body_p": p, "body_r": r, "body_f1": f,
            "trafilatura_f1": tbody.result()[2], "pages_s": len(items) / elapsed if elapsed else 0.0}


def bench_htmldate(limit: int | None, compare: bool) -> dict:
    base = SHARED / "data/html/htmldate-eval"
    entries = []
    for name in ("eval_default.json", "eval_mediacloud_2020.json"):
        for url, g in json.loads((base / name).read_text(encoding="utf-8")).items():
            entries.append((url, g))
    entries = entries[: limit or None]
    ours_ok = theirs_ok = n = 0
    elapsed = 0.0
    for url, g in entries:
        path = next((base / d / f"{g['file']}.gz" for d in ("test_set", "cache", "eval") if (base / d / f"{g['file']}.gz").exists()), None)
        if path is None:
            continue
        want = g["date"] if isinstance(g["date"], str) else None
        raw = gzip.open(path, "rb").read()
        t = time.perf_counter()
        a = ours(raw, url)
        elapsed += time.perf_counter() - t
        n += 1
        ours_ok += (a.date if a else None) == want
        if compare:
            theirs_ok += htmldate_of(raw) == want
    row = {"set": f"htmldate evaluation ({n} pages)", "date": ours_ok / max(1, n), "pages_s": n / elapsed if elapsed else 0.0}
    if compare:
        row["htmldate_date"] = theirs_ok / max(1, n)
    return row


def bench_vi(limit: int | None, compare: bool) -> dict:
    base = SHARED / "data/html/vi"
    rows = []
    fundus = json.loads((base / "fundus/VnExpress.json").read_text(encoding="utf-8"))["V1"]
    raw = gzip.open(base / "fundus/VnExpress_2025_10_22.html.gz", "rb").read()
    a = ours(raw, "VnExpress_2025_10_22.html")
    gold_body = "\n".join([fundus["body"].get("summary", [""])[0] if isinstance(fundus["body"].get("summary"), list) else fundus["body"].get("summary", "")]
                          + [p for s in fundus["body"].get("sections", []) for p in s.get("paragraphs", [])])
    body = BodyScore()
    body.add(a.body if a else "", gold_body)
    rows.append(("fundus VnExpress", body.result()[2], key(a.title) == key(fundus["title"]) if a else False,
                 (a.date if a else None) == fundus["publishing_date"][:10]))
    gold = json.loads((base / "htmldate/gold.json").read_text(encoding="utf-8"))
    for url, g in gold.items():
        raw = gzip.open(base / "htmldate" / f"{g['file']}.gz", "rb").read()
        a = ours(raw, url)
        rows.append((g["file"], None, None, (a.date if a else None) == g["date"]))
    return {"set": "Vietnamese real pages", "rows": rows}


def bench_seeds(limit: int | None, compare: bool) -> dict:
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", str(ROOT / "tests/test_seeds.py")],
                            cwd=ROOT, capture_output=True, text=True)
    return {"set": "seeds (tests/test_seeds.py: every field of seeds-gold.json)",
            "result": result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-200:]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="portal,benchmark,htmldate,vi,seeds")
    parser.add_argument("--limit", type=int, default=None, help="pages per set (default: all)")
    parser.add_argument("--no-compare", action="store_true", help="skip trafilatura/htmldate columns")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit("../shared is not present beside the repository")
    Registry.default()
    compare = not args.no_compare
    benches = {"portal": bench_portal, "benchmark": bench_benchmark, "htmldate": bench_htmldate,
               "vi": bench_vi, "seeds": bench_seeds}
    for name in args.sets.split(","):
        row = benches[name](args.limit, compare)
        print(f"\n== {row.pop('set')}")
        for k, v in row.items():
            print(f"  {k:16} {fmt(v) if isinstance(v, float) else v}")


if __name__ == "__main__":
    main()
