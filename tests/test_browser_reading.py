"""What a reader sees, in real Chromium at 1280 and 375 px, with and without JavaScript: one
font, dates typed day first, unit tags that filter, the article before its metadata, skip links,
the query quoted once, no chart for one result, a status page in Vietnamese, ticked facets first."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import shot
from indexer.collation import sort_key

pytestmark = pytest.mark.browser


@pytest.fixture()
def page(reader_page):
    return reader_page


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def total(page) -> int:
    return int(page.locator("#result-count strong").inner_text().replace(".", ""))


def open_filters(page) -> None:
    """On a phone with JavaScript the filters start folded under "Bộ lọc"."""
    if page.locator("details.facet-panel:not([open]) > summary").count():
        page.click("details.facet-panel > summary")


def dates_shown(page) -> list[str]:
    return [d for d in page.locator(".result time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))") if d]


def test_one_font_everywhere_the_search_box_included(page, live_server, tmp_path):
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    fonts = page.evaluate("""['body', '#q', '#from', 'button', '.facet-value', '.result h2']
        .map(s => getComputedStyle(document.querySelector(s)).fontFamily)""")
    assert len(set(fonts)) == 1, fonts
    assert "Segoe UI" in fonts[0] and "Noto Sans" in fonts[0] and not fonts[0].startswith("system-ui")
    shot(page, tmp_path, "fonts")


def test_dates_are_typed_and_shown_day_first(page, live_server, tmp_path):
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    assert page.get_attribute("#from", "type") == "text" and page.get_attribute("#to", "type") == "text"
    open_filters(page)
    page.fill("#from", "1/1/2020")
    page.fill("#to", "31122021")  # the 31 December, not 11 March
    page.click("#daterange-submit")
    page.wait_for_url("**to=31122021**")
    chips = page.locator(".chip:not(.clear)").all_inner_texts()
    assert any("01/01/2020" in c for c in chips) and any("31/12/2021" in c for c in chips), chips
    assert page.input_value("#from") == "01/01/2020" and page.input_value("#to") == "31/12/2021"
    shown = dates_shown(page)
    assert shown and all("2020-01-01" <= d[:10] <= "2021-12-31" for d in shown)
    # a month in the "to" field means its last day; links onwards carry ISO days
    page.goto(live_server.url + "/search?q=chuyen+doi+so&from=2021&to=12%2F2021")
    assert page.input_value("#from") == "01/01/2021" and page.input_value("#to") == "31/12/2021"
    assert {d[:4] for d in dates_shown(page)} == {"2021"}
    assert args_of(page.locator(".chip").first.get_attribute("href")).get("to") == ["2021-12-31"]
    shot(page, tmp_path, "dates", full_page=True)


def test_an_impossible_date_says_why(page, live_server):
    response = page.goto(live_server.url + "/search?q=chuyen+doi+so&from=31%2F02%2F2023")
    assert response.status == 400
    assert "tháng 2 năm 2023 chỉ có 28 ngày" in page.locator(".notice.error").inner_text()


def test_date_presets_this_year_last_12_months_and_each_year(page, live_server):
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    open_filters(page)
    labels = page.locator(".presets a").all_inner_texts()
    years = sorted((int(v) for v in page.locator("#facet-year .facet-value").evaluate_all(
        "els => els.map(e => e.dataset.value)")), reverse=True)
    assert labels == ["Năm nay", "12 tháng qua"] + [f"Năm {y}" for y in years]
    this_year = page.locator(".presets a", has_text="Năm nay").get_attribute("href")
    assert args_of(this_year)["from"] == [f"{date.today().year}-01-01"]
    page.locator(".presets a", has_text="Năm 2021").click()
    page.wait_for_url("**from=2021-01-01**")
    assert args_of(page.url)["to"] == ["2021-12-31"] and args_of(page.url)["q"] == ["chuyen doi so"]
    assert {d[:4] for d in dates_shown(page)} == {"2021"}
    assert page.locator(".presets a[aria-current]").inner_text() == "Năm 2021"
    assert page.input_value("#from") == "01/01/2021"


def test_unit_tags_are_filter_links(page, live_server):
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    tag = page.locator(".result .units a.unit").first
    unit = tag.inner_text()
    before = total(page)
    tag.click()
    page.wait_for_url("**unit=**")
    assert args_of(page.url)["unit"] == [unit] and args_of(page.url)["q"] == ["chuyen doi so"]
    assert any(unit in c for c in page.locator(".chip").all_inner_texts())
    assert 0 < total(page) <= before
    looks = page.evaluate("""() => { const a = document.querySelector('.result .units a.unit');
        return [getComputedStyle(a).cursor, a.getAttribute('href') !== null]; }""")
    assert looks == ["pointer", True]


def test_the_article_page_shows_the_text_before_its_metadata_and_keeps_the_query(page, live_server, tmp_path):
    page.goto(live_server.url + "/search?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91")
    agency = page.locator(".result .agency").first.inner_text()
    page.locator(".result h2 a").first.click()
    page.wait_for_selector("#doc-title")
    assert page.input_value("#q") == "chuyển đổi số"
    boxes = [page.locator(s).bounding_box()["y"] for s in ("#doc-title", ".byline", ".article .body p >> nth=0", "#docinfo")]
    assert boxes == sorted(boxes), "title, agency and date, text, then the rest"
    byline = page.locator(".byline").inner_text()
    assert agency in byline and re.search(r"\d\d/\d\d/\d{4}", byline)
    assert page.locator("#docinfo summary").inner_text() == "Thông tin thêm"
    if page.viewport_size["width"] < 500:
        # the first screen of a phone: the text starts there, the archive path and source do not
        height = page.viewport_size["height"]
        assert page.locator(".article .body p").first.bounding_box()["y"] < height * 0.6
        assert page.locator(".docmeta .path").bounding_box()["y"] > height
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner
    assert "Tệp lưu trữ" in page.locator(".docmeta").inner_text()
    shot(page, tmp_path, "doc-first-screen")
    # make the byline exactly as wide as the agency's name on one line: the "·" after the name
    # must go down with its last word, not start the next line alone
    start = page.evaluate("""() => {
        const b = document.querySelector('.byline'), a = b.querySelector('.agency');
        b.style.whiteSpace = 'nowrap';
        const width = a.getBoundingClientRect().width;
        b.style.whiteSpace = '';
        b.style.width = (width + 1) + 'px';
        return b.querySelector('.sep').getBoundingClientRect().left - b.getBoundingClientRect().left;
    }""")
    assert start > 8, f"a separator starts a line of the byline ({start:.1f} px from its left)"


def test_skip_links_land_on_the_results_then_the_filters(page, live_server):
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert first == ["skip", "#results"]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#filters"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#results'")
    top = page.locator("#results").bounding_box()["y"]
    assert -2 <= top <= 40, "the results are at the top of the window"
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#filters'")
    assert abs(page.locator("#filters").bounding_box()["y"]) <= 40


def test_a_quoted_query_shows_once_and_one_result_gets_no_chart(page, live_server):
    page.goto(live_server.url + "/search?q=%22c%E1%BB%A5m+thi+%C4%91ua%22")
    count = page.locator("#result-count").inner_text()
    assert "“cụm thi đua”" in count and '"' not in count and "““" not in count
    assert total(page) == 1
    assert page.locator(".histogram").count() == 0 and page.locator(".histogram-box").count() == 0
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    assert "“chuyen doi so”" in page.locator("#result-count").inner_text()
    assert page.locator(".histogram a").count() >= 2


def test_the_status_page_speaks_vietnamese(page, live_server):
    page.goto(live_server.url + "/status")
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(full|incremental)\b", text)
    assert re.search(r"\d\d/\d\d/\d{4} lúc \d\d:\d\d", text)
    assert re.search(r"mất \d+(,\d+)? giây", text) and not re.search(r"\d\.\d+ giây", text)
    generation = page.locator("#status-generation")
    assert not generation.is_visible(), "the index id only where an operator looks for it"
    page.click("details.operator > summary")
    assert generation.is_visible() and generation.inner_text()


def test_ticked_facet_values_stay_on_top_and_ties_sort_in_vietnamese_order(page, live_server):
    page.goto(live_server.url + "/search")
    open_filters(page)

    def listed():
        return page.locator("#facet-agency > ul .facet-value").evaluate_all(
            "els => els.map(e => [e.dataset.value, +e.dataset.count, e.classList.contains('selected')])")

    values = listed()
    for (a, ca, _), (b, cb, _) in zip(values, values[1:]):
        assert ca > cb or (ca == cb and sort_key(a) <= sort_key(b)), (a, b)
    third = values[2][0]
    page.locator(f"#facet-agency .facet-value[data-value='{third}']").click()
    page.wait_for_url("**agency=**")
    open_filters(page)
    after = listed()
    assert after[0][0] == third and after[0][2], "the ticked agency moves to the top and stays there"
    assert [v for v in after[1:]] == [v for v in values if v[0] != third][: len(after) - 1]


def test_the_home_page_says_how_many_agencies_there_are_as_the_search_page_does(page, live_server, tmp_path):
    page.goto(live_server.url + "/")
    count = int(re.search(r"\((\d+)\)", page.locator("#browse-h").inner_text()).group(1))
    assert page.locator("#browse-h + ul li").count() == min(count, 12)
    shot(page, tmp_path, "home-agencies")
    if count > 12:  # the rest are a click away
        page.click("#all-agencies")
        page.wait_for_url("**/search?sort=newest#facet-agency")
    else:
        assert page.locator("#all-agencies").count() == 0
        page.goto(live_server.url + "/search?sort=newest")
    open_filters(page)
    assert page.locator("#facet-agency .facet-value").count() == count, "the same number on both pages"
