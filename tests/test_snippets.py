"""Snippet windows: cut from the document's own text, escaped, with the query read as a phrase
where the text has it."""

from indexer.snippets import highlight, snippet


def test_window_with_the_words_in_a_row_beats_scattered_hits():
    # the first window has as many adjacent pairs (two "chuyển đổi") and every word, scattered
    body = (
        "Hỗ trợ chuyển đổi sim và chuyển đổi thẻ, tra cứu số dư. " + "Nội dung khác không liên quan. " * 12
        + "Theo báo cáo, thành phố đi đầu về chuyển đổi số trong khu vực."
    )
    result = snippet(body, {"chuyen", "doi", "so"}, width=120)
    assert "<mark>chuyển đổi số</mark>" in result
    assert result.startswith("…") and "sim" not in result


def test_the_first_of_equal_windows_is_chosen_and_starts_at_its_sentence():
    body = "Mở đầu. Ngày Chuyển đổi số quốc gia được tổ chức. " + "Câu đệm. " * 40 + "Bàn về chuyển đổi số lần nữa."
    result = snippet(body, {"chuyen", "doi", "so"}, width=80)
    assert result.startswith("…Ngày <mark>Chuyển đổi số</mark> quốc gia")


def test_accented_terms_mark_exact_words_and_text_is_escaped():
    body = 'Sở ban hành <b>"số"</b> văn bản; số liệu <script>x</script>'
    result = snippet(body, {"số"})
    assert "<mark>số</mark>" in result and "<mark>Sở</mark>" not in result
    assert "<script>" not in result and "&lt;script&gt;" in result
    assert highlight("Sở & số", {"so"}) == "<mark>Sở</mark> &amp; <mark>số</mark>"


def test_no_hits_gives_the_opening_words_cut_at_a_space():
    body = "Một hai ba bốn năm sáu bảy tám chín mười " * 20
    result = snippet(body, {"khong"}, width=50)
    assert result.endswith("…") and not result.startswith("…")
    assert len(result) <= 51 and not result[:-1].endswith(" ")
