"""Vietnamese alphabetical order (CLDR's Vietnamese collation): Đ after D, ă and â after a,
tones ngang, huyền, hỏi, ngã, sắc, nặng, only between words of the same letters."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from indexer.collation import sort_key, sorted_vi


def shuffled(values: list[str]) -> list[str]:
    out = list(values)
    random.Random(7).shuffle(out)
    return out


def test_letters_in_the_vietnamese_alphabet():
    alphabet = "a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y".split()
    assert sorted_vi(shuffled(alphabet)) == alphabet
    assert sorted(alphabet) != alphabet  # code points put ă, â, đ, ê, ô, ơ, ư after y


def test_tones_in_dictionary_order():
    tones = ["ma", "mà", "mả", "mã", "má", "mạ"]  # ngang, huyền, hỏi, ngã, sắc, nặng
    assert sorted_vi(shuffled(tones)) == tones
    assert sorted_vi(shuffled(["an", "ăn", "ân", "ản", "ắn", "ẩn", "ấn"])) == ["an", "ản", "ăn", "ắn", "ân", "ẩn", "ấn"]


def test_tones_only_break_ties_between_the_same_letters():
    # "bà" < "bác": the letters decide first (ba < bac), the tone only between ba, bà, bá
    assert sorted_vi(shuffled(["bác", "bà", "ba", "bạc", "bá", "bàn"])) == ["ba", "bà", "bá", "bác", "bạc", "bàn"]


def test_provinces_and_agencies():
    names = ["An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bạc Liêu", "Bến Tre", "Cà Mau", "Cao Bằng", "Điện Biên",
             "Đồng Nai", "Gia Lai", "Hà Nội", "Hải Phòng", "Ơ Rê", "Yên Bái"]
    assert sorted_vi(shuffled(names)) == ["An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bến Tre",
                                          "Cà Mau", "Cao Bằng", "Điện Biên", "Đồng Nai", "Gia Lai", "Hà Nội",
                                          "Hải Phòng", "Ơ Rê", "Yên Bái"]
    agencies = ["Sở Y tế Hòa Bình", "Bộ Y tế", "Bộ Tài chính", "Bộ Nội vụ", "Đài Phát thanh Lào Cai", "Bộ Thông tin và Truyền thông"]
    assert sorted_vi(agencies) == ["Bộ Nội vụ", "Bộ Tài chính", "Bộ Thông tin và Truyền thông", "Bộ Y tế",
                                   "Đài Phát thanh Lào Cai", "Sở Y tế Hòa Bình"]
    assert sort_key("Dương") < sort_key("Đà Nẵng") < sort_key("Ê-đê")


def test_tone_placement_and_case():
    assert sort_key("hoá") == sort_key("hóa") and sort_key("thuỷ") == sort_key("thủy")
    assert sort_key("an") < sort_key("An") < sort_key("ản")
    assert sorted_vi([{"value": "Đà Nẵng"}, {"value": "Cần Thơ"}], key=lambda f: f["value"])[0]["value"] == "Cần Thơ"


@given(st.lists(st.text(alphabet="aăâbdđeêoôơuư \u0300\u0301\u0303\u0309\u0323AĐ1-", max_size=8), max_size=8))
def test_the_order_does_not_depend_on_the_input_order(values):
    keys = [sort_key(v) for v in sorted_vi(values)]
    assert keys == sorted(keys)
    assert [sort_key(v) for v in sorted_vi(list(reversed(values)))] == keys
