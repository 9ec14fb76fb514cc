"""A page's own document number (Số hiệu: what it publishes or announces) apart from the numbers
it only cites, on the seeds, on corpus/ pages and on sentences written the ways portals write."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.clean import clean_html, clean_text_dump
from indexer.decode import decode_page
from indexer.docnumbers import classify_doc_numbers, find_doc_numbers
from indexer.extract import extract_file

from conftest import CORPUS, shared_path


def roles_of(path: Path, root: Path):
    article = extract_file(path, root)
    text = decode_page(path.read_bytes()).text
    cleaned = clean_html(text) if path.suffix == ".html" else clean_text_dump(text)
    return classify_doc_numbers(article.title, article.body, article.doc_numbers, cleaned.preamble)


def test_seeds_the_notice_owns_its_number_and_the_report_only_cites():
    seeds = shared_path("seeds")
    notice = roles_of(seeds / "003_aabe5bf2301142d2.txt", seeds)  # "Thông báo Số: 458/TB-VP ..."
    assert notice.own == ["458/TB-VP"] and notice.cited == ["76/NĐ-CP"]
    report = roles_of(seeds / "002_bd57991507275be5.txt", seeds)  # a meeting that mentions two decisions
    assert report.own == [] and report.cited == ["847/QĐ-BTTTT", "924/QĐ-BTTTT"]


@pytest.mark.parametrize("path, own, cited", [
    ("bvhttdl-gov-vn/2012/thong-bao-so-96-tb-vp-ket-luan-cua-thu-truong-le-quang-vinh-tai-cuoc-hop-ve-ung.html",
     ["96/TB-VP"], ["30c/NQ-CP"]),
    ("bvhttdl-gov-vn/2015/bo-van-hoa-the-thao-va-du-lich-cong-bo-thu-tuc-hanh-chinh-thuc-hien-truc-tuyen.html",
     ["4120/QĐ-BVHTTDL"], ["36a/NQ-CP", "458/TB-VP"]),
    ("dumps/moha-2014-thong-bao-86-tb-bnv-ket-luan-van-thu-luu-tru.txt", ["86/TB-BNV"], []),
    ("mic-gov-vn/2019/bo-tt-tt-trien-khai-nghi-quyet-17-nq-cp-ve-phat-trien-chinh-phu-dien-tu.html", [], ["17/NQ-CP"]),
    ("mic-gov-vn/2020/chuong-trinh-chuyen-doi-so-quoc-gia-doanh-nghiep-nho-va-vua-la-trong-tam.html", [], ["749/QĐ-TTg"]),
    ("mof-gov-vn/2021/trien-khai-hoa-don-dien-tu-theo-nghi-dinh-123-2020-nd-cp-95858.html", [],
     ["123/2020/NĐ-CP", "78/2021/TT-BTC"]),
    ("sotttt-laocai-gov-vn/2021/lao-cai-phe-duyet-de-an-chuyen-doi-so-giai-doan-2021-2025.html", [],
     ["749/QĐ-TTg", "118/KH-UBND"]),
])
def test_corpus_pages(path, own, cited):
    roles = roles_of(CORPUS / path, CORPUS)
    assert (roles.own, roles.cited) == (own, cited)


def test_749_is_cited_by_every_corpus_page_that_names_it():
    # the example: 749/QĐ-TTg showed as the number of many pages that merely cite it
    pages = [p for p in CORPUS.rglob("*") if p.suffix in (".html", ".txt")]
    naming = [roles_of(p, CORPUS) for p in pages if "749/QĐ-TTg" in extract_file(p, CORPUS).doc_numbers]
    assert len(naming) >= 5
    assert all("749/QĐ-TTg" in r.cited and "749/QĐ-TTg" not in r.own for r in naming)


@pytest.mark.parametrize("title, body, own", [
    ("Quyết định số 847/QĐ-BTTTT về việc thành lập Ban Biên tập", "Bộ trưởng quyết định thành lập.", ["847/QĐ-BTTTT"]),
    ("Ban hành Quy chế", "Ngày 6/5/2022, Bộ trưởng Bộ TT&TT đã ký Quyết định số 847/QĐ-BTTTT ban hành Quy chế.",
     ["847/QĐ-BTTTT"]),
    ("Quy chế mới", "Quyết định số 847/QĐ-BTTTT vừa được ban hành, thay thế quy chế cũ.", ["847/QĐ-BTTTT"]),
    ("Chính phủ vừa ban hành nghị định mới",
     "Chính phủ vừa ban hành Nghị định số 71/2019/NĐ-CP quy định xử phạt vi phạm hành chính.", ["71/2019/NĐ-CP"]),
    ("Triển khai chuyển đổi số",
     "Thực hiện Quyết định số 749/QĐ-TTg ngày 3/6/2020 của Thủ tướng Chính phủ phê duyệt Chương trình, Sở ban hành kế hoạch.",
     []),
    ("Hội nghị", "Chương trình được Thủ tướng phê duyệt tại Quyết định số 749/QĐ-TTg ngày 03/6/2020.", []),
    ("Hội nghị", "Sáng 5/3, Sở tổ chức hội nghị.\nBộ trưởng đã ký Quyết định số 847/QĐ-BTTTT ban hành Quy chế.", []),
    ("Kết luận của Thứ trưởng", "458/TB-VP\nNgày 29/10, Thứ trưởng chủ trì cuộc họp.", ["458/TB-VP"]),
    ("Kết luận của Thứ trưởng", "Số: 458/TB-VP\nNgày 29/10, Thứ trưởng chủ trì cuộc họp.", ["458/TB-VP"]),
])
def test_sentences(title, body, own):
    numbers = find_doc_numbers(f"{title}\n{body}")
    roles = classify_doc_numbers(title, body, numbers)
    assert roles.own == own
    assert roles.cited == [n for n in numbers if n not in own]


def test_numbers_written_differently_are_one_document_and_nothing_is_lost():
    roles = classify_doc_numbers("Thông báo 458/TB-VP", "Theo thông báo 458/tb-vp ...", ["458/TB-VP"])
    assert roles.own == ["458/TB-VP"] and roles.cited == []
    heading = classify_doc_numbers("Kết luận", "Nội dung.", ["1/TB-VP", "2/NĐ-CP"], preamble="Số: 1/TB-VP")
    assert heading.own == ["1/TB-VP"] and heading.cited == ["2/NĐ-CP"]
    empty = classify_doc_numbers("", "", [])
    assert empty.own == [] and empty.cited == []
