"""The search service over the real corpus index: diacritics, facets, filters, sort, pages."""

from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT
from indexer.service import BadRequest, IndexHandle, SearchParams, document, parse_params, search
from indexer.textnorm import fold

GOLD = json.loads((ROOT / "tests" / "fixtures" / "corpus_gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def handle(corpus_index):
    return IndexHandle(corpus_index)


def ids(result):
    return [r["id"] for r in result["results"]]


def paths(result):
    return [r["path"] for r in result["results"]]


def test_accented_and_unaccented_queries_find_the_pages(handle):
    accented = search(handle, SearchParams(q="chuyển đổi số", per_page=100))
    plain = search(handle, SearchParams(q="chuyen doi so", per_page=100))
    assert accented["total"] >= 8
    # typed with accents: pages with exactly those words; without: every accented reading too
    assert set(ids(accented)) <= set(ids(plain))
    for r in accented["results"]:
        words = set(re.findall(r"\w+", (r["title"] + " " + document(handle, r["id"])["body"]).lower()))
        assert {"chuyển", "đổi", "số"} <= words, r["title"]
    assert "<mark>" in plain["results"][0]["snippet"]
    # the marks show the document's own accented text
    assert "<mark>chuyển đổi số</mark>" in " ".join(r["snippet"].lower() for r in plain["results"])


def test_facets_count_agencies_units_years(handle):
    result = search(handle, SearchParams(q="chuyển đổi số"))
    agencies = result["facets"]["agency"]
    assert len(agencies) >= 4
    assert sum(f["count"] for f in agencies) == result["total"]
    assert result["facets"]["year"] and result["facets"]["unit"]


def test_agency_filter_narrows_and_keeps_other_agency_counts(handle):
    everything = search(handle, SearchParams(q="chuyển đổi số"))
    top = everything["facets"]["agency"][0]
    narrowed = search(handle, SearchParams(q="chuyển đổi số", agencies=[top["value"]]))
    assert narrowed["total"] == top["count"] < everything["total"]
    assert {r["agency"] for r in narrowed["results"]} == {top["value"]}
    # disjunctive facet: the other agencies are still offered with their counts
    assert len(narrowed["facets"]["agency"]) == len(everything["facets"]["agency"])


def test_two_agencies_and_a_date_range(handle):
    facets = search(handle, SearchParams(q=""))["facets"]["agency"]
    two = [facets[0]["value"], facets[1]["value"]]
    params = parse_params({"agency": two, "from": "2015-01-01", "to": "2020-12-31", "per_page": "100"})
    result = search(handle, params)
    assert result["total"] > 0
    for r in result["results"]:
        assert r["agency"] in two and "2015-01-01" <= r["date"] <= "2020-12-31"


def test_sort_newest_and_oldest(handle):
    newest = search(handle, SearchParams(q="", sort="newest", per_page=20))
    oldest = search(handle, SearchParams(q="", sort="oldest", per_page=20))
    dates = [r["date"] for r in newest["results"]]
    assert dates == sorted(dates, reverse=True)
    dates = [r["date"] for r in oldest["results"]]
    assert dates == sorted(dates)
    assert newest["results"][0]["date"] >= "2024-01-01" and oldest["results"][0]["date"] < "2013-01-01"


def test_pagination_has_no_overlap(handle):
    p1 = search(handle, SearchParams(q="", sort="newest", per_page=10, page=1))
    p2 = search(handle, SearchParams(q="", sort="newest", per_page=10, page=2))
    assert len(p2["results"]) == 10 and not set(ids(p1)) & set(ids(p2))
    # every saved page, and the pages and documents of the corpus's crawl and attachments
    archive = json.loads((ROOT / "tests" / "fixtures" / "archive_gold.json").read_text(encoding="utf-8"))
    assert p1["total"] == len(GOLD) + len(archive["pages"]) + len(archive["documents"])


def test_document_number_ranks_its_pages_first(handle):
    number = next(n for g in GOLD for n in g["doc_numbers"] if "Đ" in n)
    holders = {g["title"] for g in GOLD if number in g["doc_numbers"]}
    for typed in (number, number.lower(), number.replace("Đ", "D")):
        result = search(handle, SearchParams(q=typed))
        assert result["results"][0]["title"] in holders, typed


def test_quoted_phrase_requires_adjacency(handle):
    loose = search(handle, SearchParams(q="chuyển đổi số", per_page=100))
    phrase = search(handle, SearchParams(q='"chuyển đổi số"', per_page=100))
    assert 0 < phrase["total"] < loose["total"]
    # this page says "chuyển đổi" and "số" but never "chuyển đổi số"
    apart = "mic-gov-vn/2017/day-manh-tiep-nhan-ho-so-tra-ket-qua-thu-tuc-hanh-chinh-qua-dich-vu-buu-chinh.html"
    assert apart in paths(loose) and apart not in paths(phrase)
    for r in phrase["results"]:
        text = document(handle, r["id"])
        words = " ".join(re.findall(r"\w+", fold(text["title"] + " " + text["body"]).lower()))
        assert " chuyen doi so " in f" {words} ", r["path"]
    # the same words in another order are another phrase, found nowhere in the corpus
    assert search(handle, SearchParams(q="thông tin an toàn"))["total"] > 0
    assert search(handle, SearchParams(q='"thông tin an toàn"'))["total"] == 0


# Query syntax typed by people used to other engines, and what it must mean here: the same search as
# the plain text beside it (operators are words or punctuation, never operators).
SYNTAX_AND_TEXT = [
    ("AND", "and"), ("OR (", "or"), ("chuyển:đổi*", "chuyển đổi"), ("???", ""), ("title:x", "title x"),
    ('"', ""), ("\\", ""), ("NOT -", "not"), ("[]{}^~", ""),
    ("chuyển AND đổi OR số", "chuyển and đổi or số"), ("-chuyển +đổi (số)", "chuyển đổi số"),
    ("title:chuyển body:đổi", "title chuyển body đổi"), ("chuyển đổi NOT số", "chuyển đổi not số"),
    ("y tế*", "y tế"), ("y~ tế^2", "y tế 2"), ("(y tế) OR (giáo dục)", "y tế or giáo dục"),
]


@pytest.mark.parametrize("q,text", SYNTAX_AND_TEXT)
def test_query_syntax_is_just_text(handle, q, text):
    typed = search(handle, SearchParams(q=q, per_page=100))
    plain = search(handle, SearchParams(q=text, per_page=100))
    assert typed["total"] == plain["total"] <= 100  # the corpus is small: every match is on the page
    # the same pages and counts; the order may differ a little, as punctuation between two words
    # keeps them from being read as one word (chuyển:đổi is not the word chuyển_đổi)
    assert sorted(paths(typed)) == sorted(paths(plain))
    assert typed["facets"] == plain["facets"]


def test_dates_are_read_as_typed_in_the_fields_and_a_reversed_range_is_swapped():
    from datetime import date

    # the URL and the API take what the date fields take: day first, a month, a year, ISO
    for typed, first, last in (("16/07/2020", date(2020, 7, 16), date(2020, 7, 16)), ("7/2020", date(2020, 7, 1), date(2020, 7, 31)),
                               ("2020", date(2020, 1, 1), date(2020, 12, 31)), ("2020-07-16", date(2020, 7, 16), date(2020, 7, 16)),
                               ("16.07.2020", date(2020, 7, 16), date(2020, 7, 16)), ("16072020", date(2020, 7, 16), date(2020, 7, 16))):
        params = parse_params({"from": typed, "to": typed})
        assert (params.date_from, params.date_to, params.dates_swapped) == (first, last, False), typed
    # the wrong way round: swapped, each field read in the other's role, and said so
    params = parse_params({"from": "2021", "to": "2020"})
    assert (params.date_from, params.date_to, params.dates_swapped) == (date(2020, 1, 1), date(2021, 12, 31), True)
    assert params.filter_values()["from"] == "2020-01-01"


def test_bad_parameters_get_vietnamese_messages():
    with pytest.raises(BadRequest, match="Từ ngày.*31/02/2020.*29 ngày"):
        parse_params({"from": "31/02/2020"})
    with pytest.raises(BadRequest, match="Đến ngày"):
        parse_params({"to": "hôm qua"})
    with pytest.raises(BadRequest, match="trang"):
        parse_params({"page": "-1"})
