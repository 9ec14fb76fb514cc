"""Real Chromium through Playwright against the real server."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


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
