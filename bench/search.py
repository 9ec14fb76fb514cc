"""Search latency at archive scale: ours (the API's search) beside SQLite FTS5 and tantivy.

    python bench/search.py --pages 2000 [--pages 5000] [--rebuild] [--repeat 60]
    python bench/search.py --pages 5000 --profile "2 words" [--profiler pyinstrument]

For each N it makes (or reuses) the archive bench/out/archive-bench-N (make_archive seed 7 over the
four news files of ../shared/data/news), builds (or reuses) bench/out/index-bench-N with the real
build (``python -m indexer build --full --quiet`` as a child process: seconds, pages/s from the
Report, peak RSS of the build and its workers), then runs a fixed query mix drawn from the
archive's gold titles and document numbers (seed 7) through ``indexer.service.search`` -- the
function the API calls, facets and snippets included -- and the same queries, as the same analysed
terms, through SQLite FTS5 and tantivy indexes of the same analysed text, each doing the same work
per request (real phrases, top 10, the four facets, a highlighted title and snippet per hit; what
each side is given is printed under the table: ``GIVEN``). Each engine runs in its own child
process, whose peak RSS is the serving memory. It prints one table per N (p50/p95/p99 per kind of
query, ratios at p95) and the build and size lines, and saves them as JSON in bench/out.

Needs ../shared; the tantivy column needs ``pip install tantivy`` (the ``bench`` extra). Timings
are wall-clock on whatever else the machine is doing: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(__file__).resolve().parents[2] / "shared"
OUT = ROOT / "bench" / "out"
NEWS = ["dantri-unc.jsonl.gz", "vietnews.jsonl.gz", "vietnews-val.jsonl.gz", "vietnews-train.jsonl.gz"]
SEED = 7
TOP_K = 10
POOL = 20  # distinct queries per kind; each is repeated until the kind has --repeat timings

from indexer import generations  # noqa: E402

# The mix, in the order of the table. "fold" kinds are the same queries typed without diacritics.
KINDS = [
    "1 word", "1 word, no accents", "2 words", "2 words, no accents", "3-4 words", "3-4 words, no accents",
    "phrase", "doc number", "2 words + agency", "2 words + unit", "2 words + year dates",
    "doc number + agency", "match-all (facets)", "match-all + agency", "page 5, frequent word",
]


# ------------------------------------------------------------------ archive and index

def archive(pages: int) -> Path:
    out = OUT / f"archive-bench-{pages}"
    if not (out / "gold.jsonl").exists():
        news = SHARED / "data" / "news"
        print(f"making archive of {pages} pages in {out} ...", flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(SHARED / "tools" / "make_archive.py"), "--input",
                        *[str(news / name) for name in NEWS], "--out", str(out), "--count", str(pages),
                        "--seed", str(SEED)], check=True, stdout=subprocess.DEVNULL)
    return out


# A small launcher runs each measured child and reports RUSAGE_CHILDREN. Linux counts the memory
# image a process had before exec in its ru_maxrss, so a child started straight from this (large)
# process would report at least our own size; started from a ~10 MiB launcher it reports its own.
_LAUNCHER = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); "
             "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(rc)")


def run_measured(cmd: list[str], **kwargs: Any) -> tuple[int, str, float, int]:
    """Run a child to its end: (exit code, stdout, seconds, peak RSS in KiB).

    The peak is ``ru_maxrss`` of ``RUSAGE_CHILDREN`` read by the launcher after the child ended:
    the largest resident set of the child and of every process it waited for (the build's pool
    workers), one process at a time, not their sum.
    """
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-I", "-S", "-c", _LAUNCHER, rss_file.name, *cmd],
                              stdout=subprocess.PIPE, text=True, **kwargs)
        seconds = time.perf_counter() - started
        rss = int(rss_file.read() or 0)
    return proc.returncode, proc.stdout, seconds, rss


def ensure_index(pages: int, source: Path, rebuild: bool, workers: int | None,
                 segments: int | None = None) -> tuple[Path, dict[str, Any]]:
    name = f"index-bench-{pages}" + (f"-seg{segments}" if segments else "")
    index = OUT / name
    info_path = OUT / f"{name}.build.json"
    if rebuild or generations.current(index) is None:
        print(f"building {index} (full) ...", flush=True)
        cmd = [sys.executable, "-m", "indexer", "build", "--source", str(source), "--index", str(index),
               "--full", "--quiet"]
        if workers:
            cmd += ["--workers", str(workers)]
        if segments:
            cmd += ["--shards", str(segments)]
        load_before = os.getloadavg()[0]
        with (OUT / f"{name}.build.log").open("w") as log:
            code, out, seconds, rss = run_measured(cmd, cwd=ROOT, stderr=log)
        if code != 0:
            sys.exit(f"build failed ({code}); see {OUT}/{name}.build.log")
        report = generations.read_json(generations.current(index) / "report.json")
        info = {"when": time.strftime("%Y-%m-%d %H:%M"), "code": code_version(), "seconds": round(seconds, 1),
                "report_seconds": report["seconds"], "pages_per_second": report["pages_per_second"],
                "read": report["read"], "documents": report["documents"], "skipped": len(report["skipped"]),
                "peak_rss_mib": round(rss / 1024, 1), "workers": workers or os.cpu_count(),
                "generation": report["generation"], "load_before": round(load_before, 2),
                "load_after": round(os.getloadavg()[0], 2), "output": out.strip()}
        info_path.write_text(json.dumps(info, ensure_ascii=False, indent=1))
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    if info.get("generation") != generations.current(index).name:
        info = {"note": "index built outside this script: no build measurements"}
    return index, info


def code_version() -> str:
    """The commit the engine code comes from, marked when indexer/ has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "indexer"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return head + (" + uncommitted indexer/ changes" if dirty else "")


