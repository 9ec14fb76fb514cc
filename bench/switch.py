"""What the nightly switch to a new generation costs the people searching at that moment.

    .venv/bin/python bench/switch.py --pages 100000     # after bench/search.py --pages 100000

Uses the index and the query mix ``bench/search.py`` made for N pages (under bench/out/). A
server's ``IndexHandle`` opens a newly published generation in a background thread, warms it
(every scored field's norms, then the terms the traffic asked of the old generation) and only
then swaps it in. This measures that path with the engine's own calls, the way the handle makes
them, for three ways of switching:

- ``cold``: the new generation is served as soon as it is open;
- ``norms``: its per-field norms are computed first;
- ``warmed``: norms, then the old generation's recently used terms (what the server does).

For each: the seconds to open and to warm (spent in the background while the old generation
answers), then the latency of the first pass of queries on the new generation. The mix is split
in two at random: half A is the traffic the old generation served before the switch, half B are
queries nobody asked yet (they share only some terms with A). Every variant opens its own
generation object over the same files, which the page cache holds, as it holds a generation a
build has just written.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from indexer import generations  # noqa: E402
from indexer.engine import Generation  # noqa: E402
from indexer.query import parse_query  # noqa: E402
from indexer.service import WARM_SECONDS, parse_params, search  # noqa: E402


class Serving:
    """What ``service.search`` needs of a handle: the generation to answer from."""

    def __init__(self, generation: Generation):
        self._generation = generation

    def generation(self) -> Generation:
        return self._generation


def timed_pass(generation: Generation, queries: list[dict[str, Any]]) -> list[float]:
    serving = Serving(generation)
    times = []
    for query in queries:
        started = time.perf_counter()
        search(serving, parse_params(query["args"]))
        times.append((time.perf_counter() - started) * 1000)
    return times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    index = OUT / f"index-bench-{args.pages}"
    mix_file = OUT / f"queries-bench-{args.pages}.json"
    path = generations.current(index)
    if path is None or not mix_file.exists():
        sys.exit(f"no index or query mix for {args.pages} pages: run bench/search.py --pages {args.pages} first")
    mix = json.loads(mix_file.read_text(encoding="utf-8"))
    random.Random(args.seed).shuffle(mix)
    seen, unseen = mix[: len(mix) // 2], mix[len(mix) // 2 :]
    for query in mix:  # the analyser's own caches (pyvi, tone tables) are warm in every variant
        parse_query(query["args"].get("q", ""))

    started = time.perf_counter()
    old = Generation.open(path)
    print(f"{args.pages} pages, {len(mix)} queries (A: {len(seen)} served before the switch, B: {len(unseen)} new)")
    print(f"old generation opened in {time.perf_counter() - started:.2f} s; serving A on it ...")
    timed_pass(old, seen)
    recent = old.recent_terms()
    print(f"its term cache holds {len(recent)} terms\n")

    print(f"{'switch':8} {'open s':>7} {'warm s':>7}   {'A p50':>7} {'A p95':>7} {'A max':>7}   "
          f"{'B p50':>7} {'B p95':>7} {'B max':>7}   (ms, first pass after the switch)")
    for variant in ("cold", "norms", "warmed"):
        started = time.perf_counter()
        new = Generation.open(path)
        opened = time.perf_counter() - started
        started = time.perf_counter()
        if variant == "norms":
            new.warm()
        elif variant == "warmed":
            new.warm(recent, deadline=time.monotonic() + WARM_SECONDS)
        warmed = time.perf_counter() - started
        a = timed_pass(new, seen)
        b = timed_pass(new, unseen)
        print(f"{variant:8} {opened:7.2f} {warmed:7.2f}   {pct(a, 50):7.1f} {pct(a, 95):7.1f} {max(a):7.1f}   "
              f"{pct(b, 50):7.1f} {pct(b, 95):7.1f} {max(b):7.1f}")
        new.close()
        del new  # before the next variant opens its own: two generations at most, as in a switch
        gc.collect()
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB "
          "(the old generation and a new one open at once, as during a switch)")


if __name__ == "__main__":
    main()
