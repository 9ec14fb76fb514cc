"""Known-item search quality, ours beside SQLite FTS5, and the analyser's word segmentation F1.

    .venv/bin/python bench/relevance.py [--rebuild]

Builds (once, under bench/out/) the archive of ../shared/eval/README.md (seed 1, 5,000 pages) and
its index with the real build, runs ../shared/eval/known-items-seed1.jsonl through the same search
function the API uses, and prints MRR@10, success@1 and success@10 per kind and overall.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"

from extraction import portal_archive  # noqa: E402

from indexer import generations  # noqa: E402
from indexer.analysis import segment, syllables  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.service import IndexHandle, parse_params, search  # noqa: E402


def load_queries() -> list[dict]:
    path = SHARED / "eval" / "known-items-seed1.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def ensure_index(archive: Path, rebuild: bool) -> Path:
    index = OUT / "index-seed1-5000"
    if rebuild or generations.current(index) is None:
        started = time.perf_counter()
        report = build([archive], index, full=True, quiet=True)
        print(f"built {report.documents} documents in {time.perf_counter() - started:.0f} s")
    return index


class Scores:
    def __init__(self) -> None:
        self.ranks: dict[str, list[int | None]] = defaultdict(list)

    def add(self, kind: str, rank: int | None) -> None:
        self.ranks[kind].append(rank)
        self.ranks["overall"].append(rank)

    def row(self, kind: str) -> tuple[float, float, float, int]:
        ranks = self.ranks[kind]
        mrr = sum(1 / r for r in ranks if r) / len(ranks)
        s1 = sum(1 for r in ranks if r == 1) / len(ranks)
        s10 = sum(1 for r in ranks if r) / len(ranks)
        return mrr, s1, s10, len(ranks)


def run_ours(index: Path, queries: list[dict]) -> tuple[Scores, list[float]]:
    handle = IndexHandle(index)
    scores = Scores()
    times = []
    for q in queries:
        args = {"q": q["query"], "per_page": "10"}
        if q.get("agency"):
            args["agency"] = [q["agency"]]
        if q.get("from"):
            args["from"] = q["from"]
        if q.get("to"):
            args["to"] = q["to"]
        started = time.perf_counter()
        result = search(handle, parse_params(args))
        times.append((time.perf_counter() - started) * 1000)
        paths = [r["path"] for r in result["results"]]
        scores.add(q["kind"], paths.index(q["gold"]) + 1 if q["gold"] in paths else None)
    return scores, times


def run_fts5(archive: Path, queries: list[dict]) -> Scores:
    """SQLite FTS5 over the gold text, diacritics removed, words ANDed: the README's baseline."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(path UNINDEXED, agency UNINDEXED, date UNINDEXED, "
               "title, body, tokenize='unicode61 remove_diacritics 2')")
    with (archive / "gold.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    db.executemany("INSERT INTO docs VALUES (?,?,?,?,?)",
                   [(g["path"], g["agency"], g["date"] or "", g["title"], g["body"]) for g in rows])
    scores = Scores()
    for q in queries:
        words = re.findall(r"\w+", q["query"])
        if not words:
            scores.add(q["kind"], None)
            continue
        match = " ".join(f'"{w}"' for w in words)
        sql = "SELECT path FROM docs WHERE docs MATCH ?"
        params: list = [match]
        if q.get("agency"):
            sql += " AND agency = ?"
            params.append(q["agency"])
        if q.get("from"):
            sql += " AND date >= ?"
            params.append(q["from"])
        if q.get("to"):
            sql += " AND date <= ?"
            params.append(q["to"])
        sql += " ORDER BY bm25(docs) LIMIT 10"
        paths = [r[0] for r in db.execute(sql, params)]
        scores.add(q["kind"], paths.index(q["gold"]) + 1 if q["gold"] in paths else None)
    return scores


def segmentation_f1() -> tuple[float, float, float, int]:
    """Word-level F1 of our analyser's segmentation against UD Vietnamese-VTB gold words."""
    path = SHARED / "data" / "wordseg" / "vi_vtb-ud-test.conllu"
    sentences: list[list[str]] = []
    current: list[str] = []
    for line in path.open(encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if current:
                sentences.append(current)
            current = []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if "-" in cols[0] or "." in cols[0]:
            continue
        current.append(cols[1])
    if current:
        sentences.append(current)
    tp = fp = fn = 0
    for words in sentences:
        gold_spans, pos = set(), 0
        for w in words:
            n = len(w.split())
            gold_spans.add((pos, pos + n))
            pos += n
        text = " ".join(words)
        tokens = list(syllables(text, with_punct=True))
        index_of = {id(t): i for i, t in enumerate(tokens)}  # segment() returns the same tokens
        pred_spans = set()
        for word in segment(tokens):
            start = index_of[id(word[0])]
            pred_spans.add((start, start + len(word)))
        # Our tokenizer splits punctuation off words the way pyvi does; gold keeps e.g. "8/7"
        # whole. Compare on gold tokens that our tokenizer keeps as exactly one token.
        gold_single = _align(words, tokens)
        if gold_single is None:
            continue
        gold_mapped = {(gold_single[a], gold_single[b - 1] + 1) for a, b in gold_spans
                       if gold_single[a] is not None and gold_single[b - 1] is not None}
        tp += len(gold_mapped & pred_spans)
        fp += len(pred_spans - gold_mapped)
        fn += len(gold_mapped - pred_spans)
    p = tp / (tp + fp)
    r = tp / (tp + fn)
    return p, r, 2 * p * r / (p + r), len(sentences)


def _align(words: list[str], tokens: list) -> list | None:
    """Map each gold syllable position to our token index, when the two tokenisations agree."""
    gold_syllables = [s for w in words for s in w.split()]
    mapping: list[int | None] = []
    ti = 0
    for s in gold_syllables:
        if ti < len(tokens) and tokens[ti].text == s:
            mapping.append(ti)
            ti += 1
        else:
            # the syllable splits into several of our tokens (punctuation inside); skip them
            joined = ""
            start = ti
            while ti < len(tokens) and len(joined) < len(s):
                joined += tokens[ti].text
                ti += 1
            if joined != s:
                return None
            mapping.append(None if ti - start != 1 else start)
    return mapping


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit("../shared is not present beside the repository")
    archive = portal_archive(5000)
    index = ensure_index(archive, args.rebuild)
    queries = load_queries()
    ours, times = run_ours(index, queries)
    base = run_fts5(archive, queries)
    kinds = sorted(k for k in ours.ranks if k != "overall") + ["overall"]
    print(f"\nknown-item queries: {len(queries)} (seed 1, 5,000 pages)")
    print(f"{'kind':12} {'n':>4}  {'MRR@10':>7} {'s@1':>6} {'s@10':>6}   {'FTS5 MRR@10':>11} {'s@1':>6} {'s@10':>6}")
    for kind in kinds:
        m, s1, s10, n = ours.row(kind)
        bm, bs1, bs10, _ = base.row(kind)
        print(f"{kind:12} {n:4d}  {m:7.3f} {s1:6.3f} {s10:6.3f}   {bm:11.3f} {bs1:6.3f} {bs10:6.3f}")
    times.sort()
    print(f"\nsearch latency over these queries: p50 {times[len(times) // 2]:.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms")
    p, r, f, n = segmentation_f1()
    print(f"word segmentation (UD Vietnamese-VTB test, {n} sentences): P {p:.3f} R {r:.3f} F1 {f:.3f}")


if __name__ == "__main__":
    main()
