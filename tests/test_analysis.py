import unicodedata

from indexer.analysis import (accented_terms, analyse, bigrams, canonical, fold_terms, folded_terms, lowercase,
                              segment, syllables, token_texts, without_numbers)


def test_tokenizer_keeps_offsets_into_the_text():
    text = "Hà Nội, 16/07/2020"
    tokens = list(syllables(text))
    assert [t.text for t in tokens] == ["Hà", "Nội", "16", "07", "2020"]
    assert all(text[t.start:t.end] == t.text for t in tokens)


def test_nfd_text_is_not_split_inside_words():
    tokens = list(syllables(unicodedata.normalize("NFD", "Hà Nội")))
    assert [t.text for t in tokens] == ["Hà", "Nội"]


def test_filters_compose():
    terms = list(fold_terms(without_numbers(lowercase(canonical(token_texts(syllables("Thuỷ Lợi 2 Đồng", with_punct=True)))))))
    assert terms == ["thuy", "loi", "dong"]
    assert list(canonical(["hoá", "thuỷ", "Hoà"])) == ["hóa", "thủy", "Hòa"]


def test_pages_and_queries_share_the_chain():
    accented = accented_terms(syllables("Thuỷ lợi: 35 công trình"))
    assert accented == ["thủy", "lợi", "35", "công", "trình"]
    assert folded_terms(accented) == ["thuy", "loi", "cong", "trinh"]
    page = analyse("Thuỷ lợi: 35 công trình", segment_words=False)
    assert (page.accented, page.folded) == (accented, folded_terms(accented))


def test_pyvi_groups_syllables_into_words():
    words = segment(list(syllables("Bộ Thông tin và Truyền thông tổ chức hội nghị chuyển đổi số", with_punct=True)))
    joined = ["_".join(t.text for t in w) for w in words]
    assert "Truyền_thông" in joined and "hội_nghị" in joined


def test_analyse_gives_accented_folded_compound_and_docnum_terms():
    a = analyse("Hoà Bình triển khai chuyển đổi số theo 458/TB-VP.")
    assert "hòa" in a.accented and "hoa" in a.folded
    assert "chuyen_doi" in a.pairs and "doi_so" in a.pairs
    assert "chuyển_đổi" in a.words
    assert a.doc_numbers == ["458/TB-VP"]
    assert bigrams(["a", "b", "c"]) == ["a_b", "b_c"]
