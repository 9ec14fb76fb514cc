"""Near-duplicate grouping on the real build, against the gold `story` groups, and what it costs.

    .venv/bin/python bench/duplicates.py [--count 5000] [--seed 1] [--workers 2] [--repeat 1] [--sample 12]

Makes (once, reused) the archive of the evaluation README's near-duplicate section under
bench/out/dup-seedS-N/ (about a fifth of the stories reposted 1-3 times by other agencies:
word for word, a paragraph dropped, or re-led / cut to three paragraphs), then builds it in full
with the project's own build (indexer.build, the same code as ``python -m indexer build --full``)
twice per round: once with sketching switched off (``pages.sketch_page`` made a no-op in this
process, which the build's workers inherit: no sketch, nothing to group) and once as it ships.
It prints:

- the wall and CPU seconds (every process of the build) of each build, and the cost of stories
  (sketching in the workers and grouping in the builder) as the difference, beside the build's
  own record of its ``stories`` phase; on a busy machine the CPU seconds are the steadier figure;
- pair precision and recall of the stories the real build saved (``stories.npz``) against the
  gold stories (a pair = two pages in one story), overall and per kind of repost;
- a sample of the cross-story pairs counted as false positives, with titles, agencies and the
  similarity of the two gold texts, for a person to judge (the news corpus itself holds some
  articles twice, under two ids: those are real duplicates that the gold does not know);
- the regrouping of an incremental build (1 % of the pages changed) from the stored arrays, and
  of an archive-scale number of pages.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from statistics import median
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"
NEWS = SHARED / "data" / "news" / "vietnews.jsonl.gz"

import numpy as np  # noqa: E402

from indexer import generations, pages  # noqa: E402
from indexer.analysis import load_segmenter  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.duplicates import (NUM_PERM, STORIES_FILE, Sketch, Sketcher, Stories, default_sketcher,  # noqa: E402
                                page_terms, shingle_hashes)
from indexer.extract import extract_file  # noqa: E402
from indexer.registry import Registry  # noqa: E402


def archive(count: int, seed: int) -> Path:
    out = OUT / f"dup-seed{seed}-{count}"
    if not (out / "gold.jsonl").exists():
        if not NEWS.exists():
            sys.exit(f"{NEWS} is missing: this benchmark needs ../shared/data/news")
        print(f"making {out.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, str(SHARED / "tools" / "make_archive.py"), "--input", str(NEWS),
                        "--out", str(out), "--count", str(count), "--seed", str(seed), "--encodings-mix",
                        "--reposts", "0.2"], check=True, stdout=subprocess.DEVNULL)
    return out


def cpu_seconds() -> float:
    """User and system CPU seconds of this process and of its finished children (the build's
    workers and shard processes): what a build costs whatever else the machine is doing."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_build(root: Path, index: Path, workers: int, sketching: bool) -> tuple[float, float, dict]:
    """A full build of ``root`` into a fresh ``index``: its wall seconds, its CPU seconds (all
    processes) and its report."""
    shutil.rmtree(index, ignore_errors=True)
    real = pages.sketch_page
    if not sketching:
        pages.sketch_page = lambda doc: None  # forked workers inherit it: no sketches, no stories
    try:
        cpu, started = cpu_seconds(), time.perf_counter()
        build([root], index, full=True, workers=workers, quiet=True)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    finally:
        pages.sketch_page = real
    return seconds, cpu, generations.read_json(generations.current(index) / "report.json")


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def pairs_of(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for members in groups.values() for p in itertools.combinations(members, 2)}


