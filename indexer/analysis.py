"""The Vietnamese analyser, in the manner of Whoosh's ``analysis``: a tokenizer, then small
filters, each usable and testable alone, in one chain for pages and queries:

    tokens = syllables(text)                          # tokenizer: NFC syllables (and punctuation) with offsets
    terms  = lowercase(canonical(token_texts(tokens)))  # one tone convention, lower case (accented_terms)
    folded = fold_terms(without_numbers(terms))       # what people type without diacritics (folded_terms)
    words  = word_terms(segment(tokens))              # pyvi's words (chuyển_đổi), from the tokens' own case
    pairs  = bigrams(folded)                          # adjacent pairs (chuyen_doi): phrases without positions

Vietnamese writes one syllable per space-separated unit, and a word is one or more syllables.
The index keeps both: syllables (so that any way of grouping a query still matches) and pyvi's
multi-syllable words (so that a query whose syllables form the same word ranks higher).
The tokenizer yields tokens with offsets (snippets and pyvi need them); the filters after it
work on the terms' text, cached per distinct syllable: on the corpus pages that is 1.0 ms a
page, and 2.6 ms with a new ``Token`` made by every filter.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from .docnumbers import DOC_NUMBER_RE, doc_number_key
from .textnorm import canonical_tones, fold, nfc


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # character offsets into the analysed text, for highlighting
    end: int
    kind: str = "syl"  # "syl" (word syllable or number) or "punct"


# pyvi's own syllabliser, with offsets: abbreviations with a dot, URLs, e-mails, numbers with
# separators, single punctuation marks, runs of word characters.
_SYLLABLE_RE = re.compile(
    r"(?P<syl>\w+://[^\s]+|[a-zA-Z0-9_.+-]+@(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+|\d+(?:[.,_]\d+)+|[^\W_]+)"
    r"|(?P<punct>[^\w\s]|_)"
)


def syllables(text: str, with_punct: bool = False) -> Iterator[Token]:
    """Tokenizer: syllables (and, for the segmenter, punctuation) of NFC text."""
    for match in _SYLLABLE_RE.finditer(nfc(text)):
        kind = "syl" if match.group("syl") else "punct"
        if kind == "punct" and not with_punct:
            continue
        yield Token(match.group(), match.start(), match.end(), kind)


def token_texts(tokens: Iterable[Token]) -> Iterator[str]:
    """The syllables' text, punctuation dropped: where the filters take over from the tokenizer."""
    for token in tokens:
        if token.kind == "syl":
            yield token.text


@lru_cache(maxsize=200_000)
def _canonical(syllable: str) -> str:
    return canonical_tones(syllable)


@lru_cache(maxsize=200_000)
def folded_term(term: str) -> str:
    """``fold`` of a term, cached: the same syllables come back on every page and in every query."""
    return fold(term)


def canonical(terms: Iterable[str]) -> Iterator[str]:
    """Filter: one tone-placement convention (hoá -> hóa)."""
    for term in terms:
        yield _canonical(term)


def lowercase(terms: Iterable[str]) -> Iterator[str]:
    """Filter: lower case."""
    for term in terms:
        yield term.lower()


def without_numbers(terms: Iterable[str]) -> Iterator[str]:
    """Filter: numbers left out. People quote "anh Nguyễn Văn A, 35 tuổi, ngụ xã" as "anh tuổi
    ngụ xã" far more often than they type the number inside a phrase."""
    for term in terms:
        if not is_number(term):
            yield term


def fold_terms(terms: Iterable[str]) -> Iterator[str]:
    """Filter: the diacritic-free form (đ -> d)."""
    for term in terms:
        yield folded_term(term)


def accented_terms(tokens: Iterable[Token]) -> list[str]:
    """The chain pages and queries share: syllables as written, one tone convention, lower case."""
    return list(lowercase(canonical(token_texts(tokens))))


def folded_terms(accented: Iterable[str]) -> list[str]:
    """``accented_terms`` without numbers and diacritics, in order (their pairs answer phrases)."""
    return list(fold_terms(without_numbers(accented)))


@lru_cache(maxsize=1)
def _pyvi():
    # pyvi loads a CRF model and a word list at import (about 2 s); only pay that when segmenting.
    from pyvi.ViTokenizer import ViTokenizer

    return ViTokenizer


_MAX_SENTENCE = 400  # syllables per CRF call; sentences are shorter, run-on dumps are cut there


