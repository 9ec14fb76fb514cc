"""Vietnamese text normalisation shared by extraction, analysis and the registry.

Three steps, each usable alone:
- ``nfc``: Unicode NFC (Windows-1258 pages and some editors produce decomposed tone marks).
- ``canonical_tones``: one tone-placement convention, the traditional one used by the
  government's own style (``hóa``, ``hòa``, ``thủy``), so ``hoá`` and ``hóa`` are one word.
- ``fold``: the diacritic-free form people type (``chuyển đổi số`` -> ``chuyen doi so``, ``đ`` -> ``d``).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below

# A syllable ending in "oa", "oe" or "uy" (not after "q", where "u" belongs to the consonant)
# carries the tone on the first vowel in the traditional convention: hoá -> hóa, thuỷ -> thủy.
# Working on NFD text keeps the rule to three base letters and five combining marks.
_NEW_STYLE = re.compile(
    rf"(?<![qQ])([oO])([aAeE])([{_TONES}])(?![\w\u0300-\u036f])"
    rf"|(?<![qQ])([uU])([yY])([{_TONES}])(?![\w\u0300-\u036f])"
)

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _swap_tone(match: re.Match[str]) -> str:
    # either way round, the tone mark and the vowel beside it trade places
    if match.group(1):
        return match.group(1) + match.group(3) + match.group(2)
    return match.group(4) + match.group(6) + match.group(5)


def canonical_tones(text: str) -> str:
    """Move tone marks of open ``oa``/``oe``/``uy`` syllables to the first vowel; returns NFC."""
    decomposed = unicodedata.normalize("NFD", text)
    if not any(mark in decomposed for mark in _TONES):
        return unicodedata.normalize("NFC", decomposed)
    # In NFD a dot below comes before a breve or circumflex ("ặ" = a + dot + breve), so the
    # pattern refuses a tone followed by another mark: "hoặc" is not an "oa" syllable.
    return unicodedata.normalize("NFC", _NEW_STYLE.sub(_swap_tone, decomposed))


# The traditional placement, as ``canonical_tones`` leaves it, for the way back.
_OLD_STYLE = re.compile(
    rf"(?<![qQ])([oO])([{_TONES}])([aAeE])(?![\w\u0300-\u036f])"
    rf"|(?<![qQ])([uU])([{_TONES}])([yY])(?![\w\u0300-\u036f])"
)


def modern_tones(text: str) -> str:
    """The inverse of ``canonical_tones``: tones of open ``oa``/``oe``/``uy`` syllables on the
    second vowel (``hóa`` -> ``hoá``, ``Ủy`` -> ``Uỷ``), the other placement pages use; NFC."""
    return unicodedata.normalize("NFC", _OLD_STYLE.sub(_swap_tone, unicodedata.normalize("NFD", text)))


def tone_spellings(text: str) -> set[str]:
    """The ways a page may write ``text`` (NFC, traditional placement, as ``canonical_tones``
    makes it): as it is, and in the modern placement. Snippets search these in the page's own
    text instead of rewriting every shown body."""
    return {text, modern_tones(text)}


def normalize(text: str) -> str:
    """NFC, one tone convention, control characters dropped: the form we store and index."""
    return canonical_tones(_CONTROL.sub("", text))


_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


def _fold_slow(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


class _FoldedChars(dict):
    """Each character's folded form, worked out the first time it is seen: ``str.translate``
    then folds a whole text at C speed (snippets fold every shown body)."""

    def __missing__(self, code: int) -> str:
        folded = _fold_slow(chr(code))
        self[code] = folded
        return folded


_FOLDED_CHARS = _FoldedChars()


# Long texts (a page's body, for its snippet) are folded through a table of code points with
# numpy: 8x faster than ``str.translate`` with a dict, which looks every character up in Python
# objects. The table covers the Latin and Vietnamese blocks, where a character folds to one.
_TABLE_SIZE = 0x3000  # Latin, Vietnamese, and the punctuation pages quote and dash with
_NO_ONE_CHAR = 0xFFFFFFFF
_LONG = 256


def _fold_table() -> np.ndarray:
    table = np.full(_TABLE_SIZE, _NO_ONE_CHAR, dtype=np.uint32)
    for code in range(_TABLE_SIZE):
        folded = _fold_slow(chr(code))
        if len(folded) == 1:
            table[code] = ord(folded)
    return table


_FOLD_TABLE_ARRAY = _fold_table()


def _fold_long(text: str) -> str | None:
    """``text`` folded character by character through the table, or None when a character is
    outside it (or folds to other than one character)."""
    try:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate
        return None
    if codes.max() >= _TABLE_SIZE:
        return None
    folded = _FOLD_TABLE_ARRAY[codes]
    if (folded == _NO_ONE_CHAR).any():
        return None
    return folded.tobytes().decode("utf-32-le")


def fold(text: str) -> str:
    """Remove every diacritic (``đ`` -> ``d``) and return NFC text of the same length in syllables."""
    if text.isascii():
        return text
    folded = (_fold_long(text) if len(text) >= _LONG else None) or text.translate(_FOLDED_CHARS)
    # Folding character by character equals folding the whole text whenever the result is NFC:
    # decomposition works per character and only combining marks (dropped) are reordered.
    # Otherwise (characters that compose across each other, as Hangul jamo do) fold it whole.
    return folded if unicodedata.is_normalized("NFC", folded) else _fold_slow(text)


def collapse_spaces(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def key(text: str) -> str:
    """A comparison key: normalised, lower case, spaces collapsed."""
    return collapse_spaces(normalize(text)).casefold()


def folded_key(text: str) -> str:
    return fold(key(text))
