"""Bad input and hostile users: nothing crashes, nothing leaks, nothing is lost.

Random and malicious queries, parameters, ids and request sizes against the real app over the
corpus index (Flask test client) and against the production server (waitress, raw HTTP); script
payloads inside indexed documents; security headers; the time a pathological query takes; the
load tool. No mocks: real pyvi, real Whoosh, real Flask and waitress.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from conftest import raw_request
from indexer.service import MAX_FILTER_VALUES

ROOT = Path(__file__).resolve().parents[1]
ATOM = {"a": "http://www.w3.org/2005/Atom"}

# Hypothesis settings, named here rather than in a global profile: ~100 examples a property keeps
# the whole file near 30-60 s on two shared cores; no example database is written into the repo.
HOSTILE = settings(max_examples=100, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow])
HOSTILE_LIGHT = settings(HOSTILE, max_examples=50)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SYNTAX = ["AND", "OR", "NOT", "(", ")", ":", "*", "?", "~", "^", "[", "]", "{", "}", '"', "“", "”",
          "-", "+", "\\", "/", "&", "|", "!", "title:", "body:*", "a*", "so~2", "^3", "[a TO z]",
          "chuyển", "doi", "số", "458/TB-VP", "Bộ TT&TT", "BTC", "2020", "hành chính", "\t", "\n"]
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


# ---------------------------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def web(app):
    """One test client over the corpus index for the whole module (hypothesis reuses it)."""
    return app.test_client()


def api_get(web, path: str, **query):
    response = web.get(path, query_string=query)
    assert response.status_code != 500, (path, query)
    return response


def assert_json_error(response, status: int, *words: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert isinstance(error, str) and error.strip()
    for word in words:
        assert word in error, error
    return error


def assert_page_error(response, status: int, *words: str) -> str:
    assert response.status_code == status
    page = response.get_data(as_text=True)
    notice = re.search(r'<div class="notice error" role="alert">(.*?)</div>', page, re.S)
    assert notice, page[:500]
    for word in words:
        assert str(escape(word)) in notice.group(1), notice.group(1)
    return notice.group(1)


def no_markup_but_marks(fragment: str) -> bool:
    """An HTML fragment from the service (title_html, snippet) may hold <mark> and nothing else."""
    return "<" not in re.sub(r"</?mark>", "", fragment)


OWN_SCRIPT = re.compile(r'<script src="/static/[\w.-]+(\?v=[0-9a-f]+)?"( defer)?></script>')


def assert_page_is_clean(page: str) -> None:
    # The templates load scripts only from /static (the CSP allows nothing else): any other
    # "<script" is injected.
    page = OWN_SCRIPT.sub("", page).lower()
    assert "<script" not in page
    assert "<img src=x" not in page


def atom_entries(body: bytes) -> list[ET.Element]:
    root = ET.fromstring(body)  # a feed that is not well-formed XML is broken for every reader
    return root.findall("a:entry", ATOM)


# ---------------------------------------------------------------------------------- queries

@HOSTILE
@given(q=st.text(max_size=200))
def test_any_unicode_query_is_answered(web, q):
    data = api_get(web, "/api/search", q=q).get_json()
    assert isinstance(data["total"], int) and data["total"] >= 0
    assert len(data["results"]) <= 10
    for hit in data["results"]:
        assert no_markup_but_marks(hit["snippet"]) and no_markup_but_marks(hit["title_html"])
    page = api_get(web, "/search", q=q)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    if data["query"]:
        assert str(escape(data["query"])) in text  # echoed, escaped


def as_plain_text(q: str) -> str:
    """What typed query syntax must mean: AND, OR and NOT are the words and, or, not; the marks
    other engines read as operators are punctuation, which separates words as a space does.
    Quotes (phrases), - / & (document numbers, abbreviations) keep their meaning."""
    q = re.sub(r"(?<!\w)(?:AND|OR|NOT)(?!\w)", lambda m: m.group().lower(), q)
    return re.sub(r"[()\[\]{}:*?~^\\|!]", "  ", q)


@settings(HOSTILE, max_examples=60)
@given(tokens=st.lists(st.sampled_from(SYNTAX), max_size=24), glue=st.sampled_from([" ", "", "  ", " \u00a0"]))
def test_query_syntax_is_just_text(web, tokens, glue):
    q = glue.join(tokens)
    for path in ("/api/search", "/search", "/search.atom"):
        response = api_get(web, path, q=q)
        assert response.status_code == 200, (path, q)
    if not glue:
        return  # glued, the marks make other text: title:, / and / make one token, a web address
    typed = web.get("/api/search", query_string={"q": q, "per_page": "100"}).get_json()
    plain = web.get("/api/search", query_string={"q": as_plain_text(q), "per_page": "100"}).get_json()
    assert typed["total"] == plain["total"] <= 100, (q, as_plain_text(q))  # every match is listed
    assert sorted(r["id"] for r in typed["results"]) == sorted(r["id"] for r in plain["results"]), q
    assert typed["facets"] == plain["facets"], q


@HOSTILE_LIGHT
@given(q=st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=80))
def test_control_characters_are_neutralised(web, q):
    response = api_get(web, "/api/search", q=q)
    assert response.status_code == 200
    echoed = response.get_json()["query"]
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in echoed)
    assert api_get(web, "/search", q=q).status_code == 200


@pytest.mark.parametrize("q", [
    "a " * 5000,                      # 10,000 characters
    "chuyển đổi số " * 700,           # about 10 KB of UTF-8
    "x" * 10_240,
    '"' + "hành chính " * 900 + '"',
])
def test_ten_kilobyte_queries_are_refused_clearly(web, q):
    assert_json_error(web.get("/api/search", query_string={"q": q}), 400, "quá dài")
    assert_page_error(web.get("/search", query_string={"q": q}), 400, "quá dài")
    feed = web.get("/search.atom", query_string={"q": q})
    assert feed.status_code == 400 and "quá dài" in feed.get_data(as_text=True)


def test_a_long_but_allowed_query_is_truncated_not_refused(web):
    q = ("chuyển đổi số " * 200)[:1999]
    data = web.get("/api/search", query_string={"q": q}).get_json()
    assert data["truncated_query"] is True and data["total"] > 0


@pytest.mark.parametrize("raw", ["%FF%FE", "%C3%28", "%ED%A0%80", "%F4%90%80%80", "%E1%BA", "%C0%AF%C0%AF",
                                 "%00", "%FF%FE%00%01chuy%E1%BB%83n", "%"])
def test_invalid_utf8_in_the_url_through_the_test_client(web, raw):
    for path in ("/search", "/api/search", "/search.atom"):
        assert web.get(f"{path}?q={raw}").status_code == 200, (path, raw)
        assert web.get(f"{path}?agency={raw}&unit={raw}").status_code == 200
    assert_json_error(web.get(f"/api/search?from={raw}"), 400, "không hợp lệ")
    assert_page_error(web.get(f"/search?to={raw}"), 400, "không hợp lệ")
    assert web.get(f"/doc/{raw}").status_code == 404
    assert web.get(f"/api/doc/{raw}").status_code == 404


@HOSTILE_LIGHT
@given(raw=st.binary(max_size=60))
def test_random_bytes_percent_encoded_anywhere(web, raw):
    encoded = urllib.parse.quote_from_bytes(raw, safe="")
    assert web.get(f"/api/search?q={encoded}").status_code == 200
    assert web.get(f"/search?q={encoded}&agency={encoded}").status_code == 200
    doc = web.get(f"/doc/{encoded}")  # "/doc//x" is merged to "/doc/x" by a same-site redirect
    assert doc.status_code == 404 or (
        doc.status_code == 308 and urllib.parse.urlsplit(doc.location).path.startswith("/doc/"))
    assert web.get(f"/api/search?page={encoded}").status_code in (200, 400)
    assert web.get(f"/api/search?from={encoded}&month={encoded}").status_code in (200, 400)


# ---------------------------------------------------------------------------------- parameters

@HOSTILE
@given(page=st.one_of(st.integers(), st.integers(min_value=-5, max_value=1005)))
def test_page_numbers(web, page):
    response = web.get("/api/search", query_string={"q": "chuyen doi so", "page": str(page)})
    pages = web.get("/api/search", query_string={"q": "chuyen doi so"}).get_json()["pages"]
    if 1 <= page <= pages:
        assert response.status_code == 200
        data = response.get_json()
        assert data["page"] == page and data["results"] and data["requested_page"] is None
    elif pages < page <= 1000:  # past the last page: 404, saying how many there are
        assert_json_error(response, 404, f"Không có trang {page}", f"{pages} trang")
        assert response.get_json()["pages"] == pages
    else:
        assert_json_error(response, 400, "Số trang")


@pytest.mark.parametrize("page", ["-1", "0", "1001", "99999999999999999999999", "1e3", "abc", "1.5", "½", "--1"])
def test_bad_page_numbers_on_the_page_and_the_api(web, page):
    assert_json_error(web.get("/api/search", query_string={"q": "y te", "page": page}), 400, "Số trang")
    assert_page_error(web.get("/search", query_string={"q": "y te", "page": page}), 400, "Số trang")
    assert web.get("/search.atom", query_string={"q": "y te", "page": page}).status_code == 400


@HOSTILE_LIGHT
@given(value=st.text(max_size=24), name=st.sampled_from(["page", "per_page", "year", "month", "sort", "from", "to"]))
def test_any_parameter_value_is_200_or_a_clear_400(web, value, name):
    response = web.get("/api/search", query_string={name: value})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_json_error(response, 400)
    page = web.get("/search", query_string={name: value})
    assert page.status_code == response.status_code
    if page.status_code == 400:
        assert_page_error(page, 400)


@HOSTILE
@given(start=st.dates(), end=st.dates())
def test_date_ranges(web, start, end):
    response = web.get("/api/search", query_string={"from": start.isoformat(), "to": end.isoformat()})
    if not all(1900 <= d.year <= 2100 for d in (start, end)):
        assert_json_error(response, 400, "nằm ngoài khoảng 1900–2100")
    elif start <= end:
        assert response.status_code == 200
        for hit in response.get_json()["results"]:
            assert hit["date"] and start.isoformat() <= hit["date"][:10] <= end.isoformat()
    else:  # the wrong way round: swapped, and said so
        assert response.status_code == 200
        data = response.get_json()
        assert data["dates_swapped"] and data["filters"]["from"] == end.isoformat()
        for hit in data["results"]:
            assert hit["date"] and end.isoformat() <= hit["date"][:10] <= start.isoformat()


@pytest.mark.parametrize("value", ["2020-13-45", "2020-02-30", "hôm qua", "16/07/2020", "2020/07/16", "99999-01-01",
                                   "0000-01-01", "-2020-01-01", "2020-1-1", "２０２０-０１-０１", SCRIPT])
def test_malformed_dates(web, value):
    # the page's date fields, the URL and the API take dates as people type them, day first
    # (16/07/2020, 2020-1-1); what is not a date is a 400 naming the field, and the page keeps
    # the search (without that date), its form and its facets
    typed = value in ("16/07/2020", "2020/07/16", "2020-1-1", "２０２０-０１-０１")
    for name in ("from", "to"):
        api = web.get("/api/search", query_string={"q": "y te", name: value})
        page = web.get("/search", query_string={"q": "y te", name: value})
        if typed:
            assert api.status_code == page.status_code == 200
            assert api.get_json()["filters"][name] == "2020-07-16" if "07" in value else "2020-01-01"
            continue
        error = assert_json_error(api, 400, "không hợp lệ", "Từ ngày" if name == "from" else "Đến ngày")
        notice = assert_page_error(page, 400, "không hợp lệ")
        assert "<script" not in notice
        html = page.get_data(as_text=True)
        assert 'id="result-count"' in html and 'id="facet-agency"' in html and 'aria-invalid="true"' in html


def test_reversed_dates_on_the_page(web):
    response = web.get("/search?q=y+te&from=2024-01-01&to=2020-01-01&agency=B%E1%BB%99+Y+t%E1%BA%BF")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "đã đổi chỗ hai ngày: tìm từ 01/01/2020 đến 01/01/2024" in html
    assert 'id="facet-agency"' in html and 'data-key="agency"' in html  # filters and facets kept


@HOSTILE_LIGHT
@given(value=st.text(min_size=1, max_size=40).filter(lambda s: s.strip()))
def test_unknown_facet_values_give_no_results_not_errors(web, value):
    known = {f["value"] for f in web.get("/api/search").get_json()["facets"]["agency"]}
    for name in ("agency", "unit"):
        response = web.get("/api/search", query_string={name: value})
        assert response.status_code == 200
        if value not in known and name == "agency":
            assert response.get_json()["total"] == 0
        page = web.get("/search", query_string={name: value, "q": "y te"})
        assert page.status_code == 200
        assert_page_is_clean(page.get_data(as_text=True))


@pytest.mark.parametrize("query", [{"year": "1950"}, {"year": "2100"}, {"month": "2099-12"},
                                   {"agency": SCRIPT}, {"unit": IMG}, {"agency": "x" * 5000}])
def test_valid_but_unknown_filters_show_the_empty_notice(web, query):
    data = web.get("/api/search", query_string=query).get_json()
    assert data["total"] == 0 and data["results"] == []
    page = web.get("/search", query_string=query)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Không tìm thấy kết quả" in text
    assert_page_is_clean(text)


@pytest.mark.parametrize("query,words", [({"year": "3000"}, "Năm"), ({"year": "abc"}, "Năm"),
                                         ({"month": "2020-13"}, "Tháng"), ({"month": "2020"}, "Tháng"),
                                         ({"sort": "drop table"}, "sắp xếp"), ({"per_page": "1000"}, "mỗi trang")])
def test_invalid_filters_are_400_in_vietnamese(web, query, words):
    assert_json_error(web.get("/api/search", query_string=query), 400, words)
    assert_page_error(web.get("/search", query_string=query), 400, words)


# ---------------------------------------------------------------------------------- output escaping

@pytest.mark.parametrize("q", [SCRIPT, IMG, SCRIPT + " chuyển đổi số", IMG + " y tế", "</title><script>x</script>",
                               "]]></title><script>alert(1)</script>", "&lt;script&gt;"])
def test_query_payloads_are_escaped_everywhere(web, q):
    page = web.get("/search", query_string={"q": q})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert_page_is_clean(text)
    assert str(escape(q.strip())) in text
    data = web.get("/api/search", query_string={"q": q}).get_json()
    assert data["query"] == q.strip()  # JSON carries the text itself; it is data, not markup
    for hit in data["results"]:
        assert no_markup_but_marks(hit["snippet"]) and no_markup_but_marks(hit["title_html"])
    feed = web.get("/search.atom", query_string={"q": q})
    assert feed.status_code == 200 and b"<script" not in feed.get_data() and b"<img src=x" not in feed.get_data()
    root = ET.fromstring(feed.get_data())
    assert q.strip() in root.findtext("a:title", namespaces=ATOM)
    # errors echo the query too
    error_page = web.get("/search", query_string={"q": q, "from": "bad"})
    assert error_page.status_code == 400
    assert_page_is_clean(error_page.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/search.atom?q=y+te", "/opensearch.xml", "/search?q=y+te", "/"])
def test_a_hostile_host_header_is_escaped_in_absolute_links(web, path):
    response = web.get(path, headers={"Host": 'x"><script>alert(1)</script>'})
    assert response.status_code in (200, 400)
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and '"><script' not in body
    if path != "/" and response.status_code == 200 and path.endswith((".atom", ".xml")):
        ET.fromstring(response.get_data())  # still well-formed


def _hostile_sources(src: Path) -> None:
    folder = src / "mic-gov-vn" / "2021"
    folder.mkdir(parents=True)
    (folder / "hoi-thao-an-toan-thong-tin.html").write_text("""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>Hội thảo an toàn thông tin &lt;script&gt;alert(1)&lt;/script&gt; tại Hà Nội</title>
