from __future__ import annotations

import json
import subprocess
import sys

from conftest import CORPUS, ROOT

FIELDS = {"path", "title", "date", "datetime", "author", "agency", "agency_short", "units", "doc_numbers", "body"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_extract_prints_one_json_object_per_file():
    files = sorted(str(p) for p in CORPUS.rglob("*.html"))[:3]
    proc = run("extract", *files, "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 3
    for row in rows:
        assert FIELDS <= set(row)
        assert row["title"] and row["body"] and row["agency"]
        assert row["date"] is None or len(row["date"]) == 10


def test_search_prints_the_api_json(corpus_index):
    proc = run("search", "--index", str(corpus_index), "--json", "--per-page", "3", "chuyen doi so")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["total"] > 0 and len(data["results"]) == 3
    assert {"query", "total", "page", "per_page", "took_ms", "results", "facets"} <= set(data)
    assert "<mark>" in data["results"][0]["snippet"]
