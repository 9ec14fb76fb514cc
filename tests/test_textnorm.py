import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.textnorm import canonical_tones, fold, key, normalize


def test_tone_placement_is_one_convention():
    assert canonical_tones("hoá") == canonical_tones("hóa") == "hóa"
    assert canonical_tones("thuỷ") == "thủy"
    assert canonical_tones("Hoà Bình") == "Hòa Bình"
    assert canonical_tones("uỷ ban") == "ủy ban"


def test_tone_rule_leaves_other_syllables_alone():
    for word in ("quả", "quá", "Quý", "hoàn", "thuận", "khuya", "người", "hoặc", "Hoặc", "xoắn"):
        assert canonical_tones(word) == word


def test_nfd_input_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Hà Nội thuỷ lợi")
    assert normalize(decomposed) == "Hà Nội thủy lợi"
    assert unicodedata.is_normalized("NFC", normalize(decomposed))


def test_fold_removes_every_mark_and_d_stroke():
    assert fold("Chuyển đổi số Đặng") == "Chuyen doi so Dang"
    assert key("  Bộ  TT&TT ") == "bộ tt&tt"


def _fold_whole(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def test_fold_character_by_character_equals_folding_the_whole_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    samples = ["Chuyển đổi số ĐÀ NẴNG", "e\u0301 tách dấu", "\u0301 dấu đứng riêng", "\u1100\u1161\u11a8 jamo",
               "ǅ ﬁ Ǖǘ", "Ñandú"]
    for text in samples:
        assert fold(text) == _fold_whole(text)

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
    def check(text: str) -> None:
        assert fold(text) == _fold_whole(text)

    check()


def test_tone_spellings_are_the_two_placements_and_lead_back():
    from indexer.textnorm import tone_spellings

    assert tone_spellings("hóa") == {"hóa", "hoá"}
    assert tone_spellings("thủy") == {"thủy", "thuỷ"}
    assert tone_spellings("quá") == {"quá"} and tone_spellings("hoặc") == {"hoặc"} and tone_spellings("hoàn") == {"hoàn"}
    for word in ("hòa", "khỏe", "thủy", "lũy", "xóa", "Hòa"):
        assert {canonical_tones(s) for s in tone_spellings(word)} == {word}


VIETNAMESE = "aàảãáạăằẳẵắặâầẩẫấậđeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵ" \
             "AÀÁĂÂĐÊÔƠƯ .,“”–…\n0123456789"


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.one_of(st.sampled_from(VIETNAMESE), st.characters()), min_size=256, max_size=600))
def test_long_texts_fold_as_character_by_character(text):
    """A long text goes through the code-point table; it must fold exactly as the per-character
    translation does (and fall back to it for what the table does not hold)."""
    from indexer.textnorm import _FOLDED_CHARS, _fold_slow

    by_character = text.translate(_FOLDED_CHARS)
    expected = by_character if unicodedata.is_normalized("NFC", by_character) else _fold_slow(text)
    assert fold(text) == expected