<meta property="og:url" content="javascript:alert(document.cookie)">
</head><body>
<div class="menu"><a href="/">Trang chủ</a> | <a href="/tin-tuc">Tin tức</a></div>
<div class="article">
<h1>Hội thảo an toàn thông tin &lt;script&gt;alert(1)&lt;/script&gt; tại Hà Nội</h1>
<p class="date">Ngày 12/03/2021</p>
<p>Sáng nay, Bộ Thông tin và Truyền thông tổ chức hội thảo về an toàn thông tin mạng với sự tham gia của nhiều
chuyên gia bảo mật trong nước và quốc tế. Các đại biểu thảo luận về mã độc &lt;script&gt;alert(1)&lt;/script&gt;
và các lỗ hổng phổ biến trên cổng thông tin điện tử.</p>
<p>Chuyên gia trình bày ví dụ tấn công "&gt;&lt;img src=x onerror=alert(1)&gt; chèn vào biểu mẫu tìm kiếm của các
trang tin, đồng thời khuyến nghị các cơ quan nhà nước rà soát, vá lỗi và kiểm thử định kỳ hệ thống của mình.</p>
<p>Hội thảo cũng giới thiệu bộ tiêu chí đánh giá mức độ an toàn của cổng thông tin điện tử, hướng dẫn triển khai
chính sách bảo mật nội dung và quy trình ứng cứu sự cố.</p>
</div>
<div class="footer">Bản quyền thuộc Bộ Thông tin và Truyền thông</div>
</body></html>
""", encoding="utf-8")
    (folder / "canh-bao-lo-hong.txt").write_text(f"""Cảnh báo lỗ hổng {IMG} trên cổng dịch vụ công