def du(path: Path) -> int:
    """Bytes on disk, as ``du`` counts them (allocated blocks)."""
    if path.is_file():
        return path.stat().st_blocks * 512
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file())


def mib(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


# ------------------------------------------------------------------ the query mix

def make_mix(source: Path) -> list[dict[str, Any]]:
    """A fixed list of {kind, args} (args as URL arguments), ``POOL`` distinct queries per kind."""
    from indexer.analysis import syllables
    from indexer.textnorm import fold

    golds = [json.loads(line) for line in (source / "gold.jsonl").open(encoding="utf-8") if line.strip()]
    rng = random.Random(SEED)

    def run_of(length: int) -> tuple[str, dict[str, Any]]:
        while True:
            gold = rng.choice(golds)
            words = [t.text.lower() for t in syllables(gold["title"])]
            starts = [i for i in range(len(words) - length + 1)
                      if all(w.isalpha() and len(w) > 1 for w in words[i : i + length])]
            if starts:
                i = rng.choice(starts)
                return " ".join(words[i : i + length]), gold

    mix: list[dict[str, Any]] = []

    def add(kind: str, **args: Any) -> None:
        mix.append({"kind": kind, "args": {k: v for k, v in args.items() if v not in (None, "", [])}})

    for kind, lengths in (("1 word", [1]), ("2 words", [2]), ("3-4 words", [3, 4])):
        for n in range(POOL):
            q, _ = run_of(lengths[n % len(lengths)])
            add(kind, q=q)
            add(f"{kind}, no accents", q=fold(q))
    for _ in range(POOL):
        q, _ = run_of(rng.choice([2, 3]))
        add("phrase", q=f'"{q}"')
    with_numbers = [g for g in golds if g["doc_numbers"]]
    for _ in range(POOL):
        gold = rng.choice(with_numbers)
        add("doc number", q=rng.choice(gold["doc_numbers"]))
    for _ in range(POOL):
        q, gold = run_of(2)
        add("2 words + agency", q=q, agency=[gold["agency"]])
    with_units = [g for g in golds if g["units"]]
    for _ in range(POOL):
        gold = rng.choice(with_units)
        words = [t.text.lower() for t in syllables(gold["title"]) if t.text.isalpha() and len(t.text) > 1]
        i = rng.randrange(max(1, len(words) - 1))
        add("2 words + unit", q=" ".join(words[i : i + 2]), unit=[rng.choice(gold["units"])])
    for _ in range(POOL):
        q, gold = run_of(2)
        year = (gold["date"] or "2020")[:4]
        add("2 words + year dates", q=q, **{"from": f"{year}-01-01", "to": f"{year}-12-31"})
    for _ in range(POOL):
        gold = rng.choice(with_numbers)
        add("doc number + agency", q=rng.choice(gold["doc_numbers"]), agency=[gold["agency"]])
    add("match-all (facets)", q="")
    agencies = sorted({g["agency"] for g in golds})
    for agency in rng.sample(agencies, min(POOL, len(agencies))):
        add("match-all + agency", q="", agency=[agency])
    # page 5 of the most frequent title syllables (as most often written): queries with many hits
    forms: dict[str, Counter] = defaultdict(Counter)
    for gold in golds:
        for t in syllables(gold["title"]):
            word = t.text.lower()
            if word.isalpha() and len(word) > 1:
                forms[fold(word)][word] += 1
    frequent = sorted(forms, key=lambda f: -sum(forms[f].values()))[:POOL]
    for f in frequent:
        add("page 5, frequent word", q=forms[f].most_common(1)[0][0], page="5")
    return mix


def baseline_query(args: dict[str, Any]) -> dict[str, Any]:
    """The same query for the baselines: our analysed (folded) terms ANDed, quoted parts,
    document numbers and agency names as phrases; the adjacent pairs of the free text that ours
    boosts (for tantivy, which can add optional scoring clauses); and the filters as values."""
    from indexer.engine import Ranking
    from indexer.query import parse_query

    q = args.get("q", "")
    clauses: list[list[str]] = []
    pairs: list[list[str]] = []
    if q.strip():
        plan = parse_query(q)
        clauses = [list(group.fold) for group in plan.groups]
        pairs = [pair.split("_") for pair in plan.bigrams]
    day = lambda s: int(s.replace("-", "")) if s else None  # noqa: E731
    return {"clauses": clauses, "pairs": pairs, "pair_boost": Ranking().pair_boost,
            "agency": (args.get("agency") or [None])[0], "unit": (args.get("unit") or [None])[0],
            "day_from": day(args.get("from")), "day_to": day(args.get("to")),
            "offset": (int(args.get("page", 1)) - 1) * TOP_K}


# ------------------------------------------------------------------ baseline indexes

def stored_documents(index: Path) -> list[dict[str, Any]]:
    """Every stored document of the live generation, through the engine's own ``get``."""
    from indexer.engine import Generation

    current = generations.current(index)
    manifest = generations.read_json(current / "manifest.json")
    generation = Generation.open(current)
    docs = []
    try:
        for entry in manifest.values():
            hit = generation.get(entry["id"]) if entry.get("id") else None
            if hit is not None:
                docs.append({"id": hit.id, "path": hit.path, **hit.doc})
    finally:
        generation.close()
    return docs


def baseline_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Title and body as our analyser's folded syllables, numbers kept in place (``folded`` plus the
    numbers, so document numbers can be found as phrases), and the filter values."""
    from indexer.analysis import analyse
    from indexer.textnorm import fold

    rows = []
    for d in docs:
        title = " ".join(fold(s) for s in analyse(d.get("title", ""), segment_words=False).accented)
        body = " ".join(fold(s) for s in analyse(d.get("body", ""), segment_words=False).accented)
        day = int(d["date"].replace("-", "")) if d.get("date") else 0
        rows.append({"path": d["path"], "title": title, "body": body, "agency": d.get("agency") or "",
                     "units": list(d.get("units") or []), "year": day // 10000, "day": day})
    return rows


FTS_TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '.,:/@+-_'"
BASELINE_FORMAT = 2  # 2: the analysed text stored (snippets), month and unit as facet columns
SNIPPET_CHARS = 260  # ours: indexer.snippets.snippet's width
SNIPPET_TOKENS = 48  # FTS5's snippet() counts tokens: ~260 characters of syllables


def build_fts5(rows: list[dict[str, Any]], path: Path) -> None:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(f'CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize="{FTS_TOKENIZE}")')
    db.execute("CREATE TABLE meta(id INTEGER PRIMARY KEY, path TEXT, agency TEXT, year INT, day INT)")
    db.execute("CREATE TABLE unit(id INT, unit TEXT)")
    for i, r in enumerate(rows, 1):
        db.execute("INSERT INTO fts(rowid, title, body) VALUES (?,?,?)", (i, r["title"], r["body"]))
        db.execute("INSERT INTO meta VALUES (?,?,?,?,?)", (i, r["path"], r["agency"], r["year"], r["day"]))
        db.executemany("INSERT INTO unit VALUES (?,?)", [(i, u) for u in r["units"]])
    db.execute("CREATE INDEX meta_agency ON meta(agency, id)")
    db.execute("CREATE INDEX meta_day ON meta(day, id)")
    db.execute("CREATE INDEX unit_unit ON unit(unit, id)")
    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.commit()
    db.execute("VACUUM")
    db.close()


def build_tantivy(rows: list[dict[str, Any]], path: Path) -> None:
    import tantivy

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    index = tantivy.Index(tantivy_schema(), str(path))
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for r in rows:
        writer.add_document(tantivy.Document(path=r["path"], title=r["title"], body=r["body"], agency=r["agency"],
                                             unit=r["units"], year=r["year"], month=r["day"] // 100, day=r["day"]))
    writer.commit()
    writer.wait_merging_threads()


def tantivy_schema() -> Any:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("path", stored=True, tokenizer_name="raw")
    # the terms are already analysed: split on spaces only, nothing else changes them
    sb.add_text_field("title", stored=True, tokenizer_name="whitespace")
    sb.add_text_field("body", stored=True, tokenizer_name="whitespace")
    sb.add_text_field("agency", fast=True, tokenizer_name="raw")
    sb.add_text_field("unit", fast=True, tokenizer_name="raw")
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("month", fast=True)
    sb.add_integer_field("day", indexed=True, fast=True)
    return sb.build()


def ensure_baselines(pages: int, index: Path, rebuild: bool, with_tantivy: bool) -> dict[str, Any]:
    """FTS5 and tantivy indexes of the live generation's stored text; rebuilt when it changes."""
    info_path = OUT / f"baselines-bench-{pages}.json"
    current = generations.current(index).name
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    fts_path, tv_path = OUT / f"fts5-bench-{pages}.sqlite", OUT / f"tantivy-bench-{pages}"
    stale = rebuild or info.get("generation") != current or info.get("format") != BASELINE_FORMAT
    need_fts = stale or not fts_path.exists()
    need_tv = with_tantivy and (stale or not (tv_path / "meta.json").exists())
    if need_fts or need_tv or "text_bytes" not in info:
        print("analysing stored documents for the baselines ...", flush=True)
        started = time.perf_counter()
        docs = stored_documents(index)
        rows = baseline_rows(docs)
        info = {"generation": current, "format": BASELINE_FORMAT, "documents": len(docs),
                "text_bytes": sum(len((d.get("title") or "").encode()) + len((d.get("body") or "").encode()) for d in docs),
                "analyse_seconds": round(time.perf_counter() - started, 1),
                **{k: v for k, v in info.items() if k.endswith("_build_seconds") and not stale}}
        if need_fts:
            started = time.perf_counter()
            build_fts5(rows, fts_path)
            info["fts5_build_seconds"] = round(time.perf_counter() - started, 1)
        if need_tv:
            started = time.perf_counter()
            build_tantivy(rows, tv_path)
            info["tantivy_build_seconds"] = round(time.perf_counter() - started, 1)
        info_path.write_text(json.dumps(info, indent=1))
    info["fts5_path"], info["tantivy_path"] = str(fts_path), str(tv_path)
    return info


