"""Archives as they come: WARC and WACZ crawls, site mirrors and the documents attached to the news.

Every file here is written by the real libraries (warcio, zipfile, reportlab, python-docx, pypdf)
and read by the real build; nothing is mocked.
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from datetime import date
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import CORPUS, ROOT
from documents import font_path, sample_decision, sample_notice, write_docx, write_pdf_reportlab
from indexer.attachments import Limits, extract_document
from indexer.build import build
from indexer.extract import SkipPage, extract_bytes
from indexer.mirrors import mirror_url, url_key
from indexer.pages import read_page
from indexer.service import IndexHandle, SearchParams, document, parse_params, search
from indexer.sources import discover
from indexer.warc import read_payload, scan

GOLD = json.loads((ROOT / "tests" / "fixtures" / "archive_gold.json").read_text(encoding="utf-8"))
WARC = CORPUS / GOLD["warc"]
SITE = "https://stttt.example.gov.vn/tin-tuc/"


def page_html(title: str, body: str, day: str = "12/03/2021", links: str = "") -> bytes:
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="menu"><a href="/">Trang chủ</a> | <a href="/tin-tuc">Tin tức</a></div>
<div class="detail"><h1>{title}</h1><div class="date">Ngày {day}</div>
<div class="content"><p>{body}</p><p>Các đơn vị triển khai nghiêm túc, báo cáo kết quả trước ngày 30/11 hằng năm.</p>{links}</div></div>
<div class="footer">Cơ quan chủ quản: Bộ Y tế. Email: vanthu@moh.gov.vn</div></body></html>""".encode()


def response(writer: WARCWriter, url: str, when: str, body: bytes, content_type: str = "text/html; charset=utf-8",
             status: str = "200 OK") -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                               protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                                  warc_headers_dict={"WARC-Date": when}))