Ngày 15/04/2021
Trung tâm Giám sát an toàn không gian mạng quốc gia cảnh báo lỗ hổng {IMG} cho phép chèn mã độc {SCRIPT} vào trang
kết quả tìm kiếm của một số cổng dịch vụ công. Các đơn vị cần cập nhật bản vá ngay, kiểm tra nhật ký truy cập và
báo cáo sự cố về Bộ Thông tin và Truyền thông trước ngày 30/04/2021.
Các chuyên gia khuyến nghị mã hóa mọi dữ liệu người dùng nhập vào trước khi hiển thị, bật chính sách bảo mật nội
dung và kiểm thử xâm nhập định kỳ.
""", encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A small real index whose documents carry script payloads in their titles and bodies."""
    from indexer.build import build
    from webapp import create_app

    base = tmp_path_factory.mktemp("hostile")
    src, index_root = base / "src", base / "index"
    _hostile_sources(src)
    report = build([src], index_root, workers=1, quiet=True)
    assert report.indexed == 2, report
    return create_app({"INDEX_DIR": str(index_root), "TESTING": True}).test_client()


HOSTILE_QUERIES = ["script alert", "onerror", "img src", "an toàn thông tin", "lo hong cong dich vu cong", "ma doc"]


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_payloads_inside_documents_are_escaped_in_pages_api_and_feed(hostile, q):
    data = hostile.get("/api/search", query_string={"q": q}).get_json()
    assert data["total"] >= 1, q  # the payload documents are really found
    for hit in data["results"]:
        assert no_markup_but_marks(hit["title_html"]), hit["title_html"]
        assert no_markup_but_marks(hit["snippet"]), hit["snippet"]
        assert "&lt;" in hit["title_html"] + hit["snippet"]  # the payload is shown, as text
    page = hostile.get("/search", query_string={"q": q}).get_data(as_text=True)
    assert_page_is_clean(page)
    assert "&lt;script&gt;" in page or "&lt;img src=x" in page or "&lt;" in page

    feed = hostile.get("/search.atom", query_string={"q": q})
    assert feed.status_code == 200
    raw = feed.get_data()
    assert b"<script" not in raw and b"<img src=x" not in raw
    entries = atom_entries(raw)
    assert len(entries) == min(data["total"], 10)
    newest = hostile.get("/api/search", query_string={"q": q, "sort": "newest"}).get_json()["results"]
    titles = {hit["title"] for hit in newest}
    for entry in entries:
        assert entry.findtext("a:title", namespaces=ATOM) in titles  # the title as text, payload included
        summary = entry.find("a:summary", ATOM)
        assert summary.get("type") == "html" and len(summary) == 0  # escaped HTML text, no XML children
        assert no_markup_but_marks(summary.text or ""), summary.text  # what a reader renders as HTML