# ------------------------------------------------------------------ engines (run in child processes)

class Ours:
    def __init__(self, index: str):
        from indexer import engine, service

        self.service = service
        # --term-cache: how many postings the engine may cache
        term_cache = int(os.environ.get("BENCH_TERM_CACHE") or engine.TERM_CACHE_POSTINGS)
        self.handle = service.IndexHandle(Path(index), term_cache=term_cache)
        self.handle.generation()
        self.engine_ms = 0.0
        self.partial = False
        original = engine.Generation.search

        def timed(generation: Any, *args: Any, **kwargs: Any) -> Any:  # the engine's share of a request
            started = time.perf_counter()
            try:
                return original(generation, *args, **kwargs)
            finally:
                self.engine_ms = (time.perf_counter() - started) * 1000

        engine.Generation.search = timed  # only in this child process

    def run(self, query: dict[str, Any]) -> int:
        result = self.service.search(self.handle, self.service.parse_params(query["args"]))
        self.partial = bool(result.get("partial"))  # the ranking time budget ran out
        return result["total"]


def filter_values(b: dict[str, Any]) -> dict[str, Any]:
    """The query's filters by facet: each facet is counted without its own filter, as ours does
    (so that a second agency can be picked); the date range applies to every count."""
    return {name: b[name] for name in ("agency", "unit") if b[name]} | (
        {"date": (b["day_from"], b["day_to"])} if b["day_from"] or b["day_to"] else {})