def write_crawl(path: Path, when: str, pages: dict[str, bytes], gzip: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        for slug, body in pages.items():
            response(writer, SITE + slug, when, body)
    return path


def crawl_pages(count: int, changed: str = "") -> dict[str, bytes]:
    return {f"bai-{i}.html": page_html(f"Bản tin y tế số {i}", f"Nội dung bản tin số {i} về tiêm chủng mở rộng"
                                       f"{changed if i == 0 else ''} tại các trạm y tế xã.") for i in range(count)}


def titles(index: Path, q: str = "", **filters) -> list[str]:
    # every page, not one per story: the generated pages are near-duplicates of each other
    params = parse_params({"q": q, "per_page": "100", "collapse": "0", **filters})
    return sorted(r["title"] for r in search(IndexHandle(index), params)["results"])


# ---------------------------------------------------------------- the corpus's own archive


@pytest.fixture(scope="module")
def corpus_report(corpus_index):
    from indexer import generations as gen

    return gen.read_json(gen.current(corpus_index) / "report.json")


def by_url(handle: IndexHandle, url: str) -> dict:
    from indexer.extract import doc_id

    return document(handle, doc_id(url_key(url)))


def test_the_corpus_crawl_is_read_record_by_record_and_counted(corpus_index, corpus_report):
    assert corpus_report["archives"] == {"files": 1, "scanned": 1, "records": GOLD["warc_records"]}
    assert corpus_report["skipped"] == GOLD["skipped"]
    handle = IndexHandle(corpus_index)
    for gold in GOLD["pages"]:
        doc = by_url(handle, gold["url"])
        assert (doc["title"], doc["date"], doc["agency"], doc["kind"]) == \
            (gold["title"], gold["date"], gold["agency"], "tin")
        assert sorted(doc["doc_numbers"]) == sorted(gold["doc_numbers"])
        assert doc["url"] == gold["url"] and doc["archive"] == GOLD["warc"] and doc["captured"]
        if "captures" in gold:
            assert [[c["time"], c["state"]] for c in doc["captures"]] == gold["captures"]


def test_attached_documents_are_indexed_and_linked_both_ways(corpus_index):
    handle = IndexHandle(corpus_index)
    result = search(handle, SearchParams(q="", kinds=["văn bản"], per_page=50))
    assert result["total"] == len(GOLD["documents"])
    for gold in GOLD["documents"]:
        hit = next(r for r in result["results"] if r["title"] == gold["title"])
        doc = document(handle, hit["id"])
        assert (doc["kind"], doc["date"], doc["agency"], doc["document"]["number"], doc["document"]["media"]) == \
            ("văn bản", gold["date"], gold["agency"], gold["number"], gold["media"])
        assert doc["document"]["text_layer"] is True and gold["number"] in doc["doc_numbers"]
        assert [r["title"] for r in doc["attached_by"]] == gold["attached_by"]
        # the article lists it under "Văn bản đính kèm", linking to its page
        article = document(handle, doc["attached_by"][0]["id"])
        assert hit["id"] in [a["id"] for a in article["attached_documents"]]
    # documents are found by their text, and by their number
    assert search(handle, SearchParams(q="Trung tâm VNNIC Quý IV/2024"))["results"][0]["kind"] == "văn bản"
    assert any(r["kind"] == "văn bản" for r in search(handle, SearchParams(q="52/KH-UBND"))["results"])
    facets = dict((f["value"], f["count"]) for f in search(handle, SearchParams())["facets"]["kind"])
    assert facets["văn bản"] == len(GOLD["documents"]) and facets["tin"] > 60


def test_the_article_page_shows_attachments_captures_and_backlinks(client):
    found = client.get("/api/search?q=Đà Nẵng thanh toán trực tuyến").get_json()["results"][0]
    page = client.get(f"/doc/{found['id']}").get_data(as_text=True)
    assert "Các lần lưu" in page and "bản lưu lặp lại" in page and "tttt-danang-2024.warc.gz" in page
    plan = client.get("/api/search?q=52/KH-UBND&kind=văn bản").get_json()["results"][0]
    page = client.get(f"/doc/{plan['id']}").get_data(as_text=True)
    assert "Bài viết đính kèm văn bản này" in page and "Đà Nẵng ban hành kế hoạch chuyển đổi số năm 2021" in page
    article = client.get("/api/search?q=Đà Nẵng ban hành kế hoạch chuyển đổi số năm 2021&kind=tin").get_json()
    page = client.get(f"/doc/{article['results'][0]['id']}").get_data(as_text=True)
    assert "Văn bản đính kèm" in page and plan["title"] in page
    listing = client.get("/search?q=chuyen+doi+so").get_data(as_text=True)
    assert 'id="facet-kind"' in listing and "Văn bản đính kèm" in listing
    assert client.get("/search?kind=ảnh").status_code == 400


def test_mirror_pages_keep_their_original_address(corpus_index):
    handle = IndexHandle(corpus_index)
    for gold in GOLD["mirror"]:
        hits = [r for r in search(handle, SearchParams(q="Hà Nội", per_page=100))["results"] if r["path"] == gold["path"]]
        assert hits and hits[0]["url"] == gold["url"] and hits[0]["agency"] == gold["agency"]
        assert hits[0]["date"] <= gold["captured"]  # HTTrack's date in the comment bounds it
    assert mirror_url("mirror", "mic.gov.vn/tin-tuc/bai-viet.html") == "http://mic.gov.vn/tin-tuc/bai-viet.html"
    assert mirror_url("mic.gov.vn", "tin-tuc/a.aspx?id=5") == "http://mic.gov.vn/tin-tuc/a.aspx?id=5"
    assert mirror_url("mic-gov-vn", "2020/a.html") is None


def test_a_wget_host_folder_gives_the_address_and_the_publisher(tmp_path):
    page = tmp_path / "site" / "moh.gov.vn" / "tin-tuc" / "bai-viet.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(page_html("Bộ Y tế hướng dẫn tiêm chủng", "Nội dung hướng dẫn tiêm chủng mở rộng năm 2021.")
                     .replace("Cơ quan chủ quản: Bộ Y tế. Email: vanthu@moh.gov.vn".encode(), b""))
    [source] = discover([tmp_path / "site"], [])
    assert source.url == "http://moh.gov.vn/tin-tuc/bai-viet.html"
    outcome, doc = read_page(source)
    assert doc.article["url"] == source.url and doc.agency == "Bộ Y tế"


