"""Real Chromium through Playwright against the real server (waitress, ``python -m webapp``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ATOM = {"a": "http://www.w3.org/2005/Atom"}

# WCAG contrast of an element's text against the first opaque background behind it.
CONTRAST_JS = """(selectors) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(parseFloat); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const back = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0.9) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  return selectors.map((s) => { const el = document.querySelector(s); if (!el) return [s, null];
    const a = lum(parse(getComputedStyle(el).color)), b = lum(back(el));
    return [s, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]; });
}"""


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def total(page) -> int:
    return int(page.locator("#result-count strong").inner_text().replace(".", ""))


def no_horizontal_overflow(page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"page is {scroll}px wide in a {inner}px window: {page.url}"


def state(page) -> dict:
    return {
        "url": page.url,
        "chips": page.locator(".chip:not(.clear)").all_inner_texts(),
        "sort": page.locator(".sort a[aria-current]").get_attribute("data-sort"),
        "page": page.locator(".pager [aria-current=page]").inner_text(),
        "titles": page.locator(".result h2").all_inner_texts(),
        "from": page.input_value("#from"),
        "to": page.input_value("#to"),
    }


def test_type_query_click_agency_facet_results_shrink(browser, live_server):
    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.fill("#q", "chuyen doi so")
    page.press("#q", "Enter")
    page.wait_for_selector(".result")
    before = page.locator(".result").count()
    total_before = int(page.locator("#result-count strong").inner_text().replace(".", ""))
    facet = page.locator("#facet-agency .facet-value").first
    agency = facet.get_attribute("data-value")
    facet.click()
    page.wait_for_selector(".chip")
    total_after = int(page.locator("#result-count strong").inner_text().replace(".", ""))
    agencies = page.locator(".result .agency").all_inner_texts()
    assert total_after < total_before and before > 0
    assert agencies and set(agencies) == {agency}
    page.close()


def test_search_journey_state_survives_article_and_back(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # a query typed on the home page
    page.goto(live_server.url + "/")
    page.fill("#q", "chuyển đổi số")
    page.press("#q", "Enter")
    page.wait_for_selector(".result")
    all_hits = total(page)

    # two agencies, one after the other (the agency facet counts ignore the agency filter)
    facets = page.locator("#facet-agency .facet-value")
    first, second = facets.nth(0).get_attribute("data-value"), facets.nth(1).get_attribute("data-value")
    expected = int(facets.nth(0).get_attribute("data-count")) + int(facets.nth(1).get_attribute("data-count"))
    facets.nth(0).click()
    page.wait_for_selector(".chip")
    page.locator(f"#facet-agency .facet-value[data-value='{second}']").click()
    expect(page.locator(".chip:not(.clear)")).to_have_count(2)
    assert args_of(page.url)["agency"] == [first, second]
    assert total(page) == expected < all_hits
    assert set(page.locator(".result .agency").all_inner_texts()) <= {first, second}
    assert page.locator("#facet-agency .facet-value.selected").count() == 2

    # a date range, typed into the date inputs and submitted; it starts the year after the
    # earliest year on the year facet, so exactly that year's hits must drop out
    before = total(page)
    years = {int(v.get_attribute("data-value")): int(v.get_attribute("data-count"))
             for v in page.locator("#facet-year .facet-value").all()}
    assert len(years) >= 2 and sum(years.values()) == before
    start, end = min(years) + 1, max(years)
    page.fill("#from", f"{start}-01-01")
    page.fill("#to", f"{end}-12-31")
    page.click("#daterange-submit")
    page.wait_for_url(f"**from={start}-01-01**")
    chips = page.locator(".chip:not(.clear)").all_inner_texts()
    assert any(f"01/01/{start}" in c for c in chips) and any(f"31/12/{end}" in c for c in chips)
    assert args_of(page.url)["agency"] == [first, second], "the date form keeps the agencies"
    assert total(page) == before - years[min(years)] > 10
    dates = page.locator(".result time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert all(f"{start}-01-01" <= d <= f"{end}-12-31" for d in dates if d)

    # sort: newest first
    page.click(".sort a[data-sort=newest]")
    page.wait_for_url("**sort=newest**")
    dates = [d for d in page.locator(".result time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))") if d]
    assert dates == sorted(dates, reverse=True) and len(dates) > 5
    assert page.locator(".sort a[aria-current]").get_attribute("data-sort") == "newest"

    # page 2 keeps every filter and the sort
    first_page_titles = page.locator(".result h2").all_inner_texts()
    page.click(".pager a[rel=next]")
    page.wait_for_url("**page=2**")
    q = args_of(page.url)
    assert q["q"] == ["chuyển đổi số"] and q["agency"] == [first, second] and q["sort"] == ["newest"]
    assert q["from"] == [f"{start}-01-01"] and q["to"] == [f"{end}-12-31"]
    page2_dates = [d for d in page.locator(".result time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))") if d]
    assert page2_dates and max(page2_dates) <= min(dates)
    assert not set(page.locator(".result h2").all_inner_texts()) & set(first_page_titles)
    saved = state(page)
    assert saved["page"] == "2" and saved["sort"] == "newest" and len(saved["chips"]) == 4

    page.screenshot(path=str(tmp_path / "search-1280.png"), full_page=True)
    no_horizontal_overflow(page)

    # open an article: cleaned text and its metadata
    link = page.locator(".result h2 a").first
    title = link.inner_text()
    agency = page.locator(".result .agency").first.inner_text()
    link.click()
    page.wait_for_selector("#doc-title")
    assert page.locator("#doc-title").inner_text() == title
    meta = page.locator(".docmeta").inner_text()
    assert agency in meta and "Ngày đăng" in meta and "Tệp lưu trữ" in meta
    assert page.locator(".article .body p").count() >= 1
    assert page.locator(".related a").count() >= 1
    assert page.locator("#back-link").get_attribute("href") == saved["url"].replace(live_server.url, "")
    page.screenshot(path=str(tmp_path / "doc-1280.png"), full_page=True)
    no_horizontal_overflow(page)

    # the browser's Back button: the same search, same filters, same sort, same page
    page.go_back()
    page.wait_for_selector(".result")
    assert state(page) == saved

    # a phone, 375 px wide: nothing overflows; the filters fold away above the results
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    page.wait_for_selector(".result")
    assert state(page) == saved
    no_horizontal_overflow(page)
    panel = page.locator("details.facet-panel")
    assert panel.get_attribute("open") is None, "on a phone the filters start folded"
    assert panel.bounding_box()["y"] < page.locator(".results").bounding_box()["y"]
    page.screenshot(path=str(tmp_path / "search-375.png"), full_page=True)
    page.click("details.facet-panel > summary")
    assert page.locator("#facet-agency").is_visible()
    no_horizontal_overflow(page)
    page.screenshot(path=str(tmp_path / "search-375-filters.png"), full_page=True)
    page.locator(".result h2 a").first.click()
    page.wait_for_selector("#doc-title")
    no_horizontal_overflow(page)
    page.screenshot(path=str(tmp_path / "doc-375.png"), full_page=True)
    assert not errors, errors
    context.close()


def test_atom_feed_lists_the_same_results_as_the_page(browser, live_server):
    page = browser.new_page()
    page.goto(live_server.url + "/search?q=chuyen+doi+so&from=2018-01-01")  # ranked by relevance
    page.wait_for_selector(".result")
    titles = page.locator(".result h2").all_inner_texts()
    links = page.locator(".result h2 a").evaluate_all("els => els.map(e => new URL(e.href).pathname)")
    feed_url = page.locator("#atom-link").get_attribute("href")
    assert page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href") == feed_url
    response = page.request.get(live_server.url + feed_url)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.body())
    entries = root.findall("a:entry", ATOM)
    assert [e.findtext("a:title", namespaces=ATOM) for e in entries] == titles and titles
    assert [urlsplit(e.find("a:link", ATOM).get("href")).path for e in entries] == links
    assert root.findtext("{http://a9.com/-/spec/opensearch/1.1/}totalResults") == str(total(page))
    assert root.find("a:link[@rel='alternate']", ATOM).get("href").endswith(urlsplit(page.url).path + "?" + urlsplit(feed_url).query)
    page.close()


def test_histogram_bars_filter_by_keyboard_and_click(browser, live_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    bars = page.locator(".histogram a")
    labels = bars.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert len(labels) >= 5 and all(" kết quả" in label and label.startswith("Năm ") for label in labels)
    assert page.locator("#histogram-caption").inner_text().startswith("Số kết quả theo năm")
    # keyboard: focus the tallest bar, press Enter
    counts = [int(label.split(": ")[1].split()[0]) for label in labels]
    tallest = counts.index(max(counts))
    year = labels[tallest].split(":")[0].split()[1]
    bars.nth(tallest).focus()
    assert page.evaluate("document.activeElement.closest('.histogram') !== null")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**year={year}**")
    assert total(page) == max(counts)
    assert {d[:4] for d in page.locator(".result time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")} == {year}
    assert page.locator("#histogram-caption").inner_text().startswith(f"Số kết quả theo tháng trong năm {year}")
    assert page.locator("#facet-month").is_visible()
    # a month bar, clicked
    month_bar = page.locator(".histogram a").first
    month = month_bar.get_attribute("aria-label").split(":")[0].split()[1]  # "07/2021"
    n = int(month_bar.get_attribute("aria-label").split(": ")[1].split()[0])
    month_bar.click()
    page.wait_for_url("**month=**")
    assert total(page) == n
    assert all(vn.endswith(month) for vn in page.locator(".result time").all_inner_texts())
    page.close()


def test_no_results_suggests_a_spelling_and_dropping_filters(browser, live_server):
    page = browser.new_page()
    page.goto(live_server.url + "/search?q=chuyeen")
    assert page.locator("#no-results h2").inner_text().startswith("Không tìm thấy kết quả")
    page.click("#did-you-mean")
    page.wait_for_selector(".result")
    assert total(page) > 0
    # a filter that leaves nothing: the notice offers to drop it, and says how many that gives
    page.goto(live_server.url + "/search?q=chuyen+doi+so&from=1999-01-01&to=1999-12-31")
    relax = page.locator("#no-results .relax a")
    assert relax.count() >= 1
    page.locator("#no-results .relax a", has_text="Bỏ lọc").first.click()
    page.wait_for_selector(".result")
    assert total(page) > 0
    page.close()


def test_works_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    panel = page.locator("details.facet-panel")
    assert panel.get_attribute("open") == "", "without JavaScript the filters stay unfolded"
    assert page.locator(".jump a").is_visible()
    assert panel.bounding_box()["y"] > page.locator(".results").bounding_box()["y"], "filters after results"
    no_horizontal_overflow(page)
    agency = page.locator("#facet-agency .facet-value").first.get_attribute("data-value")
    page.locator("#facet-agency .facet-value").first.click()
    page.wait_for_url("**agency=**")
    assert set(page.locator(".result .agency").all_inner_texts()) == {agency}
    page.fill("#from", "2019-01-01")
    page.click("#daterange-submit")
    page.wait_for_url("**from=2019-01-01**")
    q = args_of(page.url)
    assert q["agency"] == [agency] and q["from"] == ["2019-01-01"], "the date form keeps the agency"
    dates = [d for d in page.locator(".result time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))") if d]
    assert dates and all(d >= "2019-01-01" for d in dates)
    assert page.locator(".sort a[data-sort=oldest]").get_attribute("href").count("agency=") == 1
    context.close()


def test_search_as_you_type_updates_results_and_address(browser, live_server):
    page = browser.new_page()
    page.goto(live_server.url + "/search?q=chuyen+doi+so")
    history = page.evaluate("history.length")
    page.fill("#q", "bệnh án điện tử")
    expect(page.locator("#result-count")).to_contain_text("bệnh án điện tử")
    assert args_of(page.url)["q"] == ["bệnh án điện tử"]
    assert page.locator(".result").count() >= 1
    assert "bệnh án điện tử" in page.locator("#live").inner_text()
    assert page.evaluate("history.length") == history, "typing replaces the history entry, not adds one"
    assert page.evaluate("document.activeElement.id") == "q", "focus stays in the search box"
    page.reload()
    assert "bệnh án điện tử" in page.locator("#result-count").inner_text()
    page.close()


def test_accessibility_basics(browser, live_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/search?q=chuyen+doi+so&agency=B%E1%BB%99+Th%C3%B4ng+tin+v%C3%A0+Truy%E1%BB%81n+th%C3%B4ng")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert page.locator("header.site-header").count() == 1 and page.locator("main").count() == 1
    assert page.locator("footer").count() == 1 and page.locator("form[role=search]").count() == 1
    assert page.locator("nav.pager[aria-label]").count() + page.locator("nav.sort[aria-label]").count() >= 1
    unlabelled = page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.name)""")
    assert unlabelled == []
    ratios = dict(page.evaluate(CONTRAST_JS, [
        ".result h2 a", ".meta", ".took", ".snippet", ".facet-value .count", ".facets h2", ".chip", ".chip .kind",
        ".sort a[aria-current]", ".sort a:not([aria-current])", ".histogram-box figcaption", ".unit",
        ".site-footer", ".site-footer a", ".daterange label", "button",
    ]))
    low = {s: round(r, 2) for s, r in ratios.items() if r is None or r < 4.5}
    assert not low, f"contrast below 4.5:1: {low}"
    page.close()
