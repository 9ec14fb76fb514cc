"""The HTML pages, through the Flask test client: what a reader sees, in Vietnamese, without a browser.

(tests/test_browser.py drives the same pages in Chromium.)"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from webapp.filters import active_filters, vn_date, vn_month, vn_number, vn_seconds, with_args
from webapp.histogram import histogram_svg

ATOM = {"a": "http://www.w3.org/2005/Atom"}
SVG = "{http://www.w3.org/2000/svg}"


class Links(HTMLParser):
    """Every tag with its attributes, for checks on links, forms and inline code."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_vietnamese_formats():
    assert vn_date("2020-07-16") == "16/07/2020"
    assert vn_date("2020-07-16T09:15") == "16/07/2020"
    assert vn_date(None) == "không rõ ngày"
    assert vn_month("2020-07") == "07/2020"
    assert vn_number(12345) == "12.345"
    assert vn_number(30.1) == "30,1"
    assert vn_seconds(30.14) == "30,1 ms" and vn_seconds(1250.0) == "1,25 giây"


def test_with_args_keeps_filters_and_resets_page(app):
    args = {"q": "chuyển đổi số", "agency": ["A", "B"], "from": "2020-01-01", "sort": "newest"}
    with app.test_request_context():
        url = with_args(args, page=2)
        assert query(url) == {"q": ["chuyển đổi số"], "agency": ["A", "B"], "from": ["2020-01-01"],
                              "sort": ["newest"], "page": ["2"]}
        assert "page" not in query(with_args({**args, "page": 3}, sort="oldest"))
        chips = active_filters(args)
        assert [(c["kind"], c["label"]) for c in chips] == [("Cơ quan", "A"), ("Cơ quan", "B"), ("Từ ngày", "01/01/2020")]
        assert query(chips[0]["url"])["agency"] == ["B"] and "from" not in query(chips[2]["url"])


def test_histogram_fills_gaps_links_bars_and_labels_them(app):
    result = {"facets": {"year": [{"value": "2015", "count": 5}, {"value": "2012", "count": 2}], "month": []}}
    with app.test_request_context():
        svg = ET.fromstring(str(histogram_svg(result, {"q": "x"})))
    links = svg.findall(f"{SVG}a")
    empty = svg.findall(f"{SVG}g")
    assert [query(a.get("href"))["year"] for a in links] == [["2012"], ["2015"]]
    assert len(empty) == 2  # 2013 and 2014 drawn as flat bars, no link
    assert [a.get("aria-label").split(":")[0] for a in links] == ["Năm 2012", "Năm 2015"]
    assert all(a.findtext(f"{SVG}title") for a in links)
    assert svg.get("role") == "group" and svg.get("aria-label") == "Số kết quả theo năm"
    # one year chosen: twelve months of that year
    result = {"facets": {"year": [{"value": "2020", "count": 3}, {"value": "2021", "count": 1}],
                         "month": [{"value": "2020-07", "count": 2}, {"value": "2020-01", "count": 1}]}}
    with app.test_request_context():
        svg = ET.fromstring(str(histogram_svg(result, {"year": ["2020"]})))
    labels = [t.text for t in svg.iter(f"{SVG}text") if "label" in (t.get("class") or "")]
    assert labels == [f"T{m}" for m in range(1, 13)]
    assert [query(a.get("href"))["month"] for a in svg.findall(f"{SVG}a")] == [["2020-01"], ["2020-07"]]


def test_search_page_chips_facets_months_and_histogram(client):
    html = client.get("/search?q=chuyen+doi+so").get_data(as_text=True)
    page = parse(html)
    assert 'id="facet-agency"' in html and 'id="facet-year"' in html and 'id="facet-unit"' in html
    assert 'id="facet-month"' not in html  # results span many years, no year chosen
    assert "Số kết quả theo năm" in html and 'class="histogram"' in html
    assert not page.find("a", **{"class": "chip"})
    # agency facet: top ten, then the rest under "Xem thêm"
    facets = client.get("/api/search").get_json()["facets"]["agency"]
    assert len(facets) > 10
    html_all = client.get("/search").get_data(as_text=True)
    shown, more = html_all.split('id="facet-agency"')[1].split("</section>")[0].split("<details", 1)
    assert shown.count('data-facet="agency"') == 10 and "Xem thêm" in more
    assert more.count('data-facet="agency"') == len(facets) - 10
    html = client.get("/search?q=chuyen+doi+so&year=2021").get_data(as_text=True)
    assert 'id="facet-month"' in html and "Số kết quả theo tháng trong năm 2021" in html
    assert "Năm:</span> 2021" in html


def test_results_show_title_agency_date_units_snippet_count_and_time(client):
    data = client.get("/api/search?q=chuyen+doi+so").get_json()
    html = client.get("/search?q=chuyen+doi+so").get_data(as_text=True)
    first = data["results"][0]
    assert first["title_html"] in html and first["snippet"] in html
    assert vn_date(first["date"]) in html and first["agency"] in html
    assert all(u in html for u in first["units"][:4])
    assert re.search(r"<strong>%s</strong> kết quả" % data["total"], html)
    assert re.search(r"\(\d+(,\d)? ms\)|giây\)", html)