# ---------------------------------------------------------------- reading WARCs


def test_records_are_read_by_offset_alone(tmp_path):
    [found] = scan(WARC)
    assert len(found.captures) == 5 and found.counts["revisit"] == 1 and found.counts["redirect"] == 1
    for capture in found.captures:
        payload = read_payload(str(WARC), capture.offset, capture.length)
        assert payload.startswith(b"%PDF" if capture.media == "pdf" else b"<!doctype html>")
    sources = [s for s in discover([CORPUS / "crawls"], []) if s.in_archive]
    again = pickle.loads(pickle.dumps(sources))  # a plain value: another process or machine can take it
    outcome, doc = read_page(again[0])
    assert doc is not None and doc.id == again[0].doc_id and outcome.digest == again[0].digest


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_wacz_holds_the_same_pages(tmp_path, compression):
    wacz = tmp_path / "crawl.wacz"
    with zipfile.ZipFile(wacz, "w", compression) as z:
        z.write(WARC, "archive/data.warc.gz")
        z.writestr("datapackage.json", json.dumps({"profile": "data-package", "wacz_version": "1.1.1"}))
        z.writestr("pages/pages.jsonl", '{"format": "json-pages-1.0"}\n')
    plain = build([CORPUS / "crawls"], tmp_path / "a", quiet=True, workers=1)
    packed = build([wacz], tmp_path / "b", quiet=True, workers=1)
    assert packed.indexed == plain.indexed == len(GOLD["pages"]) + 1 and not packed.skipped
    assert titles(tmp_path / "a") == titles(tmp_path / "b")


def test_the_latest_capture_is_indexed_once_with_the_earlier_ones_listed(tmp_path):
    write_crawl(tmp_path / "crawls" / "2024-05.warc.gz", "2024-05-01T00:00:00Z", crawl_pages(3))
    write_crawl(tmp_path / "crawls" / "2024-11.warc.gz", "2024-11-01T00:00:00Z", crawl_pages(3, " (cập nhật)"))
    report = build([tmp_path / "crawls"], tmp_path / "index", quiet=True, workers=1)
    assert report.indexed == 3 and report.archives["records"]["earlier capture"] == 3
    handle = IndexHandle(tmp_path / "index")
    hit = search(handle, SearchParams(q="cập nhật"))["results"]
    assert len(hit) == 1 and hit[0]["title"] == "Bản tin y tế số 0"
    doc = document(handle, hit[0]["id"])
    assert [(c["time"][:7], c["state"]) for c in doc["captures"]] == [("2024-05", "changed"), ("2024-11", "changed")]
    other = document(handle, search(handle, SearchParams(q="Bản tin y tế số 1"))["results"][0]["id"])
    assert [c["state"] for c in other["captures"]] == ["changed", "same"]


def test_a_new_crawl_rebuilds_only_what_changed(tmp_path):
    crawls = tmp_path / "crawls"
    write_crawl(crawls / "2024-05.warc.gz", "2024-05-01T00:00:00Z", crawl_pages(20))
    first = build([crawls], tmp_path / "index", quiet=True, workers=1)
    (crawls / "2024-05.warc.gz").unlink()  # tonight's crawl replaces last night's
    write_crawl(crawls / "2024-06.warc.gz", "2024-06-01T00:00:00Z", crawl_pages(20, " (cập nhật)"))
    second = build([crawls], tmp_path / "index", quiet=True, workers=1)
    assert first.added == 20 and (second.mode, second.read, second.updated, second.unchanged, second.removed) == \
        ("incremental", 1, 1, 19, 0)
    # last night's crawl comes back beside tonight's: it is scanned (a new file), tonight's is not
    # (its scan is the previous generation's), and no page is read again; the next build scans neither
    write_crawl(crawls / "2024-05.warc.gz", "2024-05-01T00:00:00Z", crawl_pages(20))
    third = build([crawls], tmp_path / "index", quiet=True, workers=1)
    fourth = build([crawls], tmp_path / "index", quiet=True, workers=1)
    assert (third.read, third.archives["scanned"], fourth.read, fourth.archives["scanned"]) == (0, 1, 0, 0)
    assert fourth.archives["records"] == third.archives["records"] and fourth.archives["files"] == 2
    assert len(titles(tmp_path / "index")) == 20 and titles(tmp_path / "index", "cập nhật") == ["Bản tin y tế số 0"]