class Fts5:
    def __init__(self, path: str):
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.db.execute("CREATE TEMP TABLE hits(id INTEGER PRIMARY KEY, score REAL)")

    @staticmethod
    def match(clauses: list[list[str]]) -> str:
        return " AND ".join('"' + " ".join(c).replace('"', '""') + '"' for c in clauses)

    @staticmethod
    def where(filters: dict[str, Any], skip: str | None = None) -> tuple[str, list[Any]]:
        sql, params = ["1"], []
        if "agency" in filters and skip != "agency":
            sql.append("m.agency = ?")
            params.append(filters["agency"])
        if "unit" in filters and skip != "unit":
            sql.append("m.id IN (SELECT id FROM unit WHERE unit = ?)")
            params.append(filters["unit"])
        day_from, day_to = filters.get("date", (None, None))
        if day_from:
            sql.append("m.day >= ?")
            params.append(day_from)
        if day_to:
            sql.append("m.day <= ? AND m.day > 0")
            params.append(day_to)
        return " AND ".join(sql), params

    def run(self, query: dict[str, Any]) -> int:
        """Top 10 (bm25, or newest for match-all), the total, the four facets ours counts
        (agency, unit, year, month) and a highlighted title and body snippet of each hit."""
        b = query["baseline"]
        filters = filter_values(b)
        db = self.db
        if b["clauses"]:
            # the match once, with its scores; every count and the top 10 read it
            match = self.match(b["clauses"])
            db.execute("DELETE FROM hits")
            db.execute("INSERT INTO hits SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ?", [match])
            source, order = "hits h JOIN meta m ON m.id = h.id", "h.score"
        else:
            source, order = "meta m", "m.day DESC"
        where, params = self.where(filters)
        top = db.execute(f"SELECT m.id FROM {source} WHERE {where} ORDER BY {order} LIMIT {TOP_K} OFFSET ?",
                         [*params, b["offset"]]).fetchall()
        total = db.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]
        facets = {}
        for facet, column, extra in (("agency", "m.agency", ""), ("unit", "u.unit", " JOIN unit u ON u.id = m.id"),
                                     ("year", "m.year", ""), ("month", "m.day / 100", "")):
            fw, fp = self.where(filters, skip=facet)
            known = " AND m.day > 0" if facet in ("year", "month") else ""
            facets[facet] = db.execute(f"SELECT {column}, count(*) FROM {source}{extra} WHERE {fw}{known} "
                                       "GROUP BY 1 ORDER BY 2 DESC", fp).fetchall()
        ids = [i for (i,) in top]
        marks = ",".join("?" * len(ids))
        if ids and b["clauses"]:
            shown = db.execute("SELECT rowid, highlight(fts, 0, '<mark>', '</mark>'), "
                               f"snippet(fts, 1, '<mark>', '</mark>', '…', {SNIPPET_TOKENS}) "
                               f"FROM fts WHERE fts MATCH ? AND rowid IN ({marks})", [match, *ids]).fetchall()
        elif ids:
            shown = db.execute(f"SELECT rowid, title, substr(body, 1, {SNIPPET_CHARS}) FROM fts "
                               f"WHERE rowid IN ({marks})", ids).fetchall()
        else:
            shown = []
        assert len(shown) == len(ids) <= TOP_K
        self.last = {"shown": shown, "facets": facets}  # what a page would show, for a look by hand
        return total


