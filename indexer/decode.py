"""Bytes of a saved page -> Unicode text, whatever the page claims about itself.

Archived government pages come as UTF-8, Windows-1258 (with decomposed tone marks), UTF-8 with
no declaration or a wrong one, NFD text from Mac editors, and now and then the pre-Unicode
Vietnamese font encodings (TCVN3/ABC, VNI) that browsers render only with special fonts.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .textnorm import nfc

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UndecodableError(ValueError):
    """The bytes are not text we can index; the message says why."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)

# Letters that TCVN3 (ABC) and VNI put where a single-byte Western page would have symbols. Real
# Vietnamese in those fonts is dense with them; correct Unicode Vietnamese never contains them
# at that density, so a share above a few percent of letters is a reliable sign.
_TCVN3_MARKS = re.compile("[¸µ¶·¹¨»¾¼½Æ©ÇÊÈÉËª®¬\xad«ÐÎÌÏÑ§ãßáâäåèæçéíêëìîóïñòôõøöùúüûýþ]")
_VNI_MARKS = re.compile(r"[aeouyAEOUY][ùøûõïáàåãäâ]|[öô][ùøûõïø]|ñ")
_LETTER = re.compile(r"[^\W\d_]")
_VIETNAMESE = re.compile("[\u1ea0-\u1ef9đĐơƠưƯăĂ]")


def _declared(raw: bytes) -> str | None:
    head = raw[:4096]
    match = _XML_DECL.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").strip().lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) * 0.01


def legacy_font(text: str) -> str | None:
    """Name the pre-Unicode font encoding ``text`` was typed in, if it looks like one."""
    if len(_VIETNAMESE.findall(text[:20_000])) > 50:
        return None  # plainly Unicode Vietnamese: the common case, decided cheaply
    text = re.sub(r"<[^>]*>", " ", text[:50_000])  # markup and attributes are ASCII noise
    letters = len(_LETTER.findall(text))
    if letters < 40:
        return None
    if len(_VIETNAMESE.findall(text)) > letters * 0.02:
        return None  # real Unicode Vietnamese
    if len(_TCVN3_MARKS.findall(text)) > letters * 0.04:
        return "TCVN3"
    if len(_VNI_MARKS.findall(text)) > letters * 0.03:
        return "VNI"
    return None


def decode_page(raw: bytes) -> Decoded:
    """Decode a page and normalise it; raise ``UndecodableError`` with a reason otherwise."""
    if not raw.strip():
        raise UndecodableError("empty file")
    if raw.startswith(codecs.BOM_UTF8):
        text, encoding = raw[3:].decode("utf-8", "replace"), "utf-8"
    elif raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        text, encoding = raw.decode("utf-16", "replace"), "utf-16"
    elif _looks_binary(raw):
        raise UndecodableError("binary content, not a text page")
    else:
        text, encoding = _decode_unmarked(raw)
    font = legacy_font(text)
    if font:
        raise UndecodableError(f"legacy {font} font encoding (pre-Unicode Vietnamese); not converted")
    # NFC here; the tone convention is applied to the extracted fields, which is far less text.
    return Decoded(nfc(_CONTROL.sub("", text)), encoding)


def _decode_unmarked(raw: bytes) -> tuple[str, str]:
    # Valid UTF-8 with multibyte sequences is UTF-8 whatever the page declares: the chance of
    # Windows-1258 Vietnamese forming valid UTF-8 by accident is nil, and wrong declarations are common.
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        mostly_utf8 = err.start > len(raw) * 0.9  # a page truncated mid-character
    declared = _declared(raw)
    if mostly_utf8 and declared in (None, "utf-8"):
        return raw.decode("utf-8", "replace"), "utf-8"
    if declared and declared not in ("utf-8", "utf-16", "utf-32"):
        return raw.decode(declared, "replace"), declared
    best = from_bytes(raw[:200_000], cp_isolation=["utf_8", "cp1258", "cp1252", "latin_1"]).best()
    if best is None:
        return raw.decode("cp1258", "replace"), "windows-1258"
    name = codecs.lookup(best.encoding).name
    if name in ("cp1252", "latin-1", "iso8859-1", "iso8859-15"):
        # Windows-1258 and -1252 share most bytes; Vietnamese pages use the former.
        name = "cp1258"
    return raw.decode(name, "replace"), name