def gold_jaccard(a: str, b: str) -> float:
    x, y = set(shingle_hashes(page_terms(a))), set(shingle_hashes(page_terms(b)))
    return len(x & y) / max(1, len(x | y))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the two builds (with and without sketching)")
    parser.add_argument("--sample", type=int, default=12, help="cross-story pairs to print")
    parser.add_argument("--scale", type=int, default=100_000, help="pages to regroup for the archive-scale timing")
    args = parser.parse_args()

    root = archive(args.count, args.seed)
    gold = {g["path"]: g for g in map(json.loads, (root / "gold.jsonl").open(encoding="utf-8"))}
    index = {True: OUT / f"dup-index-seed{args.seed}-{args.count}", False: OUT / f"dup-index-seed{args.seed}-{args.count}-plain"}
    # what every build loads once per process (pyvi, the registry, datasketch's permutations),
    # loaded before the first, so that it does not count against one side
    Registry.default()
    load_segmenter()
    default_sketcher()
    walls: dict[bool, list[float]] = {True: [], False: []}
    cpus: dict[bool, list[float]] = {True: [], False: []}
    reports: dict[bool, dict] = {}
    for round_ in range(args.repeat):
        # the order alternates, so that a machine getting busier or quieter does not favour one side
        for sketching in ((False, True) if round_ % 2 == 0 else (True, False)):
            before = load_average()
            seconds, cpu, reports[sketching] = timed_build(root, index[sketching], args.workers, sketching)
            walls[sketching].append(seconds)
            cpus[sketching].append(cpu)
            print(f"round {round_ + 1}: full build {'with' if sketching else 'without'} stories {seconds:.1f} s wall, "
                  f"{cpu:.1f} s CPU (load average {before} -> {load_average()}; phases {reports[sketching]['phases']})",
                  flush=True)
    report = reports[True]
    generation = generations.current(index[True])
    stories = Stories.load(generation / STORIES_FILE)
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    path_of = {entry["id"]: entry["path"] for entry in manifest.values()}
    print(f"{report['documents']} pages indexed of {len(gold)} ({len(report['skipped'])} skipped); "
          f"{len(stories)} sketched")

    predicted = {g: [path_of[m] for m in members] for g, members in stories.members().items()}
    by_story: dict[str, list[str]] = defaultdict(list)
    for path in path_of.values():
        by_story[gold[path]["story"]].append(path)
    gold_pairs = pairs_of({s: m for s, m in by_story.items() if len(m) > 1})
    found = pairs_of(predicted)
    tp = found & gold_pairs
    precision = len(tp) / max(1, len(found))
    recall = len(tp) / max(1, len(gold_pairs))

    print(f"\nstories: {len(predicted)} groups of 2+ pages found, {len({s for s, m in by_story.items() if len(m) > 1})} in the gold")
    print(f"pairs: gold {len(gold_pairs)}, found {len(found)}, right {len(tp)}")
    print(f"pair precision {precision:.4f}   pair recall {recall:.4f}")
    kinds = Counter()
    missed = Counter()
    for a, b in gold_pairs:
        kind = max(gold[a]["repost"], gold[b]["repost"], key=lambda k: k != "original")
        kinds[kind] += 1
        if (a, b) not in found:
            missed[kind] += 1
    print("recall by repost kind (pairs with the original or another repost): " + ", ".join(
        f"{k} {1 - missed[k] / kinds[k]:.3f} ({kinds[k] - missed[k]}/{kinds[k]})" for k in sorted(kinds)))

    wrong = sorted(found - gold_pairs)
    judged = [(gold_jaccard(gold[a]["body"], gold[b]["body"]), a, b) for a, b in wrong]
    same_text = sum(1 for j, _, _ in judged if j >= 0.5)
    print(f"\ncross-story pairs (false positives by the gold): {len(wrong)}; of these {same_text} have gold "
          f"texts of Jaccard >= 0.5 (the news corpus holds the same article under two ids)")
    if wrong:
        adjusted = (len(tp) + same_text) / len(found)
        print(f"precision counting those as real duplicates: {adjusted:.4f}")
    print(f"sample of {min(args.sample, len(judged))} cross-story pairs (gold-text Jaccard, titles, agencies):")
    for j, a, b in random.Random(2).sample(judged, min(args.sample, len(judged))):
        print(f"  J={j:.2f}  {gold[a]['title'][:70]!r} ({gold[a]['agency_short'] or gold[a]['agency']})")
        print(f"          {gold[b]['title'][:70]!r} ({gold[b]['agency_short'] or gold[b]['agency']})")
    if missed:
        size = dict(zip((path_of[i] for i in stories.ids.tolist()), stories.sizes.tolist()))
        print("sample of missed pairs (gold-text Jaccard, kind, shingles):")
        lost = [(a, b) for a, b in sorted(gold_pairs - found)]
        for a, b in random.Random(3).sample(lost, min(6, len(lost))):
            print(f"  J={gold_jaccard(gold[a]['body'], gold[b]['body']):.2f} {gold[a]['repost']}/{gold[b]['repost']} "
                  f"shingles {size.get(a)}/{size.get(b)}  {gold[a]['title'][:60]!r}")

    with_s, without_s = median(walls[True]), median(walls[False])
    with_cpu, without_cpu = median(cpus[True]), median(cpus[False])
    print(f"\nbuild cost ({report['documents']} pages, {args.workers} workers, median of {args.repeat}): "
          f"wall {without_s:.1f} s without stories, {with_s:.1f} s with: {with_s / without_s - 1:+.1%}; "
          f"CPU {without_cpu:.1f} s without, {with_cpu:.1f} s with: {with_cpu / without_cpu - 1:+.1%}")
    print(f"  every round: wall without {', '.join(f'{w:.1f}' for w in walls[False])} s, "
          f"with {', '.join(f'{w:.1f}' for w in walls[True])} s; CPU without "
          f"{', '.join(f'{w:.1f}' for w in cpus[False])} s, with {', '.join(f'{w:.1f}' for w in cpus[True])} s")
    print(f"  the build's own record: grouping (phase 'stories') {report['phases'].get('stories', 0):.2f} s; "
          f"sketching happens in the workers, inside 'read'")
    # what sketching alone costs, on one core, from the terms the build's analysis gives it: steady
    # however busy the machine is, unlike two whole builds
    sample = random.Random(0).sample(sorted(path_of.values()), min(400, len(path_of)))
    terms = [page_terms(extract_file(root / path, root).body) for path in sample]
    sketcher = Sketcher()
    started = time.process_time()
    for page in terms:
        sketcher.sketch_terms(page)
    sketch_s = (time.process_time() - started) / len(terms)
    added = sketch_s * report["documents"] + report["phases"].get("stories", 0)
    print(f"  sketching measured alone: {sketch_s * 1000:.2f} ms of CPU a page; with the grouping, "
          f"{added:.1f} s for {report['documents']} pages: {added / without_cpu:.1%} of the build's CPU seconds")

    # incremental: 1 % of the pages changed (re-sketched), regrouped from the stored arrays
    ids = stories.ids.tolist()
    changed = random.Random(1).sample(ids, max(1, len(ids) // 100))
    bodies = {i: extract_file(root / path_of[i], root).body for i in changed}
    started = time.process_time()
    again = Stories.load(generation / STORIES_FILE).update({i: sketcher.sketch(bodies[i]) for i in changed})
    incremental_s = time.process_time() - started
    stable = sum(a == b for a, b in zip(stories.groups.tolist(), again.groups.tolist())) / len(stories)
    size_kb = (generation / STORIES_FILE).stat().st_size / 1024
    print(f"  incremental regroup after 1 % changed: {incremental_s:.2f} s (load + sketch {len(changed)} pages + "
          f"regroup); {stable:.2%} of pages kept their story id; stored arrays {size_kb:.0f} KiB "
          f"({size_kb * 1024 / len(stories):.0f} B a page)")

    # archive scale: the real pages plus random signatures (unrelated pages) up to --scale pages
    rng = np.random.default_rng(0)
    extra = max(0, args.scale - len(stories))
    big = {i: Sketch(sig, int(n)) for i, sig, n in zip(ids, stories.signatures, stories.sizes)}
    big.update({f"{i:016x}": Sketch(rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32), 300) for i in range(extra)})
    started = time.perf_counter()
    big_stories = Stories.build(big)
    scale_s = time.perf_counter() - started
    scale_same = sum(1 for g, m in big_stories.members().items() if len(m) > 1) == len(stories.members())
    print(f"  regrouping {args.scale:,} pages ({len(stories):,} real, the rest random unrelated signatures): "
          f"{scale_s:.1f} s wall; as many stories of 2+ pages as without the random ones: {scale_same}")


if __name__ == "__main__":
    main()