class Tantivy:
    def __init__(self, path: str):
        import tantivy

        self.t = tantivy
        self.index = tantivy.Index.open(path)
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def _either(self, terms: list[str]) -> Any:
        """One term or phrase, in the title or the body."""
        t, s = self.t, self.schema
        if len(terms) == 1:
            per_field = [t.Query.term_query(s, f, terms[0]) for f in ("title", "body")]
        else:
            per_field = [t.Query.phrase_query(s, f, terms) for f in ("title", "body")]
        return t.Query.boolean_query([(t.Occur.Should, q) for q in per_field])

    def _filters(self, filters: dict[str, Any], skip: str | None = None) -> list[Any]:
        t, s = self.t, self.schema
        out = []
        if "agency" in filters and skip != "agency":
            out.append(t.Query.term_query(s, "agency", filters["agency"]))
        if "unit" in filters and skip != "unit":
            out.append(t.Query.term_query(s, "unit", filters["unit"]))
        if "date" in filters:
            day_from, day_to = filters["date"]
            out.append(t.Query.range_query(s, "day", t.FieldType.Integer, day_from or 1, day_to or 99991231))
        return [t.Query.const_score_query(f, 0.0) for f in out]

    def run(self, query: dict[str, Any]) -> int:
        """Top 10 (BM25 with ours' adjacent-pair boosts, or newest for match-all), the total, the
        four facets ours counts and a highlighted title and body snippet of each hit."""
        t = self.t
        b = query["baseline"]
        filters = filter_values(b)
        text = [self._either(c) for c in b["clauses"]] or [t.Query.all_query()]
        boosts = [t.Query.boost_query(self._either(pair), b["pair_boost"]) for pair in b["pairs"]]

        def matching(skip: str | None = None, scored: bool = False) -> Any:
            parts = [(t.Occur.Must, q) for q in text + self._filters(filters, skip)]
            if scored:
                parts += [(t.Occur.Should, q) for q in boosts]
            return t.Query.boolean_query(parts) if len(parts) > 1 else parts[0][1]

        if b["clauses"]:
            result = self.searcher.search(matching(scored=True), TOP_K, count=True, offset=b["offset"])
        else:
            result = self.searcher.search(matching(), TOP_K, count=True, offset=b["offset"], order_by_field="day")
        # one aggregation per distinct set of filters: each facet without its own filter
        specs: dict[str | None, dict[str, Any]] = defaultdict(dict)
        for facet in ("agency", "unit", "year", "month"):
            specs[facet if facet in filters else None][facet] = {"terms": {"field": facet, "size": 10_000}}
        facets = {}
        for skip, spec in specs.items():
            facets.update(self.searcher.aggregate(matching(skip), spec))
        docs = [self.searcher.doc(address) for _, address in result.hits]
        if b["clauses"] and docs:
            text_query = t.Query.boolean_query([(t.Occur.Must, q) for q in text]) if len(text) > 1 else text[0]
            titles = t.SnippetGenerator.create(self.searcher, text_query, self.schema, "title")
            titles.set_max_num_chars(1000)
            bodies = t.SnippetGenerator.create(self.searcher, text_query, self.schema, "body")
            bodies.set_max_num_chars(SNIPPET_CHARS)
            shown = [(d.get_first("path"), titles.snippet_from_doc(d).to_html() or d.get_first("title"),
                      bodies.snippet_from_doc(d).to_html()) for d in docs]
        else:
            shown = [(d.get_first("path"), d.get_first("title") or "", (d.get_first("body") or "")[:SNIPPET_CHARS])
                     for d in docs]
        assert len(shown) <= TOP_K
        self.last = {"shown": shown, "facets": facets}  # what a page would show, for a look by hand
        return result.count


ENGINES = {"ours": Ours, "fts5": Fts5, "tantivy": Tantivy}

# What each side was given and does per request, printed under every table.
GIVEN = [
    "ours the query text as typed, through indexer.service.search: parsing, matching (accents as typed first),",
    "  BM25F with title, adjacent-pair and word boosts, top 10, four facets (agency, unit, year, month, each",
    "  without its own filter), highlighted title and body snippet of the document's own text, did-you-mean;",
    "  'engine' is Generation.search alone (no parsing, snippets or did-you-mean)",
    "FTS5 and tantivy our analysed terms (folded syllables): every group of parse_query required, one term or",
    "  a real phrase (quoted parts, document numbers, agency names) in title or body; the same filters;",
    "  top 10 by bm25 (FTS5) or BM25 plus our adjacent pairs as optional phrases boosted like ours (tantivy;",
    "  FTS5 has no optional clauses); the same four facets, each without its own filter; highlighted title",
    f"  and body snippet (~{SNIPPET_CHARS} characters) of the stored analysed text. No did-you-mean.",
]


def child(engine: str, path: str, queries_file: str, repeat: int) -> None:
    """Open one engine, warm up on every query once, then time ``repeat`` runs per kind,
    round-robin over the kinds so that a burst of outside load spreads over all of them."""
    mix = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    runner = ENGINES[engine](path)
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in mix:
        by_kind[q["kind"]].append(q)
    for q in mix:
        runner.run(q)
    times: dict[str, list[float]] = defaultdict(list)
    engine_times: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, list[int]] = defaultdict(list)
    partial: dict[str, int] = defaultdict(int)
    for i in range(repeat):
        for kind, pool in by_kind.items():
            q = pool[i % len(pool)]
            started = time.perf_counter()
            total = runner.run(q)
            times[kind].append((time.perf_counter() - started) * 1000)
            if engine == "ours":
                engine_times[kind].append(runner.engine_ms)
                partial[kind] += runner.partial
            if i < len(pool):
                totals[kind].append(total)
    json.dump({"times": times, "engine_times": engine_times, "totals": totals, "partial": partial}, sys.stdout)


