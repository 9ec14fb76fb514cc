"""Writes the corpus's archive-shaped files, with the real libraries (kept so they can be made again):

    corpus/mic-gov-vn/2024/bo-tt-tt-phe-duyet-ke-hoach-chuyen-doi-ipv6-nam-2024.html
        a news page linking its decision, beside it: tep-dinh-kem/847-QD-BTTTT.pdf (reportlab)
    corpus/sotttt-laocai-gov-vn/2023/so-tt-tt-lao-cai-thong-bao-ket-luan-so-ket-chuyen-doi-so.html
        a news page linking its notice, beside it: 458-TB-STTTT.docx (python-docx)
    corpus/crawls/tttt-danang-2024.warc.gz (warcio)
        three pages of Đà Nẵng's department as crawled (their saved copies move into the crawl),
        one of them captured twice (May and November, changed between), a revisit, a redirect, a
        404, robots.txt, an image, and the plan one page attaches as a PDF record (reportlab)
    corpus/mirror-httrack/ (an HTTrack project)
        two pages of Hà Nội's department, with HTTrack's comments, its project index and its
        hts-cache folder

    .venv/bin/python tests/make_corpus_files.py     # from the repository's root; idempotent
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from documents import font_path, sample, write_docx, write_pdf_reportlab  # noqa: E402

CORPUS = ROOT / "corpus"
DANANG = "https://tttt.danang.gov.vn/tin-tuc/-/asset_publisher/"
PLAN_URL = "https://tttt.danang.gov.vn/documents/10181/0/52-KH-UBND-2021.pdf"


def portal_page(site: str, host: str, title: str, date_line: str, paragraphs: list[str],
                attachments: list[tuple[str, str]], url: str) -> str:
    """A news page of a portal that sends its markup minified (head, chrome and article each on a
    line), with a box of attached files under the text."""
    files = "".join(f'<li><a href="{href}" class="file-pdf" target="_blank">{text}</a></li>' for href, text in attachments)
    head = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title} - {site}</title>'
            f'<meta property="og:site_name" content="{site}"><meta property="og:url" content="{url}">'
            f'<link rel="canonical" href="{url}"></head>')
    chrome = (f'<body><div id="header"><a href="/" class="logo"><img src="/images/logo.png" alt="{site}"></a></div>'
              '<ul id="menu"><li><a href="/">Trang chủ</a></li><li><a href="/tin-tuc">Tin tức</a></li>'
              '<li><a href="/van-ban">Văn bản</a></li></ul>')
    article = (f'<div id="content"><div class="news-detail"><h1 class="title">{title}</h1>'
               f'<div class="date">{date_line}</div><div class="news-content">'
               + "".join(f"<p>{p}</p>" for p in paragraphs)
               + f'</div><div class="attach-files"><span>Tệp đính kèm:</span><ul>{files}</ul></div></div>'
               '<div class="other-news"><h3>Tin khác</h3><ul><li><a href="/tin-tuc/tin-1">Hội nghị giao ban báo chí '
               'tháng 3</a></li><li><a href="/tin-tuc/tin-2">Triển khai Ngày Chuyển đổi số quốc gia</a></li></ul></div></div>')
    footer = f'<div id="footer"><p>Cơ quan chủ quản: {site}</p><p>Email: vanthu@{host}</p></div></body></html>'
    return "\n".join((head, chrome, article, footer)) + "\n"


def attachments() -> None:
    font = font_path()
    if font is None:
        sys.exit("needs a TrueType font with Vietnamese letters (Debian: fonts-dejavu-core)")
    folder = CORPUS / "mic-gov-vn" / "2024"
    (folder / "tep-dinh-kem").mkdir(parents=True, exist_ok=True)
    write_pdf_reportlab(sample("decision"), folder / "tep-dinh-kem" / "847-QD-BTTTT.pdf", font)
    (folder / "bo-tt-tt-phe-duyet-ke-hoach-chuyen-doi-ipv6-nam-2024.html").write_text(portal_page(
        "Bộ Thông tin và Truyền thông", "mic.gov.vn",
        "Bộ TT&TT phê duyệt Kế hoạch chuyển đổi IPv6 trong các cơ quan nhà nước năm 2024",
        "Thứ sáu, 15/03/2024 16:20",
        ["Bộ trưởng Bộ Thông tin và Truyền thông vừa ký Quyết định số 847/QĐ-BTTTT phê duyệt Kế hoạch chuyển "
         "đổi IPv6 trong các cơ quan nhà nước năm 2024.",
         "Theo Kế hoạch, các bộ, ngành, địa phương rà soát hạ tầng mạng, thiết bị hỗ trợ IPv6 trong quý II, "
         "chuyển đổi cổng thông tin điện tử sang IPv6 trong quý III và hoàn thành đào tạo, tập huấn cán bộ "
         "kỹ thuật trong quý IV năm 2024.",
         "Cục Bưu điện Trung ương được giao hướng dẫn, đôn đốc các cơ quan thực hiện, bảo đảm an toàn thông "
         "tin mạng trong quá trình chuyển đổi."],
        [("tep-dinh-kem/847-QD-BTTTT.pdf", "Quyết định số 847/QĐ-BTTTT (PDF)")],
        "https://mic.gov.vn/bo-tt-tt-phe-duyet-ke-hoach-chuyen-doi-ipv6-nam-2024-197240315162000.htm"),
        encoding="utf-8")
    folder = CORPUS / "sotttt-laocai-gov-vn" / "2023"
    folder.mkdir(parents=True, exist_ok=True)
    write_docx(sample("notice"), folder / "458-TB-STTTT.docx")
    (folder / "so-tt-tt-lao-cai-thong-bao-ket-luan-so-ket-chuyen-doi-so.html").write_text(portal_page(
        "Sở Thông tin và Truyền thông tỉnh Lào Cai", "laocai.gov.vn",
        "Thông báo kết luận hội nghị sơ kết công tác chuyển đổi số 6 tháng đầu năm 2023",
        "Ngày đăng: 21/06/2023",
        ["Sở Thông tin và Truyền thông tỉnh Lào Cai ban hành Thông báo số 458/TB-STTTT kết luận của Giám đốc "
         "Sở tại hội nghị sơ kết công tác chuyển đổi số 6 tháng đầu năm 2023.",
         "Thông báo yêu cầu các tổ công nghệ số cộng đồng tiếp tục hướng dẫn người dân sử dụng dịch vụ công "
         "trực tuyến và phối hợp với doanh nghiệp phủ sóng các thôn, bản vùng sâu, vùng xa.",
         "Toàn văn thông báo và bảng kết quả thực hiện các chỉ tiêu được đăng kèm dưới đây."],
        [("458-TB-STTTT.docx", "Thông báo số 458/TB-STTTT")],
        "https://sotttt.laocai.gov.vn/tin-tuc/thong-bao-ket-luan-so-ket-chuyen-doi-so-6-thang-2023"),
        encoding="utf-8")


def _response(writer: WARCWriter, url: str, when: str, body: bytes, content_type: str, status: str = "200 OK",
              extra: list[tuple[str, str]] | None = None) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))]
                               + (extra or []), protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                                  warc_headers_dict={"WARC-Date": when}))


def crawl() -> None:
    """The Đà Nẵng pages as a crawler saved them: their saved copies move into the WARC."""
    font = font_path()
    folder = CORPUS / "tttt-danang-gov-vn"
    pages = {
        "2021/da-nang-ban-hanh-ke-hoach-chuyen-doi-so-nam-2021.html": "da-nang-ban-hanh-ke-hoach-chuyen-doi-so-nam-2021",
        "2022/da-nang-phat-trien-to-cong-nghe-so-cong-dong-tai-cac-phuong-xa.html":
            "da-nang-phat-trien-to-cong-nghe-so-cong-dong-tai-cac-phuong-xa",
        "2023/da-nang-day-manh-thanh-toan-truc-tuyen-trong-giai-quyet-thu-tuc-hanh-chinh.html":
            "da-nang-day-manh-thanh-toan-truc-tuyen-trong-giai-quyet-thu-tuc-hanh-chinh",
    }
    out = CORPUS / "crawls" / "tttt-danang-2024.warc.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    bodies = {}
    for relpath, slug in pages.items():
        # the saved copy the first time; the crawl's own capture when made again
        bodies[slug] = (folder / relpath).read_bytes() if (folder / relpath).exists() else _captured(out, DANANG + slug)
    plan = bodies["da-nang-ban-hanh-ke-hoach-chuyen-doi-so-nam-2021"]
    link = (f'<div class="post-attachments"><p>Tệp đính kèm: <a href="{PLAN_URL}">Kế hoạch số 52/KH-UBND '
            f'chuyển đổi số năm 2021</a></p></div>\n</div>\n<footer class="post-footer">').encode("utf-8")
    if PLAN_URL.encode() not in plan:
        plan = plan.replace(b'</div>\n<footer class="post-footer">', link, 1)
    bodies["da-nang-ban-hanh-ke-hoach-chuyen-doi-so-nam-2021"] = plan
    scratch = out.with_suffix(".pdf.tmp")
    write_pdf_reportlab(sample("plan"), scratch, font)
    pdf = scratch.read_bytes()
    scratch.unlink()
    older = bodies["da-nang-phat-trien-to-cong-nghe-so-cong-dong-tai-cac-phuong-xa"]
    older = older.replace(b"</h1>", '</h1>\n<p class="update">Bài viết đang được cập nhật.</p>'.encode(), 1)
    assert older != bodies["da-nang-phat-trien-to-cong-nghe-so-cong-dong-tai-cac-phuong-xa"]

    with open(out, "wb") as fh:  # records oldest first
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(out.name, {"software": "warcio", "format": "WARC File Format 1.1",
                                                                     "description": "tests/make_corpus_files.py"}))
        may, november, later = "2024-05-10T02:00:00Z", "2024-11-20T02:00:00Z", "2024-11-27T02:00:00Z"
        _response(writer, DANANG + "da-nang-phat-trien-to-cong-nghe-so-cong-dong-tai-cac-phuong-xa", may, older,
                  "text/html; charset=utf-8")
        writer.write_record(writer.create_warc_record("https://tttt.danang.gov.vn/robots.txt", "response",
                            payload=io.BytesIO(b"User-agent: *\nDisallow: /admin\n"), warc_headers_dict={"WARC-Date": november},
                            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")))
        _response(writer, "http://tttt.danang.gov.vn/", november, b"", "text/html", "301 Moved Permanently",
                  [("Location", "https://tttt.danang.gov.vn/")])
        for slug, body in bodies.items():
            _response(writer, DANANG + slug, november, body, "text/html; charset=utf-8")
        _response(writer, PLAN_URL, november, pdf, "application/pdf")
        _response(writer, "https://tttt.danang.gov.vn/o/portal-theme/images/logo.png", november,
                  b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
        _response(writer, DANANG + "trang-da-xoa", november, b"<html><body>Not found</body></html>",
                  "text/html", "404 Not Found")
        revisited = DANANG + "da-nang-day-manh-thanh-toan-truc-tuyen-trong-giai-quyet-thu-tuc-hanh-chinh"
        digest = "sha1:" + base64.b32encode(hashlib.sha1(bodies[revisited.rsplit("/", 1)[1]]).digest()).decode()
        writer.write_record(writer.create_revisit_record(revisited, digest, revisited, november,
                                                         warc_headers_dict={"WARC-Date": later}))
    for relpath in pages:
        if (folder / relpath).exists():
            (folder / relpath).unlink()
            if not any((folder / relpath).parent.iterdir()):
                (folder / relpath).parent.rmdir()


def _captured(warc: Path, url: str) -> bytes:
    """The latest capture of ``url`` in ``warc`` (records are written oldest first)."""
    from warcio.archiveiterator import ArchiveIterator

    found = b""
    with open(warc, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url:
                found = record.content_stream().read()
    return found


HTTRACK_INDEX = """<html><head><meta name="generator" content="HTTrack Website Copier/3.x [XR&CO'2014]">
<title>Local index - HTTrack Website Copier</title></head><body><h1>Index of locally available sites:</h1>
<table><tr><td><a href="stttt.hanoi.gov.vn/index.html">stttt.hanoi.gov.vn</a></td></tr></table>
<p>Mirror and index made by HTTrack Website Copier [XR&CO'2014]</p></body></html>
"""
HANOI = "Sở Thông tin và Truyền thông thành phố Hà Nội"
MIRRORED = [
    ("ha-noi-dua-vao-van-hanh-trung-tam-dieu-hanh-do-thi-thong-minh", "Thứ hai, 14/10/2024 09:30",
     "Hà Nội đưa vào vận hành Trung tâm điều hành đô thị thông minh",
     ["Sáng 14/10, Ủy ban nhân dân thành phố Hà Nội tổ chức lễ đưa vào vận hành Trung tâm điều hành đô thị "
      "thông minh, kết nối dữ liệu giao thông, môi trường và phản ánh hiện trường của người dân.",
      "Sở Thông tin và Truyền thông cho biết trung tâm tích hợp hơn 3.000 camera giám sát và dữ liệu của 30 quận, "
      "huyện, thị xã, giúp các cơ quan xử lý phản ánh của người dân nhanh hơn.",
      "Thành phố đặt mục tiêu đến năm 2025 toàn bộ các sở, ngành kết nối với trung tâm để chỉ đạo, điều hành "
      "trên môi trường số."]),
    ("ha-noi-tap-huan-an-toan-thong-tin-cho-can-bo-xa-phuong", "Thứ năm, 21/11/2024 15:05",
     "Tập huấn an toàn thông tin cho cán bộ xã, phường",
     ["Sở Thông tin và Truyền thông Hà Nội phối hợp với Cục An toàn thông tin tổ chức lớp tập huấn về an toàn "
      "thông tin mạng cho hơn 500 cán bộ, công chức cấp xã.",
      "Học viên được hướng dẫn nhận diện thư điện tử lừa đảo, bảo vệ tài khoản và dữ liệu trên các hệ thống "
      "thông tin của cơ quan nhà nước."]),
]


def mirror() -> None:
    """Two pages of Hà Nội's department as HTTrack mirrored them, its project index and cache."""
    project = CORPUS / "mirror-httrack"
    site = project / "stttt.hanoi.gov.vn" / "tin-tuc"
    site.mkdir(parents=True, exist_ok=True)
    (project / "hts-cache").mkdir(exist_ok=True)
    (project / "hts-cache" / "doit.log").write_text("-qwC2%Pns2u1%s%uN0%I0p3DaK0H0%kf2A25000%f#f -F \"Mozilla/4.5\"\n")
    (project / "index.html").write_text(HTTRACK_INDEX, encoding="utf-8")
    for slug, date_line, title, paragraphs in MIRRORED:
        page = portal_page(HANOI, "hanoi.gov.vn", title, date_line, paragraphs, [],
                           f"https://stttt.hanoi.gov.vn/tin-tuc/{slug}.htm")
        comment = (f"<!-- Mirrored from stttt.hanoi.gov.vn/tin-tuc/{slug}.htm by HTTrack Website Copier/3.x "
                   f"[XR&CO'2014], Fri, 22 Nov 2024 02:00:00 GMT -->\n")
        page = page.replace('<div class="attach-files"><span>Tệp đính kèm:</span><ul></ul></div>', "")
        (site / f"{slug}.html").write_text(page.replace("<html", comment + "<html", 1), encoding="utf-8")


if __name__ == "__main__":
    attachments()
    crawl()
    mirror()