def test_a_crawl_is_split_among_shards_by_record_offsets(tmp_path, monkeypatch):
    from indexer import build as build_module

    write_crawl(tmp_path / "crawls" / "c.warc.gz", "2024-05-01T00:00:00Z", crawl_pages(24))
    one = build([tmp_path / "crawls"], tmp_path / "one", quiet=True, workers=1)
    monkeypatch.setattr(build_module, "SHARD_MIN_PAGES", 10)
    sharded = build([tmp_path / "crawls"], tmp_path / "sharded", quiet=True, workers=2)
    assert len(sharded.shards) == 2 and sum(s["pages"] for s in sharded.shards) == 24
    assert sharded.indexed == one.indexed == 24 and titles(tmp_path / "sharded") == titles(tmp_path / "one")


def test_the_crawl_date_bounds_the_publication_date():
    html = page_html("Hội nghị triển khai nhiệm vụ", "Hội nghị diễn ra sáng nay tại Hà Nội.", day="05/09/2024")
    assert extract_bytes(html, "a.html").date == "2024-09-05"
    # captured in March 2024: a page cannot be published in September after it
    assert extract_bytes(html, "a.html", not_after=date(2024, 3, 1)).date != "2024-09-05"


# ---------------------------------------------------------------- bad archives


def good_crawl(tmp_path: Path, gzip: bool = True) -> tuple[Path, list]:
    path = write_crawl(tmp_path / "src" / ("c.warc.gz" if gzip else "c.warc"), "2024-11-01T00:00:00Z",
                       crawl_pages(4), gzip=gzip)
    [found] = scan(path)
    return path, found.captures


def indexed(tmp_path: Path) -> tuple[list[str], list[dict]]:
    report = build([tmp_path / "src"], tmp_path / "index", quiet=True, workers=1, full=True)
    return titles(tmp_path / "index"), report.skipped


