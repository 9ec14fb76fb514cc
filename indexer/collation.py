"""Vietnamese alphabetical order, for facet values and lists.

Python sorts by code point: ``Đà Nẵng`` after ``Yên Bái``, ``Ân`` after ``Ơ``, ``bá`` before
``bà``. ``sort_key`` orders as the Unicode CLDR Vietnamese collation does (CLDR
``common/collation/vi.xml``, the "standard" tailoring, which follows Vietnamese dictionaries):

- letters, first: ``a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y``
  (``&a<ă<â &d<đ &e<ê &o<ô<ơ &u<ư``; f, j, w, z where the Latin alphabet has them);
- then tones, compared only between words of the same letters, in the order
  ngang (none), huyền, hỏi, ngã, sắc, nặng (``&̀<<̉<<̃<<́<<̣``: grave, hook above, tilde,
  acute, dot below);
- then case, lower before upper.

Spaces and punctuation sort before digits, digits before letters. Tone placement does not
matter (``hoá`` and ``hóa`` are one word: the key is taken on ``canonical_tones``).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Iterable, TypeVar

from .textnorm import canonical_tones

T = TypeVar("T")

_ALPHABET = "0123456789aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_PRIMARY = {ch: i + 10 for i, ch in enumerate(_ALPHABET)}
# tone marks as combining characters, in dictionary order after "no tone" (0)
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

CollationKey = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


@lru_cache(maxsize=4096)
def _char(ch: str) -> tuple[int, int, int]:
    """(letter weight, tone weight, case weight) of one NFC character."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = 0
    rest = []
    for part in decomposed:
        if part in _TONES:
            tone = _TONES[part]
        else:
            rest.append(part)
    base = unicodedata.normalize("NFC", "".join(rest))
    lower = base.lower()
    case = 0 if base == lower else 1
    if lower in _PRIMARY:
        return _PRIMARY[lower], tone, case
    if ch.isspace():
        return 0, 0, 0
    if not ch.isalnum():
        return 1, 0, 0  # punctuation, all equal at the first level: "Sở TT&TT" ~ "Sở TT TT"
    return 100 + ord(lower[0]) if lower else 1, tone, case  # other scripts, after Vietnamese


@lru_cache(maxsize=16384)  # the same facet values are ordered on every search page
def sort_key(text: str) -> CollationKey:
    """A key that sorts Vietnamese text in dictionary order (see the module docstring)."""
    chars = [_char(ch) for ch in canonical_tones(text or "")]
    return tuple(c[0] for c in chars), tuple(c[1] for c in chars), tuple(c[2] for c in chars)


def sorted_vi(values: Iterable[T], key=None) -> list[T]:
    """``values`` in Vietnamese order; ``key`` picks the text of each value (default: itself)."""
    pick = key or (lambda v: v)
    return sorted(values, key=lambda v: sort_key(str(pick(v))))