def run_engine(engine: str, path: Path, queries_file: Path, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--child-path", str(path),
           "--child-queries", str(queries_file), "--repeat", str(repeat)]
    print(f"running the mix on {engine} ...", flush=True)
    load = os.getloadavg()[0]
    code, out, seconds, rss = run_measured(cmd, cwd=ROOT)
    if code != 0:
        sys.exit(f"{engine} child failed ({code})")
    data = json.loads(out)
    data.update(rss_mib=round(rss / 1024, 1), seconds=round(seconds, 1), load=[round(load, 2), round(os.getloadavg()[0], 2)])
    return data


# ------------------------------------------------------------------ report

def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    xs = sorted(values)
    return xs[max(0, min(len(xs) - 1, math.ceil(p / 100 * len(xs)) - 1))] if xs else float("nan")


def table(pages: int, results: dict[str, Any]) -> str:
    ours, fts, tv = results["ours"], results["fts5"], results.get("tantivy")
    head = (f"{'kind':24} {'n':>3} {'hits':>6} | {'ours p50':>8} {'p95':>6} {'p99':>6} {'engine p95':>10} | "
            f"{'FTS5 p50':>8} {'p95':>6} | {'tantivy p50':>11} {'p95':>6} | {'ours/FTS5':>9} {'ours/tantivy':>12}")
    cache = results.get("term_cache")
    lines = [f"N = {pages:,} pages, {results['date']}, {results['cores']} cores, engine code {results['code']}"
             + (f", term cache {cache:,} postings" if cache is not None else ""),
             "(latency in ms per request; 'hits' = mean matches of our engine; 'engine' = Generation.search alone; "
             "ratios at p95)", head,
             "-" * len(head)]
    for kind in KINDS:
        if kind not in ours["times"]:
            continue
        o = ours["times"][kind]
        hits = sum(ours["totals"][kind]) / max(1, len(ours["totals"][kind]))
        f = fts["times"][kind]
        t = tv["times"][kind] if tv else []
        ratio_t = f"{pct(o, 95) / pct(t, 95):12.1f}" if t else f"{'-':>12}"
        lines.append(
            f"{kind:24} {len(o):3d} {hits:6.0f} | {pct(o, 50):8.1f} {pct(o, 95):6.1f} {pct(o, 99):6.1f} "
            f"{pct(ours['engine_times'][kind], 95):10.1f} | {pct(f, 50):8.2f} {pct(f, 95):6.2f} | "
            + (f"{pct(t, 50):11.2f} {pct(t, 95):6.2f}" if t else f"{'-':>11} {'-':>6}")
            + f" | {pct(o, 95) / pct(f, 95):9.1f} {ratio_t}")
    every = lambda r: [x for v in r["times"].values() for x in v]  # noqa: E731
    o_all, f_all = every(ours), every(fts)
    lines.append(f"{'all kinds':24} {len(o_all):3d} {'':>6} | {pct(o_all, 50):8.1f} {pct(o_all, 95):6.1f} "
                 f"{pct(o_all, 99):6.1f} {pct(every({'times': ours['engine_times']}), 95):10.1f} | "
                 f"{pct(f_all, 50):8.2f} {pct(f_all, 95):6.2f} | "
                 + (f"{pct(every(tv), 50):11.2f} {pct(every(tv), 95):6.2f}" if tv else f"{'-':>11} {'-':>6}")
                 + f" | {pct(o_all, 95) / pct(f_all, 95):9.1f} "
                 + (f"{pct(o_all, 95) / pct(every(tv), 95):12.1f}" if tv else f"{'-':>12}"))
    b, s = results["build"], results["sizes"]
    lines += [f"given: {line}" if i == 0 else f"       {line}" for i, line in enumerate(GIVEN)]
    lines.append("")
    agree = []
    for name, other in (("FTS5", fts), ("tantivy", tv)):
        if other:
            pairs = [(a, c) for k in ours["totals"] for a, c in zip(ours["totals"][k], other["totals"][k])]
            differ = sorted({k for k in ours["totals"] if ours["totals"][k] != other["totals"][k]})
            agree.append(f"{name} {sum(a == c for a, c in pairs)}/{len(pairs)}"
                         + (f" (differ in: {', '.join(differ)})" if differ else ""))
    lines.append("same number of matches as ours on distinct queries: " + "; ".join(agree))
    cut = sum(ours.get("partial", {}).values())
    lines.append(f"our ranking time budget ran out (partial results) on {cut} of {len(o_all)} timed requests")
    if "seconds" in b:
        lines.append(f"build: {b['read']:,} pages read, {b['documents']:,} documents, {b['skipped']} skipped, "
                     f"{b['seconds']} s wall ({b['pages_per_second']} pages/s by the Report), "
                     f"peak RSS {b['peak_rss_mib']} MiB (largest of the build and its {b['workers']} workers), "
                     f"{b['when']}, code {b.get('code', '?')}, "
                     f"load {b['load_before']}->{b['load_after']}")
    else:
        lines.append(f"build: {b.get('note')}")
    lines.append(f"serving peak RSS (child that opens the index and runs the mix): ours {ours['rss_mib']} MiB, "
                 f"FTS5 {fts['rss_mib']} MiB" + (f", tantivy {tv['rss_mib']} MiB" if tv else ""))
    lines.append(f"index size on disk: ours {mib(s['ours'])} (generation dir), extracted text {mib(s['text'])} "
                 f"(title+body UTF-8 of {s['documents']:,} stored documents): index/text {s['ours'] / s['text']:.2f}")
    lines.append(f"baselines on disk: FTS5 {mib(s['fts5'])} ({s['fts5'] / s['text']:.2f} x text; the analysed text "
                 "stored, for snippets, + filter tables)"
                 + (f", tantivy {mib(s['tantivy'])} ({s['tantivy'] / s['text']:.2f} x text, analysed text stored)"
                    if tv else ""))
    bb = results.get("baseline_build", {})
    if bb:
        lines.append(f"baseline index builds from the analysed terms: FTS5 {bb.get('fts5_build_seconds', '?')} s, "
                     f"tantivy {bb.get('tantivy_build_seconds', '?')} s (reading and analysing the stored text "
                     f"first: {bb.get('analyse_seconds', '?')} s, not counted)")
    lines.append("load average (1 min) before/after each engine's run: "
                 + ", ".join(f"{e} {results[e]['load'][0]}->{results[e]['load'][1]}" for e in ENGINES if e in results)
                 + f" on {os.cpu_count()} cores")
    return "\n".join(lines)


