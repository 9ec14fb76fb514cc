"""The Flask app through its test client: pages, the JSON API, headers, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote, urlsplit


def test_search_page_in_vietnamese_with_facets_and_marks(client):
    page = client.get("/search?q=chuyen+doi+so").get_data(as_text=True)
    assert "kết quả" in page and "Cơ quan" in page and "<mark>" in page
    assert 'lang="vi"' in page


def test_api_search_shape(client):
    data = client.get("/api/search?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91&per_page=5").get_json()
    assert {"query", "total", "page", "per_page", "took_ms", "results", "facets"} <= set(data)
    assert data["query"] == "chuyển đổi số" and data["total"] > 0 and len(data["results"]) == 5
    hit = data["results"][0]
    assert {"id", "path", "title", "date", "agency", "units", "url", "snippet", "score"} <= set(hit)
    assert {"agency", "unit", "year"} <= set(data["facets"])
    assert {"value", "count"} == set(data["facets"]["agency"][0])


def test_api_accepts_repeated_agency(client):
    facets = client.get("/api/search").get_json()["facets"]["agency"]
    a, b = facets[0]["value"], facets[1]["value"]
    data = client.get("/api/search", query_string=[("agency", a), ("agency", b), ("per_page", "100")]).get_json()
    assert data["total"] == facets[0]["count"] + facets[1]["count"]


def test_article_page_and_its_json(client):
    hit = client.get("/api/search?q=chuyen+doi+so").get_json()["results"][0]
    page = client.get(f"/doc/{hit['id']}").get_data(as_text=True)
    assert hit["title"].split()[0] in page and "Cơ quan" in page
    data = client.get(f"/api/doc/{hit['id']}").get_json()
    assert data["title"] == hit["title"] and data["body"]


def test_unknown_and_malicious_doc_ids_are_404(client):
    for doc_id in ("0000000000000000", "..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "x" * 300):
        assert client.get(f"/doc/{doc_id}").status_code == 404
        assert client.get(f"/api/doc/{doc_id}").status_code == 404


def test_bad_parameters_are_400_not_500(client):
    response = client.get("/api/search?from=2020-13-45")
    assert response.status_code == 400 and "không hợp lệ" in response.get_json()["error"]
    page = client.get("/search?q=x&page=abc")
    assert page.status_code == 400 and "số nguyên" in page.get_data(as_text=True)


def test_security_headers_and_escaping(client):
    response = client.get('/search?q=<script>alert(1)</script>"><img src=x onerror=alert(1)>')
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_healthz_reports_documents_and_build(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["documents"] > 60 and data["built"]


def test_atom_feed_parses_and_matches_the_page(client):
    feed = client.get("/search.atom?q=chuyen+doi+so&sort=newest")
    root = ET.fromstring(feed.get_data())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    api = client.get("/api/search?q=chuyen+doi+so&sort=newest").get_json()
    assert titles == [r["title"] for r in api["results"]]


def test_opensearch_description(client):
    """A browser fills {searchTerms} of each template with the typed words and opens the URL."""
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    root = ET.fromstring(client.get("/opensearch.xml").get_data())
    assert root.tag == "{%s}OpenSearchDescription" % ns["os"]
    templates = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    assert set(templates) == {"text/html", "application/atom+xml", "application/json"}
    words = "chuyển đổi số"
    for kind, template in templates.items():
        url = urlsplit(template.replace("{searchTerms}", quote(words)))
        assert url.scheme == "http" and url.netloc == "localhost", template  # absolute, on this site
        response = client.get(url.path, query_string=url.query)
        assert response.status_code == 200 and response.mimetype == kind, template
        if kind == "application/json":
            data = response.get_json()
            assert data["query"] == words and data["total"] > 0
        elif kind == "application/atom+xml":
            feed = ET.fromstring(response.get_data())
            atom = {"a": "http://www.w3.org/2005/Atom"}
            assert words in feed.findtext("a:title", namespaces=atom) and feed.findall("a:entry", atom)
        else:
            page = response.get_data(as_text=True)
            assert f'value="{words}"' in page and "<mark>" in page
    image = urlsplit(root.findtext("os:Image", namespaces=ns))
    assert client.get(image.path).status_code == 200
