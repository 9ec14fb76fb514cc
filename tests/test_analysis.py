import unicodedata

from indexer.analysis import analyse, bigrams, canonical, fold_tokens, lowercase, segment, syllables


def test_tokenizer_keeps_offsets_into_the_text():
    text = "Hà Nội, 16/07/2020"
    tokens = list(syllables(text))
    assert [t.text for t in tokens] == ["Hà", "Nội", "16", "07", "2020"]
    assert all(text[t.start:t.end] == t.text for t in tokens)


def test_nfd_text_is_not_split_inside_words():
    tokens = list(syllables(unicodedata.normalize("NFD", "Hà Nội")))
    assert [t.text for t in tokens] == ["Hà", "Nội"]


def test_filters_compose():
    tokens = list(fold_tokens(lowercase(canonical(syllables("Thuỷ Lợi Đồng")))))
    assert [t.text for t in tokens] == ["thuy", "loi", "dong"]


def test_pyvi_groups_syllables_into_words():
    words = segment(list(syllables("Bộ Thông tin và Truyền thông tổ chức hội nghị chuyển đổi số", with_punct=True)))
    joined = ["_".join(t.text for t in w) for w in words]
    assert "Truyền_thông" in joined and "hội_nghị" in joined


def test_analyse_gives_accented_folded_compound_and_docnum_terms():
    a = analyse("Hoà Bình triển khai chuyển đổi số theo 458/TB-VP.")
    assert "hòa" in a.syl and "hoa" in a.sylf
    assert "chuyen_doi" in a.bigf and "doi_so" in a.bigf
    assert "chuyển_đổi" in a.words
    assert a.docnums == ["458/TB-VP"]
    assert bigrams(["a", "b", "c"]) == ["a_b", "b_c"]