# ------------------------------------------------------------------ segments

def segments_comparison(pages: int, counts: list[int], repeat: int, rebuild: bool, workers: int | None) -> str:
    """The same archive built as each number of segments (``build --shards N``), and the same mix
    run on each index (ours only), back to back: p50/p95 per kind side by side."""
    source = archive(pages)
    mix = make_mix(source)
    queries_file = OUT / f"queries-bench-{pages}.json"
    queries_file.write_text(json.dumps(mix, ensure_ascii=False, indent=1), encoding="utf-8")
    runs: dict[int, dict[str, Any]] = {}
    for n in counts:
        index, info = ensure_index(pages, source, rebuild, workers, segments=n)
        runs[n] = {"build": info, "size": du(generations.current(index)), "index": index}
    for n in counts:  # the mixes one after the other, once every index is built
        runs[n]["ours"] = run_engine("ours", runs[n]["index"], queries_file, repeat)
    for n in counts:
        from indexer.service import IndexHandle

        runs[n]["segments"] = IndexHandle(runs[n]["index"], warm_seconds=0).generation().store.segments()
    head = f"{'kind':24} " + " ".join(f"{f'{n} seg p50':>11} {'p95':>6}" for n in counts)
    lines = [f"N = {pages:,} pages as {', '.join(str(runs[n]['segments']) for n in counts)} segments, "
             f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, code {code_version()}, "
             f"{repeat} timed runs per kind (ours: indexer.service.search, facets and snippets)", head, "-" * len(head)]
    every = lambda r: [x for v in r["times"].values() for x in v]  # noqa: E731
    for kind in KINDS + ["all kinds"]:
        cells = []
        for n in counts:
            times = every(runs[n]["ours"]) if kind == "all kinds" else runs[n]["ours"]["times"].get(kind, [])
            cells.append(f"{pct(times, 50):11.1f} {pct(times, 95):6.1f}")
        lines.append(f"{kind:24} " + " ".join(cells))
    for n in counts:
        b, o = runs[n]["build"], runs[n]["ours"]
        lines.append(f"{n:>3} segments: index {mib(runs[n]['size'])}, serving RSS {o['rss_mib']} MiB, build "
                     + (f"{b['seconds']} s wall ({b['pages_per_second']} pages/s), load {b['load_before']}->{b['load_after']}"
                        if "seconds" in b else "not measured here")
                     + f"; mix load {o['load'][0]}->{o['load'][1]}")
    text = "\n".join(lines)
    (OUT / f"segments-bench-{pages}.json").write_text(json.dumps(
        {str(n): {k: v for k, v in r.items() if k != "index"} for n, r in runs.items()} | {"table": text},
        ensure_ascii=False, indent=1, default=str))
    return text


# ------------------------------------------------------------------ profile

