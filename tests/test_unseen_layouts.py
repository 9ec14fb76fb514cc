"""Portal layouts that make_archive.py does not draw (Liferay, SharePoint, WordPress, DotNetNuke,
iGate, Joomla, a newspaper, contradicting evidence): every field against the gold, extracted as a
single file would be, and the publisher's evidence recorded."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from indexer.extract import extract_bytes, extract_file
from indexer.textnorm import key

FIXTURES = ROOT / "tests" / "fixtures" / "unseen"
GOLD = json.loads((ROOT / "tests" / "fixtures" / "unseen_gold.json").read_text(encoding="utf-8"))


def test_eight_layouts_at_least():
    assert len(GOLD) >= 8 and {p.name for p in FIXTURES.iterdir()} == set(GOLD)


@pytest.mark.parametrize("name", sorted(GOLD))
def test_every_field(name):
    gold = GOLD[name]
    a = extract_file(FIXTURES / name, FIXTURES)
    assert a.title == gold["title"]
    assert (a.date, a.datetime) == (gold["date"], gold["datetime"])
    assert (a.agency, a.agency_short, a.agency_kind) == (gold["agency"], gold["agency_short"], gold["agency_kind"])
    assert a.explain()["decided_by"] == gold["decided_by"]
    assert a.author == gold["author"]
    assert a.source == gold["source"]
    assert a.units == gold["units"]
    assert a.doc_numbers == gold["doc_numbers"]
    assert a.url == gold["url"]
    paragraphs = a.body.split("\n")
    assert len(paragraphs) == gold["paragraphs"]
    assert paragraphs[0].startswith(gold["body_starts_with"]) and paragraphs[-1].endswith(gold["body_ends_with"])
    for junk in gold["not_in_body"]:
        assert key(junk) not in key(a.body), f"{junk!r} left in the body"


def test_same_publisher_alone_by_absolute_path_and_in_an_archive_folder(tmp_path):
    # A folder named after another agency must not decide when the page names itself.
    archive = tmp_path / "mof-gov-vn" / "2021"
    archive.mkdir(parents=True)
    for name in GOLD:
        shutil.copy(FIXTURES / name, archive / name)
    for name, gold in GOLD.items():
        inside = extract_file(archive / name, tmp_path)
        alone = extract_bytes((FIXTURES / name).read_bytes(), name)
        assert inside.agency == alone.agency == gold["agency"], name


def test_extract_explain_says_which_evidence_decided():
    page = FIXTURES / "liferay-journal-content.html"
    proc = subprocess.run([sys.executable, "-m", "indexer", "extract", str(page), "--json", "--explain"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    explain = data["explain"]
    assert data["agency"] == "Bộ Y tế" and explain["decided_by"] == "logo"
    assert {"logo", "footer:owner", "email", "title"} <= {e["where"] for e in explain["evidence"]}
    assert all(e["names"] == "Bộ Y tế" for e in explain["evidence"] if e["where"] in ("logo", "footer:owner", "email"))
    assert explain["body"]["kept"] == "ours" and explain["date"] == "rules"


def test_contradicting_evidence_is_recorded():
    a = extract_file(FIXTURES / "contradicting-evidence.html", FIXTURES)
    assert a.agency == "Bộ Công Thương"
    assert "Bộ Tư pháp" in a.explain()["reason"] and "footer:owner" in a.explain()["reason"]


def _page(head: str = "", body_extra: str = "", title: str = "Hội nghị sơ kết công tác thông tin cơ sở năm 2020") -> bytes:
    text = " ".join(["Hội nghị đánh giá kết quả triển khai nhiệm vụ, đề ra giải pháp cho thời gian tới."] * 6)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
            f"<h1>{title}</h1><p>16/07/2020</p><div class='content'><p>{text}</p><p>{text}</p></div>"
            f"{body_extra}</body></html>").encode("utf-8")


def test_no_evidence_still_gets_a_publisher_and_a_reason():
    a = extract_bytes(_page(), "page.html")
    assert a.agency == "Không rõ cơ quan" and a.explain()["decided_by"] == "none"
    assert "names no publisher" in a.explain()["reason"]
    # The text naming a ministry is the last resort, and says so.
    b = extract_bytes(_page(title="Bộ Nội vụ sơ kết công tác cải cách hành chính 6 tháng"), "page.html")
    assert b.agency == "Bộ Nội vụ" and b.explain()["decided_by"] == "text"


def test_unknown_publisher_keeps_its_own_name_never_a_ministry_it_mentions():
    head = ("<meta property='og:site_name' content='BÁO ĐIỆN TỬ ĐỒNG HÀNH'>"
            "<link rel='canonical' href='https://donghanh.example.vn/a-1.html'>")
    a = extract_bytes(_page(head, "<footer>Cơ quan chủ quản: Bộ Nội vụ</footer>",
                            title="Bộ Nội vụ sơ kết công tác cải cách hành chính 6 tháng"), "x.html")
    assert (a.agency, a.agency_kind) == ("Báo Điện Tử Đồng Hành", "press")
    assert "Bộ Nội vụ" in a.units  # the ministry it writes about is a unit it mentions
    # Only a domain: the domain is the name.
    b = extract_bytes(_page("<link rel='canonical' href='https://www.tinnhanh.example.com/a.html'>"), "x.html")
    assert b.agency == "tinnhanh.example.com" and b.explain()["decided_by"] == "canonical"


def test_a_known_page_address_outranks_everything():
    a = extract_bytes(_page("<meta property='og:site_name' content='Cổng thông tin điện tử Bộ Y tế'>"), "x.html",
                      url="https://mic.gov.vn/tin-tuc/1.htm")
    assert a.agency == "Bộ Thông tin và Truyền thông" and a.explain()["decided_by"] == "given url"
    assert a.url == "https://mic.gov.vn/tin-tuc/1.htm"


def test_a_browser_saved_page_names_its_address():
    raw = b"<!-- saved from url=(0035)https://moh.gov.vn/tin-tuc/a-1.html -->\n" + _page()
    a = extract_bytes(raw, "x.html")
    assert a.agency == "Bộ Y tế" and a.explain()["decided_by"] == "saved from"


def test_trafilatura_failing_falls_back_to_our_body_with_the_reason_logged(caplog):
    from indexer.clean import clean_html
    from indexer.second_opinion import choose_body, trafilatura_text

    html = (FIXTURES / "contradicting-evidence.html").read_text(encoding="utf-8")
    cleaned = clean_html(html)  # a short body: a second opinion is asked
    choice = choose_body(cleaned, html, ask=lambda h: trafilatura_text(h, timeout=1e-6))
    assert choice.kept == "ours" and choice.paragraphs == cleaned.paragraphs
    assert "trafilatura found no body" in choice.reason
    assert "ran out of time" in caplog.text or "failed" in caplog.text


def test_the_article_page_shows_the_paper_a_repost_came_from(tmp_path):
    from indexer.build import build
    from webapp import create_app

    source = tmp_path / "archive"
    source.mkdir()
    shutil.copy(FIXTURES / "igate-portal.html", source / "igate-portal.html")
    build([source], tmp_path / "index", quiet=True)
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    hit = client.get("/api/search?q=Bát Xát").get_json()["results"][0]
    doc = client.get(f"/api/doc/{hit['id']}").get_json()
    assert (doc["agency"], doc["agency_kind"], doc["source"]) == ("Ủy ban nhân dân tỉnh Lào Cai", "people_committee",
                                                                  "Báo Lào Cai")
    page = client.get(f"/doc/{hit['id']}").get_data(as_text=True)
    assert '<span class="repost-source">Đăng lại từ Báo Lào Cai</span>' in page
    assert "Nguồn: Báo Lào Cai" not in doc["body"]


def test_a_real_newspaper_page_is_the_papers_with_its_reporter():
    import gzip

    from conftest import shared_path

    base = shared_path("data", "html", "vi", "fundus")
    gold = json.loads((base / "VnExpress.json").read_text(encoding="utf-8"))["V1"]
    a = extract_bytes(gzip.open(base / "VnExpress_2025_10_22.html.gz", "rb").read(), "VnExpress_2025_10_22.html")
    assert (a.agency, a.agency_kind) == ("Báo điện tử VnExpress", "press")
    assert a.explain()["decided_by"] in ("canonical", "og:url")
    # <meta name="author" content="VnExpress"> names the site; the reporter signs the text.
    assert [a.author] == gold["authors"]
    assert a.title == gold["title"] and a.date == gold["publishing_date"][:10]


def test_a_page_without_a_suffix_is_read_as_html():
    raw = b"<style>p{margin:0}</style>\n" + ("<!-- " + "x" * 6000 + " -->\n").encode() + _page()
    a = extract_bytes(raw, "mirror/index")
    assert a.title == "Hội nghị sơ kết công tác thông tin cơ sở năm 2020" and a.date == "2020-07-16"


def test_a_sentence_that_mentions_a_date_is_not_the_date_line():
    text = " ".join(["Hội nghị đánh giá kết quả triển khai nhiệm vụ, đề ra giải pháp cho thời gian tới."] * 6)
    html = ("<html><head><meta charset='utf-8'><title>Thông báo kết luận của lãnh đạo Bộ về công tác phòng cháy</title>"
            "</head><body><h1>Thông báo kết luận của lãnh đạo Bộ về công tác phòng cháy</h1><div class='content'>"
            "<p>Theo báo cáo, vào khoảng 15h ngày 7/12/2017, tại kho lưu trữ đã xảy ra sự cố chập điện.</p>"
            f"<p>{text}</p><p>{text}</p><p>Hà Nội, ngày 28 tháng 3 năm 2021</p></div></body></html>")
    a = extract_bytes(html.encode("utf-8"), "notice.html")
    assert a.date == "2021-03-28" and a.explain()["date"] == "rules"
