"""Ranking constants tried on a development set of our own, never on the evaluation set.

    .venv/bin/python bench/tune.py [--queries 600] [--only NAME]

The evaluation set (../shared/eval/known-items-seed1.jsonl, scored by bench/relevance.py) is for
reporting. Choosing weights by it would overfit 300 queries. This script makes a separate set:

- archive: make_archive over vietnews-train only (articles the evaluation archive does not hold),
  seed 2, 5,000 pages, with the encodings mix; indexed with the real build under bench/out/;
- queries, made the way people remember a page: for each sampled page, two distinct pairs of
  adjacent syllables of its body that a few other pages share too (2 to 25 pages), as written
  (``accented``) and without diacritics (``unaccented``);
- for each constant of ``indexer.engine.Ranking`` listed in ``SWEEP``, every value in turn (the
  others at the engine's value, or ``--set``), the MRR@10 and success@1 of each kind, through the
  same search function the API calls, on the generation opened once and scored with each ranking.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"

from indexer import generations  # noqa: E402
from indexer.analysis import is_number, syllables  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.engine import Generation, Ranking  # noqa: E402
from indexer.service import IndexHandle, parse_params, search  # noqa: E402
from indexer.textnorm import fold, normalize  # noqa: E402

SWEEP = {
    "b": [0.3, 0.5, 0.75, 0.9],
    "k1": [0.5, 0.8, 1.2, 1.6, 2.0],
    "title_boost": [0.25, 0.5, 1.0],
    "pair_boost": [1.0, 2.0, 3.0, 5.0],
    "word_boost": [1.0, 2.0, 3.0],
    "accent_boost": [1.0, 2.0, 3.0],
    "folded_when_accented": [0.1, 0.3, 0.6],
}


class Ranked:
    """The generation ``handle`` serves, scored with its ranking changed by ``values``: what
    ``service.search`` takes as a handle. The opened index and its term cache are shared, so a
    sweep does not reopen the generation for every setting."""

    def __init__(self, handle: IndexHandle, **values: float):
        generation = handle.generation()
        self._generation = generation.with_ranking(replace(generation.ranking, **values))

    def generation(self) -> Generation:
        return self._generation


def dev_archive(pages: int) -> Path:
    out = OUT / f"archive-dev-{pages}"
    if not (out / "gold.jsonl").exists():
        print(f"making the development archive {out} ...", flush=True)
        subprocess.run([sys.executable, str(SHARED / "tools" / "make_archive.py"), "--input",
                        str(SHARED / "data" / "news" / "vietnews-train.jsonl.gz"), "--out", str(out),
                        "--count", str(pages), "--seed", "2", "--encodings-mix"], check=True, stdout=subprocess.DEVNULL)
    return out


def dev_index(archive: Path, pages: int) -> Path:
    index = OUT / f"index-dev-{pages}"
    if generations.current(index) is None:
        started = time.perf_counter()
        build([archive], index, full=True, quiet=True)
        print(f"indexed the development archive in {time.perf_counter() - started:.0f} s", flush=True)
    return index


def make_queries(archive: Path, handle: IndexHandle, count: int) -> list[dict]:
    store = handle.generation().store
    golds = [json.loads(line) for line in (archive / "gold.jsonl").open(encoding="utf-8")]
    rng = random.Random(11)
    rng.shuffle(golds)
    queries: list[dict] = []
    for gold in golds:
        words = [normalize(t.text).lower() for t in syllables(gold["body"])]
        pairs = {(a, b) for a, b in zip(words, words[1:]) if not is_number(a) and not is_number(b) and a != b}
        rated = sorted((store.document_frequency("folded_pairs", f"{fold(a)}_{fold(b)}"), a, b) for a, b in pairs)
        # shared with a few other pages, as remembered words are (a pair found on one page only
        # makes every ranking look perfect)
        rated = [r for r in rated if 2 <= r[0] <= 25]
        if len(rated) < 2:
            continue
        (_, a1, b1), (_, a2, b2) = rng.sample(rated, 2)
        text = f"{a1} {b1} {a2} {b2}"
        queries.append({"query": text, "gold": gold["path"], "kind": "accented"})
        queries.append({"query": fold(text), "gold": gold["path"], "kind": "unaccented"})
        if len(queries) >= 2 * count:
            break
    return queries


def score(handle: IndexHandle | Ranked, queries: list[dict]) -> dict[str, tuple[float, float]]:
    ranks: dict[str, list[int]] = {}
    for q in queries:
        found = [r["path"] for r in search(handle, parse_params({"q": q["query"]}))["results"]]
        rank = found.index(q["gold"]) + 1 if q["gold"] in found else 0
        for kind in (q["kind"], "overall"):
            ranks.setdefault(kind, []).append(rank)
    return {k: (sum(1 / r for r in v if r) / len(v), sum(1 for r in v if r == 1) / len(v)) for k, v in ranks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=600, help="pages to make queries for (two each)")
    parser.add_argument("--only", action="append", help="sweep only this constant (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="hold a constant at another value during the sweep (repeatable)")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit("../shared is not present beside the repository")
    archive = dev_archive(args.pages)
    held = {name: float(value) for name, value in (assignment.split("=") for assignment in args.set)}
    ranking = replace(Ranking(), **held)
    handle = IndexHandle(dev_index(archive, args.pages), warm_seconds=0, ranking=ranking)
    queries = make_queries(archive, handle, args.queries)
    print(f"{len(queries)} development queries on {args.pages:,} pages; constants now: "
          + ", ".join(f"{name}={getattr(ranking, name)}" for name in SWEEP))
    print(f"{'constant':22} {'value':>6}  {'accented':>14} {'unaccented':>14} {'overall':>14}   (MRR@10 / s@1)")
    for name, values in SWEEP.items():
        if args.only and name not in args.only:
            continue
        current = getattr(ranking, name)
        for value in values:
            s = score(Ranked(handle, **{name: value}), queries)
            cells = "  ".join(f"{s[k][0]:.3f} / {s[k][1]:.3f}" for k in ("accented", "unaccented", "overall"))
            print(f"{name:22} {value:6}  {cells}{'   (current)' if value == current else ''}", flush=True)


if __name__ == "__main__":
    main()
