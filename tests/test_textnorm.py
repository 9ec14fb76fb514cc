import unicodedata

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