def test_every_link_on_the_page_keeps_all_filters(client):
    url = ("/search?q=chuyen+doi+so&agency=B%E1%BB%99+Th%C3%B4ng+tin+v%C3%A0+Truy%E1%BB%81n+th%C3%B4ng"
           "&from=2015-01-01&to=2024-12-31&sort=newest&per_page=3")
    page = parse(client.get(url).get_data(as_text=True))
    wanted = {"q": ["chuyen doi so"], "agency": ["Bộ Thông tin và Truyền thông"], "from": ["2015-01-01"], "to": ["2024-12-31"]}
    pager = [a["href"] for a in page.find("a") if "page" in query(a.get("href", ""))]
    sorts = [a["href"] for a in page.find("a") if "data-sort" in a]
    assert pager and len(sorts) == 3
    for href in pager:
        q = query(href)
        assert all(q.get(k) == v for k, v in wanted.items()) and q["sort"] == ["newest"]
    for href in sorts:
        assert all(query(href).get(k) == v for k, v in wanted.items())
    # the search box and the date form carry the filters too (a new query keeps them)
    hidden = {(i["name"], i["value"]) for i in page.find("input", type="hidden")}
    assert ("agency", "Bộ Thông tin và Truyền thông") in hidden and ("sort", "newest") in hidden


def test_no_results_offers_did_you_mean_and_links_that_drop_each_filter(client):
    html = client.get("/search?q=chuyeen").get_data(as_text=True)
    assert "Không tìm thấy kết quả" in html and 'id="did-you-mean"' in html
    facets = client.get("/api/search?q=chuyen+doi+so").get_json()["facets"]
    agency = facets["agency"][0]["value"]
    years = {f["value"] for f in client.get("/api/search", query_string={"q": "chuyen doi so", "agency": agency}).get_json()["facets"]["year"]}
    empty_year = next(str(y) for y in range(2024, 2000, -1) if str(y) not in years)
    html = client.get("/search", query_string={"q": "chuyen doi so", "agency": agency, "year": empty_year}).get_data(as_text=True)
    page = parse(html)
    assert "Không tìm thấy kết quả" in html and "Thử bỏ bớt bộ lọc" in html
    relax = [a["href"] for a in page.find("a") if "Bỏ lọc" in html and a.get("href", "").startswith("/search")
             and "year" not in query(a["href"]) and query(a["href"]).get("agency") == [agency]]
    assert relax, "a link that drops the year filter and keeps the agency"


def test_feed_is_escaped_xml_even_for_hostile_queries(client):
    for q in ('<b>"x" & y', "Bộ TT&TT", "chuyen doi so"):
        response = client.get("/search.atom", query_string={"q": q})
        assert response.status_code == 200 and response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.get_data())
        assert root.findtext("a:title", namespaces=ATOM) == f"Tra cứu: {q}"
    entries = root.findall("a:entry", ATOM)
    assert entries and all(e.findtext("a:summary", namespaces=ATOM) for e in entries)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\+07:00", e.findtext("a:updated", namespaces=ATOM)) for e in entries)


def test_article_page_metadata_related_and_safe_back_link(client):
    hit = client.get("/api/search", query_string={"q": "749/QĐ-TTg", "sort": "newest"}).get_json()["results"][0]
    doc = client.get(f"/api/doc/{hit['id']}").get_json()
    html = client.get(f"/doc/{hit['id']}?back=/search%3Fq%3Dx").get_data(as_text=True)
    # the page only cites 749/QĐ-TTg: it is listed as cited, not as the page's own number
    assert "749/QĐ-TTg" in doc["cited_numbers"] and "749/QĐ-TTg" not in doc["own_numbers"]
    for label in ("Cơ quan", "Ngày đăng", "Văn bản được nhắc đến", "Tệp lưu trữ", "Bài khác nhắc đến cùng số văn bản",
                  "Tin khác của"):
        assert label in html, label
    assert vn_date(doc["date"]) in html and doc["path"] in html
    assert all(r["title"] in html for r in doc["more_from_agency"])
    assert 'href="/search?q=x"' in html and "Quay lại kết quả" in html
    for evil in ("//evil.example/search", "https://evil.example/", "/search\\@evil", "javascript:alert(1)"):
        html = client.get(f"/doc/{hit['id']}", query_string={"back": evil}).get_data(as_text=True)
        assert "evil" not in html and "javascript:" not in html and "Trang chủ" in html


@pytest.mark.parametrize("path", ["/", "/search?q=chuyen+doi+so&year=2021", "/search?q=zzzqqq", "/status", "/nope"])
def test_no_inline_script_or_style_and_landmarks(client, path):
    html = client.get(path).get_data(as_text=True)
    page = parse(html)
    assert all(a.get("src") for a in page.find("script")), "inline <script> is blocked by the CSP"
    assert "<style" not in html
    assert not [a for _, a in page.tags if "style" in a or any(k.startswith("on") for k in a)]
    assert html.count("<main") == 1 and "<header" in html and "<footer" in html and 'role="search"' in html
    for field in page.find("input"):
        if field.get("type") != "hidden":
            assert field.get("id") and f'for="{field["id"]}"' in html, field


def test_opensearch_points_at_html_atom_and_json(client):
    root = ET.fromstring(client.get("/opensearch.xml").get_data())
    ns = {"o": "http://a9.com/-/spec/opensearch/1.1/"}
    types = {u.get("type"): u.get("template") for u in root.findall("o:Url", ns)}
    assert set(types) == {"text/html", "application/atom+xml", "application/json"}
    assert all("{searchTerms}" in t for t in types.values())
