import unicodedata

import pytest

from indexer.decode import UndecodableError, decode_page

TEXT = "Sở Thông tin và Truyền thông tỉnh Lào Cai tổ chức hội nghị chuyển đổi số, thủy lợi, Hòa Bình."


def page(body: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>x</title></head><body><p>{body}</p></body></html>"


def cp1258(text: str) -> bytes:
    # Windows-1258 has few precomposed letters: tone marks are separate combining bytes
    # ("ở" = "ơ" + hook above), the way Windows-1258 pages store them.
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            nfd = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in tones))
            out += (base + "".join(c for c in nfd if c in tones)).encode("cp1258")
    return bytes(out)


def test_utf8_declared_and_undeclared():
    assert TEXT in decode_page(page(TEXT, '<meta charset="utf-8">').encode()).text
    assert TEXT in decode_page(page(TEXT).encode()).text


def test_windows_1258_is_normalised_to_nfc():
    raw = cp1258(page(TEXT, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'))
    decoded = decode_page(raw)
    assert decoded.encoding == "cp1258"
    assert TEXT in decoded.text


def test_windows_1258_without_declaration():
    assert TEXT in decode_page(cp1258(page(TEXT))).text


def test_wrong_declaration_utf8_wins():
    raw = page(TEXT, '<meta charset="windows-1258">').encode("utf-8")
    assert TEXT in decode_page(raw).text


def test_nfd_utf8_becomes_nfc():
    raw = unicodedata.normalize("NFD", page("thuỷ lợi Hoà Bình")).encode()
    assert "thuỷ lợi Hoà Bình" in decode_page(raw).text  # tone convention comes later, per field


@pytest.mark.parametrize("raw, reason", [
    (b"", "empty"),
    (b"   \n\t ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
])
def test_bad_input_gives_a_reason(raw, reason):
    with pytest.raises(UndecodableError, match=reason):
        decode_page(raw)


def test_legacy_tcvn3_is_detected():
    # "Bộ Thông tin và Truyền thông tổ chức hội nghị" typed in the TCVN3 (ABC) font, read as bytes
    tcvn3 = "Bé Th«ng tin vµ TruyÒn th«ng tæ chøc héi nghÞ s¬ kÕt c«ng t¸c 6 th¸ng ®Çu n¨m, triÓn khai nhiÖm vô "
    raw = page(tcvn3 * 3).encode("cp1252")
    with pytest.raises(UndecodableError, match="TCVN3"):
        decode_page(raw)
