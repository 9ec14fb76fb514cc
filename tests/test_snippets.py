"""Snippet windows: cut from the document's own text, escaped, with the query read as a phrase
where the text has it."""

from hypothesis import given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- highlights that follow the query plan

import pytest  # noqa: E402

from indexer.query import parse_query  # noqa: E402
from indexer.snippets import highlight_plan, keep_lone, plan_marks, snippet_plan  # noqa: E402


@pytest.fixture(scope="module")
def corpus_df():
    """Document frequencies of corpus/'s syllables, accented and folded, as the engine gives them."""
    from collections import Counter
    from pathlib import Path

    from indexer.analysis import syllables
    from indexer.extract import extract_file
    from indexer.textnorm import canonical_tones, fold

    root = Path(__file__).resolve().parents[1] / "corpus"
    counts: Counter = Counter()
    pages = [p for p in root.rglob("*") if p.suffix in (".html", ".txt")]
    for path in pages:
        article = extract_file(path, root)
        words = {canonical_tones(t.text).lower() for t in syllables(article.title + " " + article.body)}
        counts.update(words | {fold(w) for w in words})
    return counts.__getitem__, len(pages)


SENTENCE = ("Sở Thông tin và Truyền thông tỉnh Lào Cai đẩy mạnh chuyển đổi số; một số đội ngũ cán bộ "
            "của Sở được tập huấn.")


def marked(html: str) -> list[str]:
    import re

    return re.findall(r"<mark>(.*?)</mark>", html)


@pytest.mark.parametrize("query", ["chuyen doi so", "chuyển đổi số", "Chuyển Đổi Số"])
def test_a_several_word_query_marks_its_run_not_lone_look_alikes(query, corpus_df):
    assert marked(highlight_plan(SENTENCE, parse_query(query), *corpus_df)) == ["chuyển đổi số"]


def test_document_number_name_and_quoted_phrase_are_one_mark_each():
    text = ("Theo Thông báo số 458/TB-VP, Bộ TT&TT giao Vụ Thi đua - Khen thưởng tổ chức cụm thi đua số 4; "
            "công tác thi đua được ghi nhận.")
    assert marked(highlight_plan(text, parse_query("458/TB-VP"))) == ["458/TB-VP"]
    assert marked(highlight_plan(text, parse_query("Bộ TT&amp;TT".replace("&amp;", "&")))) == ["Bộ TT&amp;TT"]
    # the quoted phrase, and not its "thi đua" elsewhere
    assert marked(highlight_plan(text, parse_query('"cụm thi đua"'))) == ["cụm thi đua"]
    assert marked(highlight_plan(text, parse_query('"cụm thi đua" 458/TB-VP'))) == ["458/TB-VP", "cụm thi đua"]


def test_an_agency_typed_short_marks_its_full_name_too():
    text = "Bộ Thông tin và Truyền thông (Bộ TT&TT) phối hợp với Sở Thông tin và Truyền thông Phú Thọ."
    from indexer.registry import Registry

    marks = marked(highlight_plan(text, parse_query("Bộ TT&TT"), aliases=Registry.default().alias_forms))
    assert marks == ["Bộ Thông tin và Truyền thông", "Bộ TT&amp;TT"]


def test_a_lone_syllable_is_marked_when_it_is_the_only_match_of_the_passage(corpus_df):
    # a title that matched the query only by scattered words still shows why
    title = "Sở Y tế Hòa Bình tổ chức hội nghị đổi mới"
    assert marked(highlight_plan(title, parse_query("chuyen doi so"), *corpus_df)) == ["Sở", "đổi"]


def test_a_rare_lone_word_is_marked_beside_a_run(corpus_df):
    text = "Thực hiện chuyển đổi số, người dân dùng VNeID khi khám bệnh; một số bệnh viện đã sẵn sàng."
    df, pages = corpus_df
    assert 0 < df("vneid") <= 2 and df("so") > pages // 2
    assert marked(highlight_plan(text, parse_query("chuyen doi so vneid"), df, pages)) == ["chuyển đổi số", "VNeID"]
    # without the index's frequencies nothing is known to be rare: the run alone
    assert marked(highlight_plan(text, parse_query("chuyen doi so vneid"))) == ["chuyển đổi số"]


def test_a_one_word_query_marks_every_hit_and_accents_typed_are_respected():
    assert marked(highlight_plan(SENTENCE, parse_query("so"))) == ["Sở", "số", "số", "Sở"]
    assert marked(highlight_plan(SENTENCE, parse_query("sở"))) == ["Sở", "Sở"]
    # a mistyped tone (sô) that the text never writes: any accents
    assert "chuyển đổi số" in marked(highlight_plan(SENTENCE, parse_query("chuyen doi sô")))


def test_plan_snippet_prefers_the_run_and_escapes(corpus_df):
    body = ("Sở Y tế, Sở Tài chính và một số đơn vị đội ngũ cán bộ <b>đổi</b> mới. " + "Câu đệm không liên quan. " * 12
            + "Tỉnh đẩy mạnh chuyển đổi số trong mọi lĩnh vực.")
    result = snippet_plan(body, parse_query("chuyen doi so"), *corpus_df, width=120)
    assert marked(result) == ["chuyển đổi số"] and result.startswith("…")
    assert "<b>" not in snippet_plan(body, parse_query("doi moi"), width=400)


def test_plan_marks_never_overlap():
    text = "Quyết định số 749/QĐ-TTg phê duyệt Chương trình chuyển đổi số quốc gia: chuyển đổi số"
    marks = plan_marks(text, parse_query('"chuyển đổi số" 749/QĐ-TTg chuyen doi so quoc gia'))
    assert all(a.end <= b.start for a, b in zip(marks, marks[1:]))
    assert [text[m.start:m.end] for m in marks if m.lone] == ["số"]  # "Quyết định số": dropped by keep_lone
    assert [text[m.start:m.end] for m in keep_lone(marks)] == ["749/QĐ-TTg", "chuyển đổi số quốc gia", "chuyển đổi số"]


def test_the_old_api_is_unchanged():
    assert highlight("Sở & số", {"so"}) == "<mark>Sở</mark> &amp; <mark>số</mark>"
    assert highlight_plan("Sở & số", None) == "Sở &amp; số"
    assert snippet_plan("", parse_query("so")) == "" and snippet_plan("abc", None) == "abc"


def test_plan_marks_keep_offsets_in_texts_whose_case_or_folding_changes_length():
    # "İ" lower-cases to two characters and a decomposed "ố" folds to fewer: marks still land
    # on the page's own characters
    text = "İstanbul và chuyển đổi số; Chuyê\u0309n đổi số"
    result = highlight_plan(text, parse_query("chuyen doi so"))
    assert "<mark>chuyển đổi số</mark>" in result and result.startswith("İstanbul")


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("so chuyen doi _-.xSOđ1 tt&\n"), max_size=80),
       terms=st.sets(st.sampled_from(["so", "chuyen", "doi", "s", "tt&tt", "o", "x", "1"]), min_size=1))
def test_whole_words_are_found_as_the_whole_word_pattern_finds_them(text, terms):
    from indexer.snippets import word_pattern

    words = word_pattern(frozenset(terms))
    assert [m.span() for m in words.finditer(text)] == [m.span() for m in words.pattern.finditer(text)]
    first = words.pattern.search(text)
    assert (words.search(text) and words.search(text).span()) == (first and first.span())
