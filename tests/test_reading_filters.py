"""The Jinja helpers behind what a reader sees: Vietnamese times and decimals, the query quoted
once, facet order, date presets, and no chart when it would say nothing."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from webapp.filters import build_mode, date_presets, facet_order, quoted_query, vn_datetime, vn_decimal
from webapp.histogram import histogram_svg


def test_status_formats():
    assert vn_datetime("2026-11-29T02:00:03Z") == "29/11/2026 lúc 09:00"  # Viet Nam is UTC+7
    assert vn_datetime("2026-11-29T23:30:00Z") == "30/11/2026 lúc 06:30"
    assert vn_datetime(None) == "không rõ" and vn_datetime("hôm qua") == "hôm qua"
    assert vn_decimal(4.92) == "4,92" and vn_decimal(1234.5) == "1.234,5" and vn_decimal(30.0) == "30"
    assert build_mode("full") == "xây dựng lại toàn bộ" and "cập nhật" in build_mode("incremental")


def test_the_query_is_quoted_once():
    assert quoted_query("chuyển đổi số") == "“chuyển đổi số”"
    assert quoted_query('"cụm thi đua"') == "“cụm thi đua”"
    assert quoted_query('"cụm thi đua" 2020') == "“cụm thi đua” 2020"
    assert quoted_query("“cụm thi đua”") == "“cụm thi đua”"


def test_ticked_values_first_then_count_then_vietnamese_order():
    values = [{"value": v, "count": c} for v, c in
              [("Sở Y tế", 3), ("Đài Phát thanh", 2), ("Bộ Y tế", 2), ("Cục Tin học hóa", 2), ("Ủy ban", 5)]]
    assert [f["value"] for f in facet_order(values, [])] == ["Ủy ban", "Sở Y tế", "Bộ Y tế", "Cục Tin học hóa",
                                                             "Đài Phát thanh"]
    assert [f["value"] for f in facet_order(values, ["Đài Phát thanh", "Bộ Y tế"])][:2] == ["Bộ Y tế", "Đài Phát thanh"]


def test_date_presets_keep_other_filters_and_drop_year_and_month(app):
    args = {"q": "chuyen doi so", "agency": ["A"], "year": ["2020"]}
    facets = {"year": [{"value": "2021", "count": 3}, {"value": "2019", "count": 0}, {"value": "2020", "count": 1}]}
    with app.test_request_context():
        found = date_presets(args, facets, today=date(2024, 3, 31))
    assert [p["label"] for p in found] == ["Năm nay", "12 tháng qua", "Năm 2021", "Năm 2020"]
    query = parse_qs(urlsplit(found[1]["url"]).query)
    assert query == {"q": ["chuyen doi so"], "agency": ["A"], "from": ["2023-04-01"], "to": ["2024-03-31"]}
    with app.test_request_context():
        on = date_presets({"from": "2021-01-01", "to": "2021-12-31"}, facets, today=date(2024, 3, 31))
    assert [p["on"] for p in on] == [False, False, True, False]
    assert "from" not in parse_qs(urlsplit(on[2]["url"]).query), "clicking the chosen preset clears it"


def test_no_chart_when_it_says_nothing(app):
    one = {"total": 1, "facets": {"year": [{"value": "2020", "count": 1}], "month": [{"value": "2020-07", "count": 1}]}}
    one_month = {"total": 5, "facets": {"year": [{"value": "2020", "count": 5}], "month": [{"value": "2020-07", "count": 5}]}}
    spread = {"total": 5, "facets": {"year": [{"value": "2020", "count": 5}],
                                     "month": [{"value": "2020-07", "count": 3}, {"value": "2020-01", "count": 2}]}}
    with app.test_request_context():
        assert str(histogram_svg(one, {"q": "x"})) == ""
        assert str(histogram_svg(one_month, {"q": "x"})) == ""
        assert "<svg" in str(histogram_svg(spread, {"q": "x"}))


def test_the_home_page_says_how_many_agencies_there_are(client):
    agencies = client.get("/api/search?per_page=1").get_json()["facets"]["agency"]
    html = client.get("/").get_data(as_text=True)
    assert f'Theo cơ quan <span class="count">({len(agencies)})</span>' in html
    assert (f"Xem tất cả {len(agencies)} cơ quan" in html) == (len(agencies) > 12)


def test_dates_typed_day_first_in_the_url(client):
    html = client.get("/search?q=chuyen+doi+so&from=1%2F1%2F2020&to=2021").get_data(as_text=True)
    assert 'value="01/01/2020"' in html and 'value="31/12/2021"' in html
    response = client.get("/search?q=chuyen+doi+so&to=31.02.2023")
    assert response.status_code == 400 and "chỉ có 28 ngày" in response.get_data(as_text=True)


def test_a_story_shown_once_with_its_similar_pages(app):
    # what the search page shows once the service collapses stories (group, similar, total_groups)
    from flask import render_template

    from indexer.service import SearchParams

    result = {"query": "bão", "total": 3, "total_groups": 2, "page": 1, "per_page": 10, "pages": 1, "sort": "relevance",
              "took_ms": 3.2, "facets": {}, "suggestion": None, "relaxed": False, "partial": False,
              "truncated_query": False,
              "results": [{"id": "a" * 16, "title": "Bão số 3", "title_html": "Bão số 3", "date": "2024-09-07",
                           "agency": "Bộ Y tế", "units": [], "doc_numbers": [], "snippet": "…", "group": "a" * 16,
                           "similar": [{"id": "b" * 16, "title": "Bão số 3 đổ bộ", "agency": "Sở Y tế Hòa Bình",
                                        "date": "2024-09-08"}]},
                          {"id": "c" * 16, "title": "Tin khác", "title_html": "Tin khác", "date": "2024-01-01",
                           "agency": "Bộ Tài chính", "units": [], "doc_numbers": [], "snippet": "…",
                           "group": "c" * 16, "similar": []}]}
    with app.test_request_context("/search?q=b%C3%A3o"):
        html = render_template("search.html", error=None, result=result, args={"q": "bão"}, params=SearchParams(q="bão"),
                               filters=[], histogram="", histogram_caption="", show_months=False, relaxed=[])
    assert "3</strong> kết quả, 2 tin" in html
    assert html.count('class="similar"') == 1 and "và 1 bài tương tự" in html
    assert "Sở Y tế Hòa Bình&nbsp;· 08/09/2024" in html and f"group={'a' * 16}" in html
