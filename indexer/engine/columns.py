"""A generation's per-document arrays, read once when it is opened: the live documents, agency,
unit and kind values, dates as day, year and month, and the vocabulary "did you mean" draws on.

Facet counts, filters and date sorting read these arrays, never stored fields per hit. They are
plain numpy arrays and lists, built from the term dictionaries and posting lists of a
``store.IndexReader``, so that they can be kept, shared or mapped apart from Whoosh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator, Mapping, Protocol

import numpy as np

from ..textnorm import folded_key
from .fields import facet_value


class TermSource(Protocol):
    def documents(self) -> int: ...

    def live(self) -> np.ndarray: ...

    def document_frequencies(self, fieldname: str) -> dict[str, int]: ...

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray, int]: ...


@dataclass
class Column:
    """A many-valued field as arrays: value names, and for every (doc, value) pair the indices."""

    values: list[str]
    doc_idx: np.ndarray
    value_idx: np.ndarray

    @classmethod
    def read(cls, source: TermSource, fieldname: str) -> "Column":
        values: list[str] = []
        docs: list[np.ndarray] = []
        idx: list[np.ndarray] = []
        for term in source.document_frequencies(fieldname):
            ids = source.postings(fieldname, term)[0]
            docs.append(ids)
            idx.append(np.full(len(ids), len(values), dtype=np.int64))
            values.append(facet_value(term))
        if not values:
            return cls([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        return cls(values, np.concatenate(docs), np.concatenate(idx))

    def counts(self, mask: np.ndarray) -> list[tuple[str, int]]:
        """Documents per value among ``mask``, most first, then by name."""
        if not len(self.values):
            return []
        chosen = self.value_idx[mask[self.doc_idx]]
        counts = np.bincount(chosen, minlength=len(self.values)).tolist()
        ranked = sorted((i for i, c in enumerate(counts) if c), key=lambda i: (-counts[i], self.values[i]))
        return [(self.values[i], counts[i]) for i in ranked]

    def mask_for(self, wanted: Iterable[str], size: int) -> np.ndarray:
        """Documents carrying any of the ``wanted`` values."""
        index = {v: i for i, v in enumerate(self.values)}
        ids = [index[w] for w in wanted if w in index]
        mask = np.zeros(size, dtype=bool)
        if ids:
            mask[self.doc_idx[np.isin(self.value_idx, ids)]] = True
        return mask


@dataclass
class Columns:
    size: int  # document numbers, deleted ones included
    live: np.ndarray  # bool
    agency: Column
    unit: Column
    day_ordinal: np.ndarray  # int32, 0 = date unknown
    year: np.ndarray  # int32, 0 = unknown
    month: np.ndarray  # int32, 0 = unknown
    kind: Column  # "tin" or "văn bản"

    @classmethod
    def read(cls, source: TermSource) -> "Columns":
        size = source.documents()
        day = Column.read(source, "day")
        # dates are parsed once per distinct day, then spread to documents
        when = [None if value == "none" else date.fromisoformat(value) for value in day.values]
        arrays = []
        for part in (date.toordinal, lambda d: d.year, lambda d: d.month):
            array = np.zeros(size, dtype=np.int32)
            per_value = np.array([part(d) if d else 0 for d in when], dtype=np.int32)
            array[day.doc_idx] = per_value[day.value_idx]
            arrays.append(array)
        return cls(size, source.live(), Column.read(source, "agency"), Column.read(source, "units"), *arrays,
                   kind=Column.read(source, "kind"))

    @property
    def doc_count(self) -> int:
        return int(self.live.sum())


@dataclass(eq=False)  # compared as a mapping
class Vocabulary(Mapping[str, int]):
    """The folded syllables of the bodies with their document frequencies (a mapping, in term
    order), and the accented spelling the archive uses most for each: what "did you mean"
    suggests from. Kept as sorted arrays of UTF-8 bytes (looked up by binary search), so that
    they can be written once and memory-mapped by every server process (``mapped.py``)."""

    terms: np.ndarray  # bytes ("S"): the folded syllables, sorted
    df: np.ndarray  # int32, each one's document frequency
    accented: np.ndarray  # bytes ("S"): each one's most frequent accented spelling

    @classmethod
    def read(cls, source: TermSource) -> "Vocabulary":
        best: dict[str, tuple[int, str]] = {}
        for term, df in source.document_frequencies("body_accented").items():
            key = folded_key(term)
            if df > best.get(key, (0, ""))[0]:
                best[key] = (df, term)
        return cls.of(source.document_frequencies("body_folded"), {k: v[1] for k, v in best.items()})

    @classmethod
    def of(cls, folded: Mapping[str, int], accented: Mapping[str, str]) -> "Vocabulary":
        # code point order is UTF-8 byte order, the order the arrays are searched in
        names = sorted(folded)
        return cls(bytes_array([n.encode("utf-8") for n in names]),
                   np.array([folded[n] for n in names], dtype=np.int32),
                   bytes_array([accented.get(n, n).encode("utf-8") for n in names]))

    def _index(self, folded_syllable: str) -> int | None:
        key = folded_syllable.encode("utf-8")
        if not key or len(key) > self.terms.dtype.itemsize:
            return None  # longer than any term (numpy would cut it to the width and compare that)
        i = int(np.searchsorted(self.terms, key))
        return i if i < len(self.terms) and self.terms[i] == key else None

    def __getitem__(self, folded_syllable: str) -> int:
        i = self._index(folded_syllable)
        if i is None:
            raise KeyError(folded_syllable)
        return int(self.df[i])

    def __iter__(self) -> Iterator[str]:
        return (t.decode("utf-8") for t in self.terms.tolist())

    def __len__(self) -> int:
        return len(self.terms)

    def document_frequency(self, folded_syllable: str) -> int:
        i = self._index(folded_syllable)
        return 0 if i is None else int(self.df[i])

    def accented_form(self, folded_syllable: str) -> str:
        i = self._index(folded_syllable)
        return folded_syllable if i is None else self.accented[i].decode("utf-8")


def bytes_array(items: list[bytes]) -> np.ndarray:
    """``items`` as one fixed-width bytes array, as wide as the longest (at least one byte)."""
    return np.array(items, dtype=f"S{max(map(len, items), default=1) or 1}")