def test_a_truncated_warc_keeps_the_records_before_the_cut(tmp_path):
    path, captures = good_crawl(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: captures[3].offset + captures[3].length // 2])
    found, skipped = indexed(tmp_path)
    assert found == [f"Bản tin y tế số {i}" for i in range(3)]
    assert len(skipped) == 1 and skipped[0]["path"].startswith("c.warc.gz@")


def test_a_corrupt_gzip_member_loses_only_its_record(tmp_path):
    path, captures = good_crawl(tmp_path)
    data = bytearray(path.read_bytes())
    middle = captures[1].offset + captures[1].length // 2
    data[middle: middle + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    found, skipped = indexed(tmp_path)
    assert found == ["Bản tin y tế số 0", "Bản tin y tế số 2", "Bản tin y tế số 3"]
    assert skipped and all(s["path"].startswith("c.warc.gz@") for s in skipped)


@pytest.mark.parametrize("delta", [+300, -300])
def test_a_record_whose_declared_length_lies_is_skipped(tmp_path, delta):
    path, captures = good_crawl(tmp_path, gzip=False)
    data = path.read_bytes()
    start = captures[1].offset
    header_end = data.index(b"\r\n\r\n", start)
    head = data[start:header_end].decode()
    declared = int(head.split("Content-Length: ")[1].split("\r\n")[0])
    lying = head.replace(f"Content-Length: {declared}", f"Content-Length: {declared + delta}")
    path.write_bytes(data[:start] + lying.encode() + data[header_end:])
    found, skipped = indexed(tmp_path)
    assert "Bản tin y tế số 0" in found and "Bản tin y tế số 3" in found
    assert "Bản tin y tế số 1" not in found and skipped


def test_a_file_that_is_not_a_warc_is_reported(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "junk.warc.gz").write_bytes(b"\x1f\x8b\x08" + b"not gzip at all" * 50)
    (tmp_path / "src" / "empty.wacz").write_bytes(b"PK not a zip")
    found, skipped = indexed(tmp_path)
    assert found == [] and {s["path"].split("@")[0] for s in skipped} == {"junk.warc.gz", "empty.wacz"}


# ---------------------------------------------------------------- documents


needs_font = pytest.mark.skipif(font_path() is None, reason="no TrueType font with Vietnamese letters (fonts-dejavu-core)")


@needs_font
def test_documents_give_title_number_issuer_and_date(tmp_path):
    pdf, docx = tmp_path / "qd.pdf", tmp_path / "tb.docx"
    write_pdf_reportlab(sample_decision(), pdf, font_path())
    write_docx(sample_notice(), docx)
    a = extract_document(pdf.read_bytes(), "qd.pdf", "pdf")
    assert a.title.startswith("Quyết định 847/QĐ-BTTTT về việc phê duyệt Kế hoạch chuyển đổi IPv6")
    assert (a.agency, a.date, a.doc_numbers[0], a.kind) == ("Bộ Thông tin và Truyền thông", "2024-03-15",
                                                            "847/QĐ-BTTTT", "văn bản")
    assert "Trung tâm VNNIC" in a.body and "Quý IV/2024" in a.body  # a table's cells
    b = extract_document(docx.read_bytes(), "tb.docx", "docx")
    assert (b.agency, b.date, b.doc_numbers[0]) == ("Sở Thông tin và Truyền thông tỉnh Lào Cai", "2023-06-20",
                                                   "458/TB-STTTT")
    assert "1.512 tổ" in b.body


def test_bad_documents_are_skipped_with_their_reasons(tmp_path):
    from pypdf import PdfReader, PdfWriter

    src = tmp_path / "src"
    src.mkdir()
    writer = PdfWriter(clone_from=PdfReader(CORPUS / GOLD["documents"][1]["path"]))
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu")
    with open(src / "encrypted.pdf", "wb") as fh:
        writer.write(fh)
    good = (CORPUS / GOLD["documents"][1]["path"]).read_bytes()
    (src / "malformed.pdf").write_bytes(good[:900])
    (src / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    (src / "not-a-zip.docx").write_bytes(b"this is not a zip file")
    with zipfile.ZipFile(src / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:  # 40 MB of zeros, ~40 KB packed
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    (src / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (src / "page.html").write_bytes(page_html("Bài viết vẫn được lập chỉ mục", "Nội dung đầy đủ của bài viết."))
    report = build([src], tmp_path / "index", quiet=True, workers=1, limits=Limits(expanded_bytes=10 * 1024 * 1024))
    reasons = {s["path"]: s["reason"] for s in report.skipped}
    assert reasons["encrypted.pdf"].startswith("encrypted PDF")
    assert reasons["malformed.pdf"].startswith("malformed PDF") and reasons["garbage.pdf"].startswith("malformed PDF")
    assert reasons["not-a-zip.docx"].startswith("not a readable DOCX")
    assert "zip bomb" in reasons["bomb.docx"] and "> 10 MB" in reasons["bomb.docx"]
    assert reasons["legacy.doc"].startswith("legacy Word .doc")
    assert report.indexed == 1 and report.limits["expanded_bytes"] == 10 * 1024 * 1024
    assert titles(tmp_path / "index") == ["Bài viết vẫn được lập chỉ mục"]


@needs_font
def test_limits_cut_and_skip_documents_and_say_so(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_pdf_reportlab(sample_decision(), src / "qd.pdf", font_path())
    write_docx(sample_notice(), src / "tb.docx")
    report = build([src], tmp_path / "index", quiet=True, workers=1,
                   limits=Limits(text_chars=500, document_bytes=30_000))
    reasons = {s["path"]: s["reason"] for s in report.skipped}
    assert list(reasons) == ["tb.docx"] and reasons["tb.docx"].startswith("document too large")
    assert report.notes == {"text cut at 500 characters": 1} and report.limits["text_chars"] == 500
    doc = search(IndexHandle(tmp_path / "index"), SearchParams())["results"][0]
    full = document(IndexHandle(tmp_path / "index"), doc["id"])
    assert len(full["body"]) <= 500 and full["document"]["cut"] == "text cut at 500 characters"


@needs_font
def test_a_scanned_pdf_is_kept_and_marked_without_text(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)  # strokes only, as a scanner's image would be: no text layer
    for y in range(100, 700, 12):
        page.line(80, y, 500, y + 3)
    page.showPage()
    page.save()
    article = extract_document(path.read_bytes(), "van-ban/scan.pdf", "pdf", url="https://moh.gov.vn/van-ban/scan.pdf")
    assert article.document["text_layer"] is False and article.body == "" and article.title == "scan.pdf"
    assert article.agency == "Bộ Y tế"  # from the address, since the document says nothing


def test_a_document_in_a_warc_is_read_by_offset(tmp_path):
    pdf = (CORPUS / GOLD["documents"][1]["path"]).read_bytes()
    path = tmp_path / "src" / "c.warc.gz"
    path.parent.mkdir()
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        response(writer, "https://mic.gov.vn/tep-dinh-kem/847.pdf", "2024-04-01T00:00:00Z", pdf, "application/pdf")
        response(writer, "https://mic.gov.vn/tep-dinh-kem/tai-ve?id=848.pdf", "2024-04-01T00:00:00Z", pdf,
                 "application/octet-stream")
        response(writer, "https://mic.gov.vn/anh/logo.png", "2024-04-01T00:00:00Z", b"\x89PNG", "image/png")
    report = build([tmp_path / "src"], tmp_path / "index", quiet=True, workers=1)
    assert report.indexed == 2 and report.archives["records"] == {"document": 2, "asset": 1}
    assert titles(tmp_path / "index", kind="văn bản")[0].startswith("Quyết định 847/QĐ-BTTTT")


def test_urls_are_written_one_way():
    assert url_key("https://www.MIC.gov.vn:443/tin%20tuc/a.html?b=2&a=1#top") == "mic.gov.vn/tin%20tuc/a.html?a=1&b=2"
    assert url_key("http://mic.gov.vn/tin tuc/a.html?a=1&b=2") == url_key("https://mic.gov.vn/tin%20tuc/a.html?b=2&a=1")
    assert url_key("http://mic.gov.vn:8080/") == "mic.gov.vn:8080/"


def test_a_document_that_is_not_what_its_name_says_is_skipped():
    with pytest.raises(SkipPage, match="not a PDF"):
        extract_document(b"<html>a page named .pdf</html>", "x.pdf", "pdf")


def test_extract_reads_a_document_on_the_command_line(capsys):
    from indexer.cli import main

    assert main(["extract", "--json", str(CORPUS / GOLD["documents"][2]["path"])]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["title"], data["kind"], data["document"]["number"]) == \
        (GOLD["documents"][2]["title"], "văn bản", GOLD["documents"][2]["number"])


def test_a_crawl_record_shipped_to_another_machine_reads_as_at_home(tmp_path):
    import zlib
    from dataclasses import replace

    from indexer.cluster_tasks import ship

    sources = sorted((s for s in discover([CORPUS / "crawls"], []) if s.archive), key=lambda s: s.relpath)
    shipped, readable, unread = ship(sources)
    assert not unread and len(readable) == len(sources)
    for i, (source, raw) in enumerate(zip(sources, pickle.loads(zlib.decompress(shipped)))):
        (tmp_path / str(i)).write_bytes(raw)  # as a worker unpacks it (cluster_tasks._unpack)
        away = replace(source, path=str(tmp_path / str(i)), offset=-1, length=0, member="")
        (home_outcome, home), (away_outcome, there) = read_page(source), read_page(away)
        assert there.id == home.id and there.article == home.article and away_outcome.digest == home_outcome.digest
