"""What a reader gets from a search over the real corpus index: highlights that follow the query,
the page's own document number apart from the ones it cites, an agency named in the query ranked
first, and a word of explanation when the words typed were corrected."""

from __future__ import annotations

import re

import pytest

from indexer.service import IndexHandle, document, parse_params, search


@pytest.fixture(scope="module")
def handle(corpus_index):
    return IndexHandle(corpus_index, warm_seconds=0)


def run(handle, q: str, **args) -> dict:
    return search(handle, parse_params({"q": q, "per_page": "100", **args}))


def marks(result: dict) -> list[str]:
    """Every marked stretch of every title and snippet, tags and entities undone."""
    html = " ".join(r["title_html"] + " " + r["snippet"] for r in result["results"])
    return [m.replace("&amp;", "&") for m in re.findall(r"<mark>(.*?)</mark>", html)]


def test_highlights_mark_what_the_query_means(handle):
    result = run(handle, "chuyen doi so")
    found = marks(result)
    assert "chuyển đổi số" in [m.lower() for m in found]
    # the query's words as the results write them (chuyển đổi số), never a look-alike (the "Sở"
    # of "Sở Y tế", "đội", "chuyên") on a page that writes the word: only a page found through
    # a look-alike alone has it marked, as the reason it is listed
    look_alikes = {"số": ("sở", "sơ", "sổ"), "đổi": ("đội", "đòi", "đôi"), "chuyển": ("chuyên",)}
    for r in result["results"]:
        text = (r["title"] + " " + document(handle, r["id"])["body"]).lower()
        shown = [m.lower() for m in re.findall(r"<mark>(.*?)</mark>", r["title_html"] + r["snippet"])]
        for word, others in look_alikes.items():
            if re.search(rf"\b{word}\b", text):
                assert not set(shown) & set(others), (r["title"], shown)
    # a lone common word only where nothing longer matched: never the "số" of "một số" beside
    # "chuyển đổi số"
    for r in result["results"]:
        for passage in (r["title_html"], r["snippet"]):
            inside = re.findall(r"<mark>(.*?)</mark>", passage)
            if any(" " in m for m in inside):
                assert all(" " in m for m in inside), passage
    quoted = marks(run(handle, '"cụm thi đua"'))
    assert quoted and all(m.lower() == "cụm thi đua" for m in quoted), quoted
    number = marks(run(handle, "458/TB-VP"))
    assert number and set(number) == {"458/TB-VP"}, number
    agency = marks(run(handle, "Bộ TT&TT"))
    assert "Bộ TT&TT" in agency and "TT" not in agency and "&" not in agency, agency
    # a name is marked whole, in whichever of its registry forms the page writes it
    from indexer.registry import Registry

    forms = {f.casefold() for f in Registry.default().alias_forms("Bộ Thông tin và Truyền thông")}
    assert all(m.casefold() in forms for m in agency), agency


def test_the_api_highlights_the_same_way(client):
    data = client.get("/api/search", query_string={"q": "Bộ TT&TT", "per_page": 20}).get_json()
    html = " ".join(r["title_html"] + r["snippet"] for r in data["results"])
    assert "<mark>Bộ TT&amp;TT</mark>" in html and "<mark>TT</mark>" not in html


def test_own_document_number_apart_from_cited_ones(handle, client):
    cited = run(handle, "749/QĐ-TTg")
    assert cited["total"] >= 5
    for r in cited["results"]:
        # every page here only cites the Prime Minister's decision
        assert "749/QĐ-TTg" in r["cited_numbers"] and "749/QĐ-TTg" not in r["own_numbers"]
        assert r["cited_asked"] == ["749/QĐ-TTg"]
    page = client.get("/search", query_string={"q": "chuyen doi so", "per_page": 50}).get_data(as_text=True)
    assert "749/QĐ-TTg" not in re.sub(r'<p class="snippet">.*?</p>', "", page, flags=re.S)
    asked = client.get("/search", query_string={"q": "749/QĐ-TTg"}).get_data(as_text=True)
    assert asked.count('class="docnums cited-number">nhắc đến 749/QĐ-TTg') == cited["total"]
    # a page that announces its own decision carries it as Số hiệu, in results, API and article page
    own = next(r for r in run(handle, "4120/QĐ-BVHTTDL")["results"] if r["own_numbers"])
    assert own["own_numbers"] == ["4120/QĐ-BVHTTDL"] and "458/TB-VP" in own["cited_numbers"]
    doc = document(handle, own["id"])
    assert doc["own_numbers"] == ["4120/QĐ-BVHTTDL"]
    html = client.get(f"/doc/{own['id']}").get_data(as_text=True)
    assert "Số hiệu" in html and "Văn bản được nhắc đến" in html


def test_an_agency_named_in_the_query_ranks_its_articles_and_titles_naming_it_first(handle):
    ministry = "Bộ Thông tin và Truyền thông"
    result = run(handle, "Bộ TT&TT")
    first = result["results"][:2]
    # the case: the ministry's own article with "Bộ TT&TT" in its title was 4th, behind a
    # Đà Nẵng department's article that only names the ministry in its text
    assert all(r["agency"] == ministry and "Bộ TT&TT" in r["title"] for r in first), [r["title"] for r in first]
    agencies = [r["agency"] for r in result["results"]]
    own = [i for i, a in enumerate(agencies) if a == ministry]
    others = [i for i, a in enumerate(agencies) if a != ministry]
    assert others and own and max(own) < min(others) or not others
    # the same rule for any agency, by its abbreviation
    health = run(handle, "BYT")
    assert health["results"] and health["results"][0]["agency"] == "Bộ Y tế"


def test_a_document_number_ranks_the_document_itself_before_pages_citing_it(handle):
    result = run(handle, "4120/QĐ-BVHTTDL")
    assert result["results"][0]["own_numbers"] == ["4120/QĐ-BVHTTDL"]


def test_a_mistyped_tone_says_what_was_searched_and_offers_the_words_as_typed(handle, client):
    plain = run(handle, "chuyen doi so")
    typo = run(handle, "chuyen doi sô")
    # the same pages as before, no longer silently
    assert typo["total"] == plain["total"] and typo["matched"] == "ignoring_accents"
    assert typo["searched_as"] == "chuyển đổi số" and plain["searched_as"] is None
    assert run(handle, "chuyển đổi số")["searched_as"] is None  # typed right: nothing to say
    exact = run(handle, "chuyen doi sô", exact="1")
    assert exact["total"] == 0 and exact["suggestion"] == "chuyển đổi số"
    # a typed word that exists elsewhere ("đi đôi với") finds few pages: "did you mean" the many
    few = run(handle, "chuyen đôi so")
    assert few["total"] < 3 and few["suggestion"] == "chuyển đổi số"
    page = client.get("/search", query_string={"q": "chuyen doi sô"}).get_data(as_text=True)
    assert "Đã tìm theo: " in page and "<strong>chuyển đổi số</strong>" in page
    assert 'href="/search?q=chuyen+doi+s%C3%B4&amp;exact=1" id="search-as-typed"' in page
    as_typed = client.get("/search", query_string={"q": "chuyen doi sô", "exact": "1"}).get_data(as_text=True)
    assert 'id="no-results"' in as_typed and 'id="as-typed-notice"' in as_typed
    assert 'href="/search?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91" id="did-you-mean"' in as_typed
    api = client.get("/api/search", query_string={"q": "chuyen doi sô"}).get_json()
    assert api["searched_as"] == "chuyển đổi số" and api["matched"] == "ignoring_accents"
