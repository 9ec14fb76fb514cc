"""The shipped sample archive: what the cleaner and metadata extraction get from each page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from indexer.extract import extract_file
from indexer.textnorm import key

GOLD = json.loads((ROOT / "tests" / "fixtures" / "corpus_gold.json").read_text(encoding="utf-8"))


def test_corpus_is_the_archive_the_readme_promises():
    html = [g for g in GOLD if g["path"].endswith(".html")]
    assert len(html) >= 60
    assert len({g["agency"] for g in GOLD}) >= 8
    assert {int(g["date"][:4]) for g in GOLD} >= set(range(2012, 2025))
    assert sum(g["encoding"] == "windows-1258" for g in GOLD) >= 2
    assert any(g["path"].endswith(".txt") for g in GOLD)


@pytest.mark.parametrize("gold", GOLD, ids=[g["path"] for g in GOLD])
def test_page_extraction_matches_gold(gold):
    a = extract_file(CORPUS / gold["path"], CORPUS)
    assert key(a.title) == key(gold["title"])
    assert a.date == gold["date"]
    assert key(a.agency) == key(gold["agency"])
    # both ways, pages that cite none included: a number made up from a date or a phone number fails
    assert sorted(a.doc_numbers) == sorted(gold["doc_numbers"])
    if gold.get("author"):
        assert key(a.author or "") == key(gold["author"])
    assert key(a.body).startswith(key(gold["body_first_words"]))
    for junk in gold.get("boilerplate", []):
        assert key(junk) not in key(a.body), f"boilerplate left in body: {junk!r}"
