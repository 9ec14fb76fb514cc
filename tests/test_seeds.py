"""Every field of ../shared/eval/seeds-gold.json, on the five real scraped seed pages."""

from __future__ import annotations

import json

import pytest

from conftest import shared_path
from indexer.extract import extract_file
from indexer.textnorm import key


def gold_documents():
    path = shared_path("eval", "seeds-gold.json")
    return json.loads(path.read_text(encoding="utf-8"))["documents"]


def same_entity(found: str, wanted: str) -> bool:
    # equal, or the found name is the wanted one followed by a qualifier ("… (Bộ VHTTDL)")
    f, w = key(found), key(wanted)
    return f == w or (f.startswith(w) and not f[len(w):len(w) + 1].isalnum())


def test_every_gold_field_of_every_seed():
    seeds = shared_path("seeds")
    failures = []
    for gold in gold_documents():
        path = seeds / gold["file"]
        a = extract_file(path, seeds)
        body = a.body
        checks = []
        if "title" in gold:
            checks.append(("title", key(a.title) == key(gold["title"]), a.title))
        if "title_contains" in gold:
            checks.append(("title_contains", key(gold["title_contains"]) in key(a.title), a.title))
        checks.append(("date", a.date == gold["date"], a.date))
        if "datetime" in gold:
            checks.append(("datetime", a.datetime == gold["datetime"], a.datetime))
        if "agency" in gold:
            checks.append(("agency", same_entity(a.agency, gold["agency"]), a.agency))
        if "agency_any" in gold:
            checks.append(("agency_any", any(same_entity(a.agency, g) for g in gold["agency_any"]), a.agency))
        if "agency_short" in gold:
            checks.append(("agency_short", key(a.agency_short) == key(gold["agency_short"]), a.agency_short))
        for unit in gold.get("units_include", []):
            checks.append((f"unit {unit}", any(same_entity(u, unit) for u in a.units), a.units))
        for number in gold.get("doc_numbers", []):
            checks.append((f"doc {number}", number in a.doc_numbers, a.doc_numbers))
        if "author" in gold:
            checks.append(("author", key(a.author or "") == key(gold["author"]), a.author))
        if "body_starts_with" in gold:
            checks.append(("body_starts_with", key(body).startswith(key(gold["body_starts_with"])), body[:80]))
        if "body_starts_with_any" in gold:
            checks.append(("body_starts_with_any", any(key(body).startswith(key(s)) for s in gold["body_starts_with_any"]), body[:80]))
        if "body_ends_with" in gold:
            checks.append(("body_ends_with", key(body).endswith(key(gold["body_ends_with"])), body[-80:]))
        for junk in gold.get("not_in_body", []):
            checks.append((f"not_in_body {junk!r}", junk not in body, None))
        failures += [f"{gold['file']}: {name} (got {got!r})" for name, ok, got in checks if not ok]
    assert not failures, "\n".join(failures)
