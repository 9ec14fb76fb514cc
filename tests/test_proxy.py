"""Behind a reverse proxy: X-Forwarded-* believed from the proxy's address only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from webapp import create_app
from webapp.proxy import networks

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "tracuu.example.vn", "X-Forwarded-Port": "443"}
OPENSEARCH = {"os": "http://a9.com/-/spec/opensearch/1.1/"}


def html_template(client, peer: str) -> str:
    response = client.get("/opensearch.xml", headers=FORWARDED, environ_base={"REMOTE_ADDR": peer})
    root = ET.fromstring(response.get_data())
    return {u.get("type"): u.get("template") for u in root.findall("os:Url", OPENSEARCH)}["text/html"]


@pytest.fixture(scope="module")
def proxied(corpus_index):
    return create_app({"INDEX_DIR": str(corpus_index), "TRUSTED_PROXIES": ["127.0.0.1", "10.1.0.0/16"]}).test_client()


def test_forwarded_headers_from_the_proxy_make_the_links(proxied):
    assert html_template(proxied, "127.0.0.1").startswith("https://tracuu.example.vn/search?")
    assert html_template(proxied, "10.1.2.3").startswith("https://tracuu.example.vn/search?")


def test_forwarded_headers_from_anyone_else_are_ignored(proxied, client):
    assert html_template(proxied, "203.0.113.9").startswith("http://localhost/search?")
    assert html_template(proxied, "not an address").startswith("http://localhost/search?")
    # with no proxy configured (the default), nobody is believed
    assert html_template(client, "127.0.0.1").startswith("http://localhost/search?")


def test_a_bad_proxy_address_is_refused_at_start():
    with pytest.raises(ValueError):
        networks(["127.0.0.1", "not-an-address"])
