from indexer.docnumbers import doc_number_key, find_doc_numbers, find_query_doc_numbers


def test_document_numbers_in_text():
    text = ("Quyết định số 847/QĐ-BTTTT và 924/QĐ-BTTTT; Thông tư 13/2021/TT-BTTTT; "
            "Nghị quyết 17/NQ – CP; Thông báo 458/TB-VP; ngày 15/Tháng; tỷ lệ 3/4.")
    assert find_doc_numbers(text) == ["847/QĐ-BTTTT", "924/QĐ-BTTTT", "13/2021/TT-BTTTT", "17/NQ-CP", "458/TB-VP"]


def test_keys_ignore_case_and_d_stroke():
    assert doc_number_key("847/qđ-btttt") == doc_number_key("847/QD-BTTTT") == "847/QD-BTTTT"
    assert [k for _, _, k in find_query_doc_numbers("xem 458/tb-vp nhé")] == ["458/TB-VP"]