def profile(index: Path, mix: list[dict[str, Any]], kind: str, repeat: int, profiler: str, pages: int) -> None:
    import cProfile
    import pstats

    runner = Ours(str(index))
    pool = [q for q in mix if q["kind"] == kind]
    if not pool:
        sys.exit(f"no such kind: {kind!r}; one of {KINDS}")
    for q in mix:
        runner.run(q)
    todo = [pool[i % len(pool)] for i in range(repeat)]
    out = OUT / f"profile-{pages}-{kind.replace(' ', '_').replace(',', '')}-{profiler}.txt"
    if profiler == "pyinstrument":
        from pyinstrument import Profiler

        p = Profiler(interval=0.0005)
        p.start()
        for q in todo:
            runner.run(q)
        p.stop()
        text = p.output_text(unicode=True, color=False, show_all=False)
    else:
        prof = cProfile.Profile()
        prof.enable()
        for q in todo:
            runner.run(q)
        prof.disable()
        stats = pstats.Stats(prof)
        total = sum(v[3] for k, v in stats.stats.items() if k[2] == "search" and k[0].endswith("service.py"))
        parts = [("service.search (whole request)", "service.py", "search"),
                 ("  parse_query", "query.py", "parse_query"),
                 ("  Generation.search", "generation.py", "search"),
                 ("    plan_tree", "query_tree.py", "plan_tree"),
                 ("    evaluate (postings, scores, mask)", "evaluate.py", "evaluate"),
                 ("      postings read from disk", "store.py", "postings"),
                 ("    filter_mask", "facets.py", "filter_mask"),
                 ("    facet_counts", "facets.py", "facet_counts"),
                 ("    hit (stored fields + json.loads)", "generation.py", "hit"),
                 ("  _result (highlight + snippet)", "service.py", "_result"),
                 ("  did_you_mean", "suggest.py", "did_you_mean")]
        lines = [f"cProfile of {len(todo)} runs of '{kind}' at N={pages:,}: cumulative seconds (share of service.search)"]
        for label, file, func in parts:
            cum = sum(v[3] for k, v in stats.stats.items() if k[0].endswith(file) and k[2] == func)
            lines.append(f"  {label:48} {cum:8.3f} s  {100 * cum / total if total else 0:5.1f} %")
        import io

        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
        buf2 = io.StringIO()
        pstats.Stats(prof, stream=buf2).sort_stats("tottime").print_stats(30)
        text = "\n".join(lines) + "\n\n" + buf.getvalue() + "\n" + buf2.getvalue()
    out.write_text(text)
    print(text[:6000])
    print(f"(full profile in {out})")


# ------------------------------------------------------------------ main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, action="append", help="archive size (repeatable; default 2000)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the indexes even if present")
    parser.add_argument("--repeat", type=int, default=60, help="timed runs per kind of query (default 60)")
    parser.add_argument("--workers", type=int, default=None, help="build workers (default: one per core)")
    parser.add_argument("--no-tantivy", action="store_true", help="skip the tantivy baseline")
    parser.add_argument("--profile", metavar="KIND", help="profile our search on one kind of query and stop")
    parser.add_argument("--profiler", choices=["cprofile", "pyinstrument"], default="cprofile")
    parser.add_argument("--term-cache", type=int, metavar="POSTINGS",
                        help="our engine's term cache size for this run (default: the engine's own; 0 = every term read from disk)")
    parser.add_argument("--segments", type=int, action="append", metavar="N",
                        help="build the archive as N segments (build --shards N; repeatable) and compare our latency "
                             "on each, back to back (no baselines)")
    parser.add_argument("--child", choices=list(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--child-path", help=argparse.SUPPRESS)
    parser.add_argument("--child-queries", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.child_path, args.child_queries, args.repeat)
        return
    if not SHARED.exists():
        sys.exit(f"{SHARED} is not present beside the repository")
    if args.term_cache is not None:
        os.environ["BENCH_TERM_CACHE"] = str(args.term_cache)
    with_tantivy = not args.no_tantivy
    if with_tantivy:
        import importlib.util

        if importlib.util.find_spec("tantivy") is None:
            print("tantivy is not installed (pip install tantivy): its columns are left out", file=sys.stderr)
            with_tantivy = False
    if args.segments:
        for pages in args.pages or [2000]:
            print("\n" + segments_comparison(pages, args.segments, args.repeat, args.rebuild, args.workers) + "\n", flush=True)
        return
    for pages in args.pages or [2000]:
        source = archive(pages)
        index, build_info = ensure_index(pages, source, args.rebuild, args.workers)
        mix = make_mix(source)
        if args.profile:
            profile(index, mix, args.profile, args.repeat, args.profiler, pages)
            continue
        for q in mix:
            q["baseline"] = baseline_query(q["args"])
        queries_file = OUT / f"queries-bench-{pages}.json"
        queries_file.write_text(json.dumps(mix, ensure_ascii=False, indent=1), encoding="utf-8")
        base = ensure_baselines(pages, index, args.rebuild, with_tantivy)
        results: dict[str, Any] = {"pages": pages, "date": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(),
                                   "code": code_version(), "term_cache": args.term_cache,
                                   "repeat": args.repeat, "build": build_info}
        results["ours"] = run_engine("ours", index, queries_file, args.repeat)
        results["fts5"] = run_engine("fts5", Path(base["fts5_path"]), queries_file, args.repeat)
        if with_tantivy:
            results["tantivy"] = run_engine("tantivy", Path(base["tantivy_path"]), queries_file, args.repeat)
        results["sizes"] = {"ours": du(generations.current(index)), "text": base["text_bytes"],
                            "documents": base["documents"], "fts5": du(Path(base["fts5_path"])),
                            "tantivy": du(Path(base["tantivy_path"])) if with_tantivy else 0}
        results["baseline_build"] = {k: v for k, v in base.items() if k.endswith("seconds")}
        text = table(pages, results)
        print("\n" + text + "\n", flush=True)
        (OUT / f"search-bench-{pages}.json").write_text(json.dumps({**results, "table": text}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