@pytest.mark.parametrize("q", ["script alert", "lo hong"])
def test_payload_documents_article_pages_are_escaped(hostile, q):
    hits = hostile.get("/api/search", query_string={"q": q}).get_json()["results"]
    assert hits
    for hit in hits:
        response = hostile.get(f"/doc/{hit['id']}?back=/search?q={urllib.parse.quote(SCRIPT)}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert_page_is_clean(page)
        assert str(escape(hit["title"])) in page
        assert all(response.headers.get(h) for h in HEADERS)
        doc = hostile.get(f"/api/doc/{hit['id']}").get_json()
        assert doc["title"] == hit["title"]  # the API gives the text itself, as JSON data


def test_article_page_never_links_a_javascript_url(hostile):
    """The source page's og:url is ``javascript:...`` and the extractor keeps it as ``url``; the
    article page must not turn it into a link (only http(s) addresses are links)."""
    hit = hostile.get("/api/search", query_string={"q": "hoi thao an toan"}).get_json()["results"][0]
    page = hostile.get(f"/doc/{hit['id']}").get_data(as_text=True)
    assert "javascript:" not in page.lower()
    feed = hostile.get("/search.atom", query_string={"q": "hoi thao an toan"}).get_data(as_text=True)
    assert "javascript:" not in feed.lower()


def test_back_link_only_goes_back_to_searches(hostile):
    hit = hostile.get("/api/search", query_string={"q": "lo hong"}).get_json()["results"][0]
    for back in ("javascript:alert(1)", "//evil.example/search", "https://evil.example/search", '/search"><script>'):
        page = hostile.get(f"/doc/{hit['id']}", query_string={"back": back}).get_data(as_text=True)
        assert 'href="javascript:' not in page and "evil.example" not in page
        assert_page_is_clean(page)


# ---------------------------------------------------------------------------------- headers, ids

@pytest.mark.parametrize("method,path,status", [
    ("GET", "/", 200), ("GET", "/search?q=chuyen+doi+so", 200), ("GET", "/api/search?q=y+te", 200),
    ("GET", "/search.atom?q=y+te", 200), ("GET", "/opensearch.xml", 200), ("GET", "/healthz", 200),
    ("GET", "/status", 200), ("GET", "/api/status", 200), ("GET", "/static/site.css", 200),
    ("GET", "/doc/0000000000000000", 404), ("GET", "/api/doc/zz", 404), ("GET", "/no/such/page", 404),
    ("GET", "/static/nope.css", 404), ("GET", "/search?page=-1", 400), ("GET", "/api/search?from=bad", 400),
    ("GET", "/search.atom?to=bad", 400), ("POST", "/api/search", 405), ("POST", "/search", 405),
])
def test_security_headers_on_every_response(web, method, path, status):
    response = web.open(path, method=method)
    assert response.status_code == status
    for header in HEADERS:
        assert response.headers.get(header), (path, header)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if path.startswith("/api/") and status >= 400:
        assert_json_error(response, status)


def _real_id(web) -> str:
    return web.get("/api/search?q=chuyen+doi+so").get_json()["results"][0]["id"]


@pytest.mark.parametrize("doc_id", [
    "..%2f..%2fetc%2fpasswd", "../../etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "....//....//etc/passwd",
    "..\\..\\etc\\passwd", "%00", "0000000000000000", "x" * 5000, "0" * 10_000, "ä" * 16, "０" * 16, "ÀÁÂ",
    "%F0%9F%98%80" * 16, "abcdef0123456789%00", "ABCDEF0123456789", "{real}/", "{real}%00", "{real}0", "{REAL}",
    "{real}/../../etc/passwd", "%2e%2e",
])
def test_doc_serves_only_ids_that_exist(web, doc_id):
    real = _real_id(web)
    doc_id = doc_id.replace("{real}", real).replace("{REAL}", real.upper())
    for prefix in ("/doc/", "/api/doc/"):
        response = web.get(prefix + doc_id)
        assert response.status_code == 404, (prefix, doc_id, response.status_code)
        body = response.get_data(as_text=True)
        assert "root:" not in body and "Không tìm thấy" in body
        assert all(response.headers.get(h) for h in HEADERS)
    assert web.get(f"/doc/{real}").status_code == 200


@HOSTILE_LIGHT
@given(doc_id=st.text(max_size=40))
def test_random_doc_ids_are_404(web, doc_id):
    quoted = urllib.parse.quote(doc_id, safe="")
    for prefix in ("/doc/", "/api/doc/"):
        response = web.get(prefix + quoted)
        assert response.status_code == 404 or (
            response.status_code == 308 and urllib.parse.urlsplit(response.location).path.startswith(prefix))


# ---------------------------------------------------------------------------------- limits

def test_request_limits_through_the_test_client(web):
    huge_query = web.get("/api/search?q=" + "a" * 40_000)
    assert_json_error(huge_query, 414, "quá dài")
    page = web.get("/search?q=" + "a" * 40_000)
    assert page.status_code == 414 and "quá dài" in page.get_data(as_text=True)
    for method in ("GET", "POST"):
        big = web.open("/api/search?q=y+te", method=method, data=b"x" * 100_000)
        assert big.status_code == 413 and big.headers.get("Content-Security-Policy")
    post = web.post("/api/search", data=b"q=y+te")
    assert_json_error(post, 405)
    assert "GET" in post.headers.get("Allow", "")
    many = [("agency", f"Cơ quan {i}") for i in range(2000)] + [("year", "2020")] * 2000
    assert_json_error(web.get("/api/search", query_string=many), 414, "quá dài")  # 70 KB of query string
    assert web.get("/healthz").status_code == 200
    # Within that size, a filter reads its first MAX_FILTER_VALUES values (20) and ignores the rest.
    everything = web.get("/api/search").get_json()
    first, second = everything["facets"]["agency"][:2]
    year = everything["facets"]["year"][0]
    unknown = [("agency", f"Cơ quan {i}") for i in range(MAX_FILTER_VALUES - 2)]

    def total(args: list[tuple[str, str]]) -> int:
        response = web.get("/api/search", query_string=args)
        assert response.status_code == 200
        return response.get_json()["total"]

    # the last value read still counts, the one after it does not
    last_read = [("agency", first["value"]), *unknown, ("agency", second["value"])]
    one_too_many = [("agency", first["value"]), *unknown, ("agency", "Cơ quan x"), ("agency", second["value"])]
    assert total(last_read) == first["count"] + second["count"]
    assert total(one_too_many) == first["count"]
    assert total([("year", "1950")] * (MAX_FILTER_VALUES - 1) + [("year", year["value"])]) == year["count"]
    assert total([("year", "1950")] * MAX_FILTER_VALUES + [("year", year["value"])]) == 0


# ---------------------------------------------------------------------------------- real server

def raw_bytes(server, request_line: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def assert_alive(server) -> None:
    status, _, body = raw_request(server, "GET", "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"


@pytest.mark.parametrize("target,expected", [
    ("/search?q=%FF%FE", 200), ("/api/search?q=%FF%FE%00", 200), ("/api/search?q=%C3%28%ED%A0%80", 200),
    ("/search.atom?q=%E1%BA", 200), ("/api/search?from=%FF", 400), ("/search?page=%FF", 400),
    ("/doc/%FF%FE", 404), ("/api/doc/%C0%AF..%C0%AF..", 404), ("/%FF", 404),
    ("/doc/..%2f..%2fetc%2fpasswd", 404), ("/doc/../../etc/passwd", 404), ("/static/../../../etc/passwd", 404),
    ("/static/..%2f..%2f..%2fetc%2fpasswd", 404), ("/static/%2e%2e/%2e%2e/webapp/__init__.py", 404),
    ("/api/search?page=-1", 400), ("/api/search?from=2024-01-01&to=2020-01-01", 200),
])
def test_real_server_invalid_utf8_and_traversal(live_server, target, expected):
    status, headers, body = raw_request(live_server, "GET", target)
    assert status == expected, (target, status, body[:200])
    assert b"root:" not in body and b"from __future__" not in body
    for header in HEADERS:
        assert headers.get(header.lower()), (target, header)
    if target.startswith("/api/") and status >= 400:
        assert json.loads(body)["error"]


@pytest.mark.parametrize("target", [b"/search?q=\xff\xfe", b"/api/search?q=\xc3\x28\xed\xa0\x80", b"/doc/\xff\xfe",
                                    b"/\xc0\xaf..\xc0\xaf..", b"/search?q=a\x00b", b"/api/search?q=\x1b[31m"])
def test_real_server_raw_invalid_bytes_in_the_request_line(live_server, target):
    answer = raw_bytes(live_server, b"GET " + target + b" HTTP/1.1")
    status = int(answer.split(b" ", 2)[1])
    assert status in (200, 400, 404), answer[:200]
    assert_alive(live_server)


def test_real_server_size_limits_and_keeps_answering(live_server):
    status, headers, _ = raw_request(live_server, "GET", "/api/search?q=" + "a" * 10_240)
    assert status == 400 and headers.get("content-security-policy")
    status, headers, body = raw_request(live_server, "GET", "/api/search?q=" + "a" * 40_000)
    assert status == 414 and json.loads(body)["error"] and headers.get("content-security-policy")
    status, _, _ = raw_request(live_server, "GET", "/api/search?q=" + "a" * 100_000)
    assert status in (414, 431)  # past 64 KiB waitress refuses the request line itself
    status, headers, _ = raw_request(live_server, "POST", "/api/search", b"x" * 100_000)
    assert status == 413 and headers.get("content-security-policy")
    status, _, _ = raw_request(live_server, "GET", "/api/search?q=y+te", b"x" * 100_000)
    assert status == 413
    try:
        status, _, _ = raw_request(live_server, "POST", "/search", b"x" * 3_000_000)
        assert status == 413
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
        pass  # refused without reading: acceptable, as long as the server lives on
    assert_alive(live_server)


@settings(HOSTILE, max_examples=30)
@given(q=st.text(max_size=80))
def test_real_server_random_queries(live_server, q):
    target = "/api/search?" + urllib.parse.urlencode({"q": q})
    status, headers, body = raw_request(live_server, "GET", target)
    assert status == 200, (q, body[:200])
    assert json.loads(body)["total"] >= 0 and headers.get("content-security-policy")


# ---------------------------------------------------------------------------------- time budget

def pathological_queries(app) -> dict[str, list[tuple[str, str]]]:
    """The most expensive requests we could think of, built from the index's own vocabulary.
    Queries stay within what parse_params accepts (2,000 characters; the plan keeps 500)."""
    generation = app.extensions["tracuu_index"].generation()
    vocab = sorted(generation.vocabulary, key=lambda t: (-generation.vocabulary[t], t))
    common = [t for t in vocab if t.isalpha()][:60]
    triples = zip(common, common[1:], common[2:])
    queries = {
        "500 different syllables": " ".join(vocab[:500])[:2000],
        "the 32 most common syllables": " ".join(common[:32]),
        "common syllables repeated to 2,000 chars": ((" ".join(common) + " ") * 40)[:2000],
        "quoted triples of common words": " ".join(f'"{a} {b} {c}"' for a, b, c in triples)[:498],
        "16 quoted pairs of common words": " ".join(f'"{a} {b}"' for a, b in zip(common[:32:2], common[1:32:2])),
        "one long quoted phrase": '"' + " ".join(common * 5)[:490] + '"',
        "32 unknown long syllables (did-you-mean)": " ".join(f"zq{w}xk{w[::-1]}" for w in common[:32])[:2000],
        "document numbers": " ".join(f"{i}/TB-VP" for i in range(300))[:2000],
        "agency abbreviations": " ".join(["Bộ TT&TT", "UBND", "BTC", "BYT", "Sở Y tế"] * 100)[:2000],
        "numbers": " ".join(str(i) for i in range(1000))[:2000],
    }
    out = {name: [("q", q)] for name, q in queries.items()}
    # no result with many filters: the page may retry the search without each filter
    out["common syllables, 50 unknown agencies and units"] = (
        [("q", " ".join(common[:32]))] + [("agency", f"Cơ quan {i}") for i in range(50)]
        + [("unit", f"Đơn vị {i}") for i in range(50)])
    return out


def test_pathological_queries_stay_within_the_time_budget(web, app, capsys):
    """Each request must cost under 2 s of CPU. The test client runs the request in this thread,
    so thread CPU time measures the work itself, whatever else the shared machine is doing."""
    cpu, wall = {}, {}
    for name, args in pathological_queries(app).items():
        for path in ("/api/search", "/search", "/search.atom"):
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = web.get(path, query_string=args)
            cpu[f"{path} {name}"] = time.thread_time() - started_cpu
            wall[f"{path} {name}"] = time.perf_counter() - started
            assert response.status_code == 200, (name, path, response.status_code)
    with capsys.disabled():
        worst = sorted(cpu, key=lambda k: -cpu[k])[:4]
        print("\nslowest pathological requests (CPU / wall):",
              ", ".join(f"{k}: {cpu[k] * 1000:.0f} / {wall[k] * 1000:.0f} ms" for k in worst))
    assert max(cpu.values()) < 2.0, cpu


def cpu_seconds(web, path: str, args) -> float:
    started = time.thread_time()
    response = web.get(path, query_string=args)
    assert response.status_code == 200
    return time.thread_time() - started


def test_an_empty_result_page_does_not_multiply_the_work(web, app):
    """A query with no result under a dozen filters must cost the page about what it costs the
    API: the page may tell which filter hides results, but not by re-running the whole search once
    per filter (13 searches here; on a 5,000-page archive with 50 agencies and units, 8 s of CPU)."""
    generation = app.extensions["tracuu_index"].generation()
    common = [t for t in sorted(generation.vocabulary, key=lambda t: (-generation.vocabulary[t], t)) if t.isalpha()]
    args = [("q", " ".join(common[:32]))] + [("agency", f"Cơ quan {i}") for i in range(12)]
    web.get("/search", query_string=args)  # warm caches
    api = min(cpu_seconds(web, "/api/search", args) for _ in range(3))
    page = min(cpu_seconds(web, "/search", args) for _ in range(3))
    assert page <= 3 * api + 0.05, f"page {page:.2f} s CPU, API {api:.2f} s CPU"


# ---------------------------------------------------------------------------------- load tool

def test_load_tool_refuses_other_hosts():
    for url in ("http://10.0.0.1:8000", "http://localhost:8000", "https://127.0.0.1:8000", "http://example.com"):
        result = subprocess.run([sys.executable, "bench/load.py", url, "-c", "1", "-s", "1"], cwd=ROOT,
                                capture_output=True, text=True, timeout=20)
        assert result.returncode != 0 and "127.0.0.1" in result.stderr + result.stdout, url


def test_load_tool_runs_against_the_production_server(live_server):
    result = subprocess.run([sys.executable, "bench/load.py", live_server.url, "--clients", "2", "--seconds", "2",
                             "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    overall = report["overall"]
    assert overall["requests"] > 0 and overall["errors"] == 0
    assert 0 < overall["p50_ms"] <= overall["p95_ms"] <= overall["p99_ms"]
    assert "req/s" in result.stdout and "p99" in result.stdout
    assert_alive(live_server)


def test_load_tool_compares_one_worker_with_several(corpus_index):
    result = subprocess.run([sys.executable, "bench/load.py", "--index", str(corpus_index), "--workers", "1",
                             "--workers", "2", "--clients", "2", "--seconds", "2", "--repeat", "5", "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = json.loads(result.stdout.strip().splitlines()[-1])["runs"]
    assert [r["workers"] for r in runs] == [1, 2] and "requests/s with 2 workers / with 1" in result.stdout
    for run in runs:
        assert run["overall"]["requests"] > 0 and run["overall"]["errors"] == 0
        assert run["cpu"]["server_cpu_ms_per_request"] > 0 and run["memory"]["processes"] == run["workers"] + 1
        assert run["memory"]["pss_mib"] > 0
        # the same search again: 200 from the workers' cache of answers, then 304 with its ETag
        assert run["repeated"]["cached"]["statuses"] == {"200": 5}
        assert run["repeated"]["revalidated"]["statuses"] == {"304": 5}
