"""Known-item search quality, ours beside SQLite FTS5, and the analyser's word segmentation F1.

    .venv/bin/python bench/relevance.py [--rebuild] [--ceiling]

Builds (once, under bench/out/) the archive of ../shared/eval/README.md (seed 1, 5,000 pages) and
its index with the real build, runs ../shared/eval/known-items-seed1.jsonl through the same search
function the API uses and through SQLite FTS5 over the gold text (given its phrases, NEAR and OR:
``FTS5_LADDER``), and prints MRR@10, success@1 and success@10 per kind and overall, what each side
was given, FTS5's score with each of its features added in turn, how many queries match one page
or several, and the analyser's word-segmentation F1. ``--ceiling`` also scores every combination
of the ranking constants on this same set, to show how far they could move it (never to choose
them: ``tune.py`` does that on a set of its own).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sqlite3
import sys
import textwrap
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"

from extraction import portal_archive  # noqa: E402
from tune import Ranked  # noqa: E402

from indexer import generations  # noqa: E402
from indexer.analysis import segment, syllables  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.extract import doc_id  # noqa: E402
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
        self.folded = 0  # gold pages found listed under another page of their story

    def add(self, kind: str, rank: int | None) -> None:
        self.ranks[kind].append(rank)
        self.ranks["overall"].append(rank)

    def row(self, kind: str) -> tuple[float, float, float, int]:
        ranks = self.ranks[kind]
        mrr = sum(1 / r for r in ranks if r) / len(ranks)
        s1 = sum(1 for r in ranks if r == 1) / len(ranks)
        s10 = sum(1 for r in ranks if r) / len(ranks)
        return mrr, s1, s10, len(ranks)


def query_args(q: dict) -> dict:
    args = {"q": q["query"], "per_page": "10"}
    if q.get("agency"):
        args["agency"] = [q["agency"]]
    if q.get("from"):
        args["from"] = q["from"]
    if q.get("to"):
        args["to"] = q["to"]
    return args


def gold_rank(result: dict, gold: str) -> tuple[int | None, bool]:
    """The gold page's rank among the results the page shows (one per story) and whether it is
    listed there as another page of a story ("và N bài tương tự"), not as the result itself."""
    gold_id = doc_id(gold)
    for rank, r in enumerate(result["results"], 1):
        if r["path"] == gold:
            return rank, False
        if any(s["id"] == gold_id for s in r.get("similar", [])):
            return rank, True
    return None, False


def run_ours(handle: IndexHandle, queries: list[dict]) -> tuple[Scores, list[float], list[tuple[str, int, int | None]]]:
    """Scores, each query's milliseconds, and each query's (kind, pages matched, gold's rank)."""
    scores = Scores()
    times, outcomes = [], []
    for q in queries:
        started = time.perf_counter()
        result = search(handle, parse_params(query_args(q)))
        times.append((time.perf_counter() - started) * 1000)
        rank, folded = gold_rank(result, q["gold"])
        scores.add(q["kind"], rank)
        scores.folded += folded
        outcomes.append((q["kind"], result["total"], rank))
    return scores, times, outcomes


def print_ambiguity(outcomes: list[tuple[str, int, int | None]]) -> None:
    """Where the misses are: a query that matches one page can only rank it first; one whose
    words are on several pages (often other reports of the same story) is where ranking decides.
    Beside our MRR there, what a random order of the same matches would score."""
    print(f"\n{'kind':12} {'one page':>8} {'several':>8}  {'MRR@10 where several':>20} {'random order':>12}")
    per_kind: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for kind, total, rank in outcomes:
        per_kind[kind].append((total, rank))
    for kind in sorted(per_kind):
        several = [(total, rank) for total, rank in per_kind[kind] if total > 1]
        if not several:
            print(f"{kind:12} {len(per_kind[kind]):8d} {0:8d}")
            continue
        mrr = sum(1 / r for _, r in several if r) / len(several)
        chance = sum(sum(1 / i for i in range(1, min(total, 10) + 1)) / total for total, _ in several) / len(several)
        print(f"{kind:12} {len(per_kind[kind]) - len(several):8d} {len(several):8d}  {mrr:20.3f} {chance:12.3f}")


# For --ceiling: the ranking constants, and the values tried for each.
CEILING_GRID = {
    "k1": [0.3, 0.5, 0.8, 1.2, 2.0],
    "b": [0.3, 0.5, 0.75, 1.0],
    "title_boost": [0.0, 0.25, 0.5, 1.0],
    "pair_boost": [1.0, 3.0, 6.0],
}


def ceiling(handle: IndexHandle, queries: list[dict]) -> None:
    """Every combination of CEILING_GRID scored on the evaluation set itself: not a way to pick
    constants (that would fit these 300 queries) but the most that constants alone could reach."""
    names = list(CEILING_GRID)
    rows = []
    for values in itertools.product(*CEILING_GRID.values()):
        scores, _, _ = run_ours(Ranked(handle, **dict(zip(names, values))), queries)
        rows.append((scores.row("accented")[0], scores.row("overall")[0], values))
    rows.sort(key=lambda r: r[:2], reverse=True)
    print(f"\nceiling: {len(rows)} combinations of {', '.join(names)} scored on the evaluation set itself")
    for accented, overall, values in rows[:5]:
        print(f"  accented {accented:.3f}  overall {overall:.3f}  " + ", ".join(f"{n}={v}" for n, v in zip(names, values)))
    print("  engine's own: " + ", ".join(f"{n}={getattr(handle.generation().ranking, n)}" for n in names))


# What SQLite FTS5 is given (printed beside the table): the gold title and body of every page, i.e.
# perfect extraction, in a table tokenized by unicode61 with diacritics removed (no Vietnamese
# analysis, no aliases), and the query text ours receives written in FTS5's own query language.
# FTS5_LADDER is each step of that, so that what every feature is worth shows; the last rung is the
# one in the main table. No prefix queries: ours uses none.
FTS5_TOKENIZE = "unicode61 remove_diacritics 2"
FTS5_LADDER = [
    ("words ANDed", "every run of letters a separate word, all required (the baseline before)"),
    ("+ phrases", "a quoted part is an FTS5 phrase; a piece with punctuation inside (924/QĐ-BGDĐT, "
                  "TT&TT) is the phrase of its tokens, as FTS5 reads a quoted string"),
    ("+ NEAR, OR", "pages with every phrase NEAR(..., 10) ranked first, then the rest of the AND, then "
                   "pages with only some phrases (OR) fill the ten"),
]
_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”")


def fts5_strings(text: str, phrases: bool = True) -> list[str]:
    """The query as FTS5 strings, as someone using FTS5 would write it: each quoted part one
    string (a phrase), every other piece between spaces one string (FTS5 tokenizes a string, so a
    piece with punctuation inside is the phrase of its tokens). ``phrases=False``: the old
    baseline, every run of letters a separate string. Pieces without a letter or digit are left
    out, as FTS5 would find nothing in them."""
    if not phrases:
        return [f'"{w}"' for w in re.findall(r"\w+", text)]
    pieces: list[str] = []
    cursor = 0
    for match in _QUOTED.finditer(text):
        pieces += text[cursor : match.start()].split()
        pieces.append(match.group(1) if match.group(1) is not None else match.group(2))
        cursor = match.end()
    pieces += text[cursor:].split()
    return ['"' + p.replace('"', '""') + '"' for p in pieces if re.search(r"\w", p)]


def fts5_tiers(strings: list[str], rung: str) -> list[str]:
    """The MATCH expressions to run in turn; each adds the pages the ones before did not list."""
    every = " AND ".join(strings)
    if rung != "+ NEAR, OR" or len(strings) < 2:
        return [every]
    return [f"NEAR({' '.join(strings)}, 10)", every, " OR ".join(strings)]


def fts5_table(archive: Path) -> sqlite3.Connection:
    """FTS5 over the gold title and body of every page of the archive."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(path UNINDEXED, agency UNINDEXED, date UNINDEXED, "
               f"title, body, tokenize='{FTS5_TOKENIZE}')")
    with (archive / "gold.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    db.executemany("INSERT INTO docs VALUES (?,?,?,?,?)",
                   [(g["path"], g["agency"], g["date"] or "", g["title"], g["body"]) for g in rows])
    return db


def run_fts5(db: sqlite3.Connection, queries: list[dict], rung: str) -> Scores:
    """Top 10 of FTS5 by ``bm25()`` (default weights, title and body alike) for each query, with
    the query's agency and date filters."""
    scores = Scores()
    for q in queries:
        strings = fts5_strings(q["query"], phrases=rung != "words ANDed")
        paths: list[str] = []
        if strings:
            where, params = "", []
            if q.get("agency"):
                where += " AND agency = ?"
                params.append(q["agency"])
            if q.get("from"):
                where += " AND date >= ?"
                params.append(q["from"])
            if q.get("to"):
                where += " AND date <= ?"
                params.append(q["to"])
            for match in fts5_tiers(strings, rung):
                sql = f"SELECT path FROM docs WHERE docs MATCH ?{where} ORDER BY bm25(docs) LIMIT 10"
                paths += [r[0] for r in db.execute(sql, [match, *params]) if r[0] not in paths]
                if len(paths) >= 10:
                    break
            paths = paths[:10]
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
    parser.add_argument("--ceiling", action="store_true",
                        help="also score every combination of the ranking constants on this set (a few minutes)")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit("../shared is not present beside the repository")
    archive = portal_archive(5000)
    index = ensure_index(archive, args.rebuild)
    queries = load_queries()
    handle = IndexHandle(index, warm_seconds=0)
    ours, times, outcomes = run_ours(handle, queries)
    db = fts5_table(archive)
    ladder = {rung: run_fts5(db, queries, rung) for rung, _ in FTS5_LADDER}
    base = ladder[FTS5_LADDER[-1][0]]
    kinds = sorted(k for k in ours.ranks if k != "overall") + ["overall"]
    print(f"\nknown-item queries: {len(queries)} (seed 1, 5,000 pages), top 10 on both sides")
    print(f"{'kind':12} {'n':>4}  {'MRR@10':>7} {'s@1':>6} {'s@10':>6}   {'FTS5 MRR@10':>11} {'s@1':>6} {'s@10':>6}")
    for kind in kinds:
        m, s1, s10, n = ours.row(kind)
        bm, bs1, bs10, _ = base.row(kind)
        print(f"{kind:12} {n:4d}  {m:7.3f} {s1:6.3f} {s10:6.3f}   {bm:11.3f} {bs1:6.3f} {bs10:6.3f}")
    print(f"ours shows one result per story: {ours.folded} gold pages were found listed under another page of "
          "their story (counted at that result's rank)")
    print("given: ours the archive's HTML pages through our build (extraction, Vietnamese analysis,\n"
          "  registry aliases) and the query text and filters as typed, through indexer.service.search;\n"
          "  FTS5 the gold title and body (perfect extraction), bm25() with default weights,\n"
          f"  tokenize='{FTS5_TOKENIZE}', the same query text in FTS5's query language (the last rung\n"
          "  below) and the same filters; no prefix queries (ours uses none), no aliases, no Vietnamese analysis")
    print(f"\nFTS5 MRR@10, one feature at a time (the table's is {FTS5_LADDER[-1][0]!r}):")
    print(f"{'':14}" + "".join(f"{k[:10]:>11}" for k in kinds))
    for rung, _ in FTS5_LADDER:
        print(f"{rung:14}" + "".join(f"{ladder[rung].row(k)[0]:11.3f}" for k in kinds))
    for rung, what in FTS5_LADDER:
        print(textwrap.fill(what, 100, initial_indent=f"  {rung}: ", subsequent_indent="    "))
    times.sort()
    print(f"\nsearch latency over these queries: p50 {times[len(times) // 2]:.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms")
    p, r, f, n = segmentation_f1()
    print(f"word segmentation (UD Vietnamese-VTB test, {n} sentences): P {p:.3f} R {r:.3f} F1 {f:.3f}")
    print_ambiguity(outcomes)
    if args.ceiling:
        ceiling(handle, queries)


if __name__ == "__main__":
    main()
