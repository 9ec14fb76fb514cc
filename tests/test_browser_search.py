"""What a reader sees of a search, in real Chromium at 1280 and 375 px, with and without
JavaScript: dates the wrong way round and pages past the last, highlights that follow the query,
an agency named in the query ranked first, corrected words said, a page's own document number
apart from the ones it cites, and the same story shown once."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import Server, shot

pytestmark = pytest.mark.browser


@pytest.fixture()
def page(reader_page):
    return reader_page


@pytest.fixture(scope="module")
def repost_server(repost_index, tmp_path_factory):
    """The production server over corpus/ with reposts of two of its stories."""
    server = Server(repost_index, tmp_path_factory.mktemp("repost-server") / "server.log")
    yield server
    server.stop()


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def total(page) -> int:
    return int(page.locator("#result-count strong").inner_text().replace(".", ""))


def marks(page, selector: str = ".result") -> list[str]:
    return page.locator(f"{selector} mark").all_inner_texts()


def open_filters(page) -> None:
    if page.locator("details.facet-panel:not([open]) > summary").count():
        page.click("details.facet-panel > summary")


def test_a_reversed_range_is_swapped_and_the_search_keeps_its_form_and_facets(page, live_server, tmp_path):
    response = page.goto(live_server.url + "/search?q=chuyen+doi+so&from=31%2F12%2F2023&to=1%2F1%2F2021"
                                           "&agency=B%E1%BB%99+Th%C3%B4ng+tin+v%C3%A0+Truy%E1%BB%81n+th%C3%B4ng")
    assert response.status == 200
    notice = page.locator("#dates-swapped").inner_text()
    assert "đã đổi chỗ hai ngày" in notice and "01/01/2021" in notice and "31/12/2023" in notice
    assert total(page) > 0 and page.locator(".result").count() > 0
    chips = page.locator(".chip:not(.clear)").all_inner_texts()
    assert any("01/01/2021" in c for c in chips) and any("Bộ Thông tin và Truyền thông" in c for c in chips)
    shot(page, tmp_path, "dates-swapped")
    open_filters(page)
    assert page.input_value("#from") == "01/01/2021" and page.input_value("#to") == "31/12/2023"
    assert page.locator("#facet-agency .facet-value").count() > 1
    # a date that cannot be read: the search without it, the form showing what was typed
    response = page.goto(live_server.url + "/search?q=chuyen+doi+so&from=31%2F02%2F2023")
    assert response.status == 400 and total(page) > 0
    open_filters(page)
    assert page.input_value("#from") == "31/02/2023"
    assert page.get_attribute("#from", "aria-invalid") == "true"


def test_a_page_past_the_last_shows_the_last_page_and_a_way_back(page, live_server, tmp_path):
    first = page.goto(live_server.url + "/search?q=chuyen+doi+so")
    pages = int(re.search(r"trang 1/(\d+)", page.locator("#result-count").inner_text()).group(1))
    assert first.status == 200 and pages > 1
    response = page.goto(live_server.url + "/search?q=chuyen+doi+so&page=99")
    assert response.status == 404
    assert f"trang {pages}/{pages}" in page.locator("#result-count").inner_text()
    assert page.locator(".result").count() > 0
    notice = page.locator("#past-last").inner_text()
    assert "Không có trang 99" in notice and f"{pages} trang" in notice
    assert page.locator(".pager a[aria-current=page]").inner_text() == str(pages)
    shot(page, tmp_path, "past-last")
    page.click("#to-first-page")
    page.wait_for_url("**/search?q=chuyen+doi+so")
    assert "trang 1/" in page.locator("#result-count").inner_text()


def test_highlights_mark_what_the_query_means(page, live_server, tmp_path):
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    found = [m.lower() for m in marks(page)]
    assert "chuyển đổi số" in found and not {"sở", "đội", "chuyên"} & set(found[:10])
    page.goto(live_server.url + "/search?q=%22c%E1%BB%A5m+thi+%C4%91ua%22")
    assert {m.lower() for m in marks(page)} == {"cụm thi đua"}
    page.goto(live_server.url + "/search?q=458%2FTB-VP")
    assert set(marks(page)) == {"458/TB-VP"}
    page.goto(live_server.url + "/search?q=B%E1%BB%99+TT%26TT")
    found = set(marks(page))
    assert "Bộ TT&TT" in found and not found & {"TT", "&", "Bộ"}
    shot(page, tmp_path, "highlights-agency")


def test_an_agency_named_in_the_query_ranks_its_own_articles_first(page, live_server):
    page.goto(live_server.url + "/search?q=B%E1%BB%99+TT%26TT")
    first = page.locator(".result").first
    assert "Bộ TT&TT" in first.locator("h2").inner_text()
    assert first.locator(".agency").inner_text() == "Bộ Thông tin và Truyền thông"
    agencies = page.locator(".result .agency").all_inner_texts()
    assert agencies[:4] == ["Bộ Thông tin và Truyền thông"] * 4


def test_a_mistyped_tone_says_what_was_searched_and_offers_the_words_as_typed(page, live_server, tmp_path):
    page.goto(live_server.url + "/search?q=chuyen+doi+s%C3%B4")
    assert page.locator("#searched-as").inner_text().startswith("Đã tìm theo: chuyển đổi số")
    plain = total(page)
    shot(page, tmp_path, "searched-as")
    page.click("#search-as-typed")
    page.wait_for_url("**exact=1**")
    assert page.locator("#no-results").is_visible() and page.locator("#as-typed-notice").is_visible()
    page.click("#did-you-mean")
    page.wait_for_url(re.compile(r"q=chuy%E1%BB%83n"))
    assert "exact" not in args_of(page.url) and total(page) > 0 and total(page) <= plain
    assert page.locator("#searched-as").count() == 0


def test_own_document_number_apart_from_the_ones_cited(page, live_server, tmp_path):
    page.goto(live_server.url + "/search?q=749%2FQ%C4%90-TTg")
    results = page.locator(".result")
    assert results.count() >= 5
    assert page.locator(".result .own-number", has_text="749/QĐ-TTg").count() == 0
    assert page.locator(".result .cited-number").all_inner_texts() == ["nhắc đến 749/QĐ-TTg"] * results.count()
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    assert "749/QĐ-TTg" not in " ".join(page.locator(".result .meta").all_inner_texts())
    page.goto(live_server.url + "/search?q=4120%2FQ%C4%90-BVHTTDL")
    assert page.locator(".result .own-number").first.inner_text() == "Số hiệu 4120/QĐ-BVHTTDL"
    page.locator(".result h2 a").first.click()
    page.wait_for_selector("#doc-title")
    if page.locator("#docinfo:not([open]) > summary").count():
        page.click("#docinfo > summary")
    meta = page.locator(".docmeta").inner_text()
    assert "Số hiệu" in meta and "Văn bản được nhắc đến" in meta
    assert "4120/QĐ-BVHTTDL" in page.locator(".byline").inner_text()
    shot(page, tmp_path, "doc-numbers")


def test_the_same_story_is_shown_once_with_its_reposts_under_it(page, repost_server, tmp_path):
    page.goto(repost_server.url + "/search?q=chuyen+doi+so")
    count = page.locator("#result-count").inner_text()
    found = re.search(r"(\d+) kết quả, (\d+) tin", count)
    assert found and int(found.group(1)) - int(found.group(2)) == 4, count  # four reposts of two stories
    titles = page.locator(".result h2").all_inner_texts()
    assert len(titles) == len(set(titles)), "each story once"
    story = page.locator(".result", has=page.locator("details.similar")).first
    summary = story.locator("details.similar > summary")
    assert summary.inner_text() == "và 3 bài tương tự"
    assert not story.locator("details.similar li").first.is_visible()
    summary.click()
    items = story.locator("details.similar li").all_inner_texts()
    assert len(items) == 3 and all(re.search(r"· \d\d/\d\d/\d{4}$", i) for i in items)
    assert len({i.split("\n")[-1] for i in items}) == 3  # three other agencies
    shot(page, tmp_path, "story-once")
    story.locator("a.all-similar").click()
    page.wait_for_url("**group=**")
    assert page.locator(".result").count() == 4 and "4 kết quả, 1 tin" in page.locator("#result-count").inner_text()
    chip = page.locator(".chip", has_text="cùng một tin")
    assert chip.count() == 1
    shot(page, tmp_path, "story-members")
    chip.click()
    page.wait_for_url(lambda url: "group=" not in url)
    page.click("#show-every-page")
    page.wait_for_url("**collapse=0**")
    assert page.locator(".result").count() == 10 and page.locator("details.similar").count() == 0
    page.click(".pager a[rel=next]")
    page.wait_for_url("**page=2**")
    assert args_of(page.url)["collapse"] == ["0"]