def _features(texts: list[str]) -> list[dict]:
    """pyvi's CRF features (``ViTokenizer.word2features``), the same keys and values, computed
    once per token and per pair instead of once per neighbour: segmentation is the slowest
    step of a build, and this is a third of it."""
    vi = _pyvi()
    bi, tri = vi.bi_grams, vi.tri_grams
    n = len(texts)
    low = [t.lower() for t in texts]
    upper = [t.isupper() for t in texts]
    title = [t.istitle() for t in texts]
    pair = [f"{low[i]} {low[i + 1]}" in bi for i in range(n - 1)]
    triple = [f"{low[i]} {low[i + 1]} {low[i + 2]}" in tri for i in range(n - 2)]
    out = []
    for i in range(n):
        f = {"bias": 1.0, "word.lower()": low[i], "word.isupper()": upper[i], "word.istitle()": title[i],
             "word.isdigit()": texts[i].isdigit()}
        if i > 0:
            f["-1:word.lower()"] = low[i - 1]
            f["-1:word.istitle()"] = title[i - 1]
            f["-1:word.isupper()"] = upper[i - 1]
            f["-1:word.bi_gram()"] = pair[i - 1]
            if i > 1:
                f["-2:word.tri_gram()"] = triple[i - 2]
        if i < n - 1:
            f["+1:word.lower()"] = low[i + 1]
            f["+1:word.istitle()"] = title[i + 1]
            f["+1:word.isupper()"] = upper[i + 1]
            f["+1:word.bi_gram()"] = pair[i]
            if i < n - 2:
                f["+2:word.tri_gram()"] = triple[i]
        out.append(f)
    return out


def segment(tokens: list[Token]) -> list[list[Token]]:
    """Filter: group syllables into words with pyvi's CRF, applying pyvi's own joining rules.

    Takes the output of ``syllables(..., with_punct=True)`` (original case, which pyvi's
    features use) and returns words as lists of syllable tokens; punctuation is dropped.
    """
    vi = _pyvi()
    words: list[list[Token]] = []
    for begin in range(0, len(tokens), _MAX_SENTENCE):
        chunk = tokens[begin : begin + _MAX_SENTENCE]
        if not chunk:
            continue
        texts = [t.text for t in chunk]
        labels = vi.model.predict_single(_features(texts))
        current: list[Token] = []
        for i, token in enumerate(chunk):
            joins = (
                i > 0
                and current
                and labels[i] == "I_W"
                and texts[i] not in string.punctuation
                and texts[i - 1] not in string.punctuation
                and not texts[i][0].isdigit()
                and not texts[i - 1][0].isdigit()
                and not (texts[i][0].istitle() and not texts[i - 1][0].istitle())
            )
            if joins:
                current.append(token)
                continue
            if current:
                words.append(current)
            current = [token] if token.kind == "syl" else []
        if current:
            words.append(current)
    return words


def word_terms(words: list[list[Token]]) -> list[str]:
    """Multi-syllable words as single terms (``chuyển_đổi``), through the same filters."""
    return ["_".join(lowercase(canonical(t.text for t in word))) for word in words if len(word) > 1]


def bigrams(terms: list[str]) -> list[str]:
    """Adjacent pairs (``chuyen_doi``, ``doi_so``): cheap adjacency without positional queries."""
    return [f"{a}_{b}" for a, b in zip(terms, terms[1:])]


@dataclass(frozen=True)
class Analysed:
    """Everything the index stores about one text, as lists of terms."""

    accented: list[str]  # syllables as written and numbers, in order
    folded: list[str]  # without diacritics and numbers, in order
    words: list[str]  # pyvi's multi-syllable words
    pairs: list[str]  # adjacent pairs of the folded syllables
    doc_numbers: list[str]  # document-number keys


def analyse(text: str, segment_words: bool = True) -> Analysed:
    """Analyse a page's text (its title or body). Segmentation can be skipped for short fields."""
    tokens = list(syllables(text, with_punct=True))
    accented = accented_terms(tokens)
    folded = folded_terms(accented)
    words = word_terms(segment(tokens)) if segment_words else []
    numbers = list(dict.fromkeys(doc_number_key(m.group()) for m in DOC_NUMBER_RE.finditer(text)))
    return Analysed(accented=accented, folded=folded, words=words, pairs=bigrams(folded), doc_numbers=numbers)


def load_segmenter() -> None:
    """Load pyvi's model now (about 2 s), e.g. before forking workers that will share it."""
    _pyvi()


def is_number(syllable: str) -> bool:
    return syllable[:1].isdigit()
