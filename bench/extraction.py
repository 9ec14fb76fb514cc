"""Extraction quality against gold sets, ours beside trafilatura and htmldate on the same pages.

    .venv/bin/python bench/extraction.py [--sets portal,benchmark,htmldate,vi,seeds,parsers] [--limit N]

Every comparison runs the installed libraries in the same run (their versions are printed) and
says what each side was given. Our dater is not independent of htmldate (it asks htmldate where
its own rules do not decide), so the htmldate set prints how many pages each reading dated and
the accuracy of each.

Body scores use the article-extraction-benchmark metric: tokens ``\\w+``, word 4-gram shingles,
per-page precision and recall averaged over pages, F1 of the two means. Needs ``../shared`` and,
for the comparison columns, ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import logging
import os
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
from indexer.extract import SkipPage, date_page, extract_bytes, extract_file  # noqa: E402
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


TRAF_GIVEN = ("trafilatura.extract(html, include_comments=False, include_tables=True), html decoded by our "
              "decoder; favor_precision=True beside it")


def versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("trafilatura", "htmldate", "lxml", "beautifulsoup4"))


def traf_body(raw: bytes, favor_precision: bool = False) -> str:
    import trafilatura

    try:
        text = decode_page(raw).text
    except UndecodableError:
        return ""
    return trafilatura.extract(text, include_comments=False, include_tables=True,
                               favor_precision=favor_precision) or ""


def htmldate_of(raw: bytes) -> str | None:
    """htmldate alone, called as our dater calls it."""
    from indexer.dates import htmldate_of as dater

    try:
        text = decode_page(raw).text
    except UndecodableError:
        return None
    return dater(text)


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


def neutral_copy(archive: Path, golds: list[dict]) -> Path:
    """The archive's pages linked under names that say nothing about the agency, so the folder
    cannot decide the publisher: each page is extracted as a file alone would be."""
    out = OUT / f"{archive.name}-neutral"
    out.mkdir(parents=True, exist_ok=True)
    for i, gold in enumerate(golds):
        link = out / f"page-{i:05d}{Path(gold['path']).suffix}"
        if not link.exists():
            link.symlink_to((archive / gold["path"]).resolve())
    return out


def bench_portal(limit: int | None, compare: bool) -> dict:
    archive = portal_archive(5000)
    golds = [json.loads(line) for line in (archive / "gold.jsonl").open(encoding="utf-8")]
    if limit:
        golds = golds[:limit]
    neutral = neutral_copy(archive, golds)
    body, tbody = BodyScore(), BodyScore()
    n = title = date = agency = 0
    unit_tp = unit_fp = unit_fn = doc_tp = doc_fp = doc_fn = 0
    elapsed = 0.0
    misses: Counter = Counter()
    asked = Counter()
    for i, gold in enumerate(golds):
        path = neutral / f"page-{i:05d}{Path(gold['path']).suffix}"
        t = time.perf_counter()
        try:
            a = extract_file(path, neutral)
        except SkipPage:
            a = None
        elapsed += time.perf_counter() - t
        n += 1
        if compare:
            tbody.add(traf_body(path.read_bytes()), gold["body"])
        if a is None:
            body.add("", gold["body"])
            misses["skipped"] += 1
            unit_fn += len(gold["units"])
            doc_fn += len(gold["doc_numbers"])
            continue
        asked[a.body_choice.kept if a.body_choice else "ours"] += 1
        asked["asked"] += bool(a.body_choice and a.body_choice.reason != "the page shows one clear article block")
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
        "set": f"portal pages (make_archive seed 1, {n} pages, extracted file by file under neutral names "
               f"page-NNNNN.html: the folder cannot name the agency)",
        "body_p": p, "body_r": r, "body_f1": f,
        "title": title / n, "date": date / n, "agency": agency / n,
        "unit_p": unit_tp / max(1, unit_tp + unit_fp), "unit_r": unit_tp / max(1, unit_tp + unit_fn),
        "doc_p": doc_tp / max(1, doc_tp + doc_fp), "doc_r": doc_tp / max(1, doc_tp + doc_fn),
        "pages_s": n / elapsed if elapsed else 0.0,
        "second_opinion": f"trafilatura asked on {asked['asked']} of {n} pages, its body kept on {asked['trafilatura']}",
        "misses": dict(misses.most_common(8)),
    }
    if compare:
        row["trafilatura_f1"] = tbody.result()[2]
        row["given"] = f"ours: the file (extract_file, cleaning + metadata timed); trafilatura: {TRAF_GIVEN.split(';')[0]}"
    return row


def bench_benchmark(limit: int | None, compare: bool) -> dict:
    base = SHARED / "data/html/extraction-benchmark"
    gold = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    stored = json.loads((base / "output-trafilatura.json").read_text(encoding="utf-8"))
    items = sorted(gold.items())[: limit or None]
    body, tbody, pbody, sbody = BodyScore(), BodyScore(), BodyScore(), BodyScore()
    elapsed = 0.0
    asked = Counter()
    for sha, g in items:
        raw = gzip.open(base / "html" / f"{sha}.html.gz", "rb").read()
        t = time.perf_counter()
        a = ours(raw, f"{sha}.html")
        elapsed += time.perf_counter() - t
        body.add(a.body if a else "", g["articleBody"])
        if a is not None and a.body_choice is not None:
            asked[a.body_choice.kept] += 1
            asked["asked"] += a.body_choice.reason != "the page shows one clear article block"
        if compare:
            tbody.add(traf_body(raw), g["articleBody"])
            pbody.add(traf_body(raw, favor_precision=True), g["articleBody"])
        sbody.add(stored["output"].get(sha, {}).get("articleBody", ""), g["articleBody"])
    p, r, f = body.result()
    row = {"set": f"extraction benchmark ({len(items)} English pages)", "body_p": p, "body_r": r, "body_f1": f,
           "pages_s": len(items) / elapsed if elapsed else 0.0,
           "second_opinion": f"trafilatura asked on {asked['asked']} of {len(items)} pages, its body kept on "
                             f"{asked['trafilatura']} (time included in pages_s)"}
    if compare:
        row["trafilatura_f1"] = tbody.result()[2]
        row["traf_precise_f1"] = pbody.result()[2]
    row[f"stored_traf_{stored.get('version', '?')}_f1"] = sbody.result()[2]
    row["given"] = ("ours: the gzipped page's bytes (extract_bytes); trafilatura (installed, this run): "
                    f"{TRAF_GIVEN}; stored: the benchmark's output-trafilatura.json, scored the same way")
    return row


def bench_htmldate(limit: int | None, compare: bool) -> dict:
    base = SHARED / "data/html/htmldate-eval"
    entries = []
    for name in ("eval_default.json", "eval_mediacloud_2020.json"):
        for url, g in json.loads((base / name).read_text(encoding="utf-8")).items():
            entries.append((url, g))
    entries = entries[: limit or None]
    ours_ok = theirs_ok = n = 0
    paths: Counter = Counter()
    right: Counter = Counter()
    theirs_right: Counter = Counter()
    elapsed = 0.0
    for url, g in entries:
        path = next((base / d / f"{g['file']}.gz" for d in ("test_set", "cache", "eval") if (base / d / f"{g['file']}.gz").exists()), None)
        if path is None:
            continue
        want = g["date"] if isinstance(g["date"], str) else None
        raw = gzip.open(path, "rb").read()
        t = time.perf_counter()
        a = ours(raw, url)
        if a is not None:
            found, source = a.date, a.date_source
        else:  # not an article (a listing, an index): the dater alone
            choice = date_page(raw)
            found, source = (choice.day.isoformat() if choice.day else None), f"{choice.source} (no article)"
        elapsed += time.perf_counter() - t
        n += 1
        paths[source] += 1
        right[source] += found == want
        ours_ok += found == want
        if compare:
            alone = htmldate_of(raw) == want
            theirs_ok += alone
            theirs_right[source] += alone
    row = {"set": f"htmldate evaluation ({n} gold entries; one page is named twice in the gold)", "date": ours_ok / max(1, n),
           "pages_s": n / elapsed if elapsed else 0.0}
    if compare:
        row["htmldate_date"] = theirs_ok / max(1, n)
    row["by_path"] = {k: f"{v} pages, accuracy {right[k] / v:.3f}"
                      + (f" (htmldate alone on them {theirs_right[k] / v:.3f})" if compare else "")
                      for k, v in paths.most_common()}
    row["given"] = ("ours: the page's bytes (extract_bytes; date_page where the page holds no article); htmldate: "
                    "find_date(html, original_date=True, extensive_search=True), the same call our dater makes")
    row["note"] = ("not independent: our dater asks htmldate on non-Vietnamese pages and where its rules find "
                   "nothing, so 'htmldate' in by_path is htmldate's own answer")
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


def bench_parsers(limit: int | None, compare: bool) -> dict:
    """Whole pages parsed by lxml (what the cleaner walks) and by BeautifulSoup (html.parser and
    its lxml backend): pages/s of the parse alone, same decoded strings."""
    from bs4 import BeautifulSoup
    import lxml.html

    archive = portal_archive(5000)
    golds = [json.loads(line) for line in (archive / "gold.jsonl").open(encoding="utf-8")][: limit or 500]
    pages = [decode_page((archive / g["path"]).read_bytes()).text for g in golds]
    base = SHARED / "data/html/extraction-benchmark/html"
    real = [decode_page(gzip.open(p, "rb").read()).text for p in sorted(base.glob("*.html.gz"))[: limit or 181]]
    out = {"set": f"whole-page parsing ({len(pages)} portal pages, {len(real)} benchmark pages)"}
    for label, parse in (("lxml.html", lambda h: lxml.html.document_fromstring(h)),
                         ("bs4 html.parser", lambda h: BeautifulSoup(h, "html.parser")),
                         ("bs4 lxml", lambda h: BeautifulSoup(h, "lxml"))):
        for name, docs in (("portal", pages), ("benchmark", real)):
            t = time.perf_counter()
            for h in docs:
                parse(h)
            out[f"{label} {name} pages/s"] = len(docs) / (time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="portal,benchmark,htmldate,vi,seeds,parsers")
    parser.add_argument("--limit", type=int, default=None, help="pages per set (default: all)")
    parser.add_argument("--no-compare", action="store_true", help="skip trafilatura/htmldate columns")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit("../shared is not present beside the repository")
    logging.basicConfig(level=logging.ERROR)  # trafilatura's refusals are counted, not printed
    Registry.default()
    compare = not args.no_compare
    benches = {"portal": bench_portal, "benchmark": bench_benchmark, "htmldate": bench_htmldate,
               "vi": bench_vi, "seeds": bench_seeds, "parsers": bench_parsers}
    print(f"installed: {versions()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in args.sets.split(","):
        row = benches[name](args.limit, compare)
        print(f"\n== {row.pop('set')}")
        for k, v in row.items():
            print(f"  {k:16} {fmt(v) if isinstance(v, float) else v}")


if __name__ == "__main__":
    main()
