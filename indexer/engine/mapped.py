"""A generation's arrays, written once when it is published and memory-mapped by every server
process.

Each server process (one per core) would otherwise make, and hold, its own copy of what a
generation needs besides Whoosh's files: the columns facets and dates read, the vocabulary of "did
you mean", every document's field lengths and BM25F norms, and the decoded postings of the
frequent terms, the costly ones to read (about a microsecond a posting from Whoosh's blocks). The
build writes them once, as plain read-only ``.npy`` files beside the index; every process maps
them, so the page cache holds one copy for all, and a process opens a generation warm: in
milliseconds instead of seconds, with the frequent terms already decoded.

    GENERATION/arrays/
      meta.json                  format, documents, facet value names, average field lengths, the
                                 ranking constants of the norms, and the shared terms in order:
                                 (field, term, document frequency)
      live.npy                   bool per document number
      agency.doc.npy, agency.value.npy, unit.doc.npy, unit.value.npy, kind.doc.npy, ...
                                 int32 (document, value) pairs of each value column (VALUE_COLUMNS)
      day_ordinal.npy, year.npy, month.npy
                                 int32 per document, 0 when unknown
      vocabulary.terms.npy, vocabulary.df.npy, vocabulary.accented.npy
                                 the folded syllables (UTF-8, sorted), their document frequencies
                                 and most frequent accented spellings
      lengths.FIELD.npy          float64: each document's length in a scored field, as Whoosh's scorer reads it
      norms.FIELD.npy            float64: BM25F's per-document norms under the constants in meta.json
      postings.ids.npy, postings.tf.npy, postings.start.npy
                                 int32 documents and float32 frequencies of the shared terms, one
                                 after another, and where each term's run starts (int64)

Nothing here is written after ``CURRENT`` names the generation, and a generation without this
folder (written before it existed) is read the slow way, from Whoosh's files.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .columns import Column, Columns, Vocabulary
from .fields import SCORED_FIELDS
from .ranking import Ranking, idf
from .store import IndexReader
from .terms import Postings

DIRECTORY = "arrays"
FORMAT = 1
# the columns of (document, value) pairs: agency, unit, kind (``Columns``' fields of type Column)
VALUE_COLUMNS = tuple(f.name for f in fields(Columns) if f.type in ("Column", Column))
# The shared terms: every scored term in at least SHARED_MIN_DF documents (more than one of
# Whoosh's 128-posting blocks), most frequent first, up to SHARED_POSTINGS postings in all (8 bytes
# each: 128 MB on disk at most, mapped, read by the page cache as queries touch them).
SHARED_MIN_DF = 128
SHARED_POSTINGS = 16_000_000
# With the frequent terms shared, each process caches the others it reads in at most this many
# postings (32 MB) of its own, instead of the TERM_CACHE_POSTINGS a generation read without arrays
# gets: N processes each filling 128 MB would multiply the memory by N.
PRIVATE_TERM_CACHE = 4_000_000


@dataclass
class SharedPostings:
    """The decoded postings of the frequent terms, mapped; ``get`` answers for those only."""

    ids: np.ndarray
    tf: np.ndarray
    start: np.ndarray
    slots: dict[tuple[str, str], tuple[int, int]]  # (field, term) -> (slot, document frequency)
    size: int  # documents of the generation (for the idf)

    def get(self, fieldname: str, text: str) -> Postings | None:
        found = self.slots.get((fieldname, text))
        if found is None:
            return None
        slot, df = found
        begin, end = int(self.start[slot]), int(self.start[slot + 1])
        return Postings(self.ids[begin:end], self.tf[begin:end], idf(df, self.size))

    def __len__(self) -> int:
        return len(self.slots)


@dataclass
class Mapped:
    """A generation's arrays, read from ``arrays/`` (or made from the index, to be written there)."""

    columns: Columns
    vocabulary: Vocabulary
    lengths: dict[str, tuple[np.ndarray, float]]  # field -> (lengths, average)
    norms: dict[str, np.ndarray]
    norms_ranking: tuple[float, float]  # (k1, b) the norms were computed with
    shared: SharedPostings

    def norms_for(self, ranking: Ranking) -> dict[str, np.ndarray]:
        """The stored norms if ``ranking`` has their constants, else none (to be computed)."""
        return self.norms if (ranking.k1, ranking.b) == self.norms_ranking else {}


def _save(folder: Path, name: str, array: np.ndarray) -> int:
    np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    return array.nbytes


def _load(folder: Path, name: str) -> np.ndarray:
    # a plain ndarray view of the mapping: no copy, and none of np.memmap's cost on every slice
    return np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False))


def write(directory: Path, ranking: Ranking = Ranking(), shared_postings: int = SHARED_POSTINGS,
          min_df: int = SHARED_MIN_DF) -> dict[str, Any]:
    """Write ``directory/arrays/`` for the finished index in ``directory``; returns what was
    written (for the build's report)."""
    started = time.monotonic()
    directory = Path(directory)
    folder = directory / DIRECTORY
    tmp = directory / f"{DIRECTORY}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    store = IndexReader(directory)
    try:
        columns = Columns.read(store)
        vocabulary = Vocabulary.read(store)
        written = _save(tmp, "live", columns.live)
        for name in VALUE_COLUMNS:
            column: Column = getattr(columns, name)
            written += _save(tmp, f"{name}.doc", column.doc_idx.astype(np.int32))
            written += _save(tmp, f"{name}.value", column.value_idx.astype(np.int32))
        for name in ("day_ordinal", "year", "month"):
            written += _save(tmp, name, getattr(columns, name).astype(np.int32))
        for name in ("terms", "df", "accented"):
            written += _save(tmp, f"vocabulary.{name}", getattr(vocabulary, name))
        averages = {}
        for fieldname in SCORED_FIELDS:
            lengths, averages[fieldname] = store.field_lengths(fieldname)
            written += _save(tmp, f"lengths.{fieldname}", lengths)
            written += _save(tmp, f"norms.{fieldname}", ranking.norms(lengths, averages[fieldname]))
        terms, postings = _write_shared(store, tmp, shared_postings, min_df)
        written += postings * 8
        meta = {"format": FORMAT, "documents": columns.size,
                "values": {name: getattr(columns, name).values for name in VALUE_COLUMNS},
                "averages": averages, "norms_ranking": [ranking.k1, ranking.b], "shared": terms}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        store.close()
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return {"seconds": round(time.monotonic() - started, 2), "bytes": written, "shared_terms": len(terms),
            "shared_postings": postings}


def _write_shared(store: IndexReader, folder: Path, budget: int, min_df: int) -> tuple[list[Any], int]:
    """The postings of the most frequent scored terms, up to ``budget`` postings in all."""
    candidates = [(df, fieldname, text) for fieldname in SCORED_FIELDS
                  for text, df in store.frequent_terms(fieldname, min_df).items()]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    terms: list[Any] = []
    ids_parts: list[np.ndarray] = []
    tf_parts: list[np.ndarray] = []
    starts = [0]
    for df, fieldname, text in candidates:
        ids, tf, _df = store.postings(fieldname, text)
        if starts[-1] + len(ids) > budget:
            break
        narrow = tf.astype(np.float32)
        if not (narrow == tf).all():
            continue  # a weight float32 cannot hold: left to the term cache, which keeps float64
        terms.append([fieldname, text, df])
        ids_parts.append(ids.astype(np.int32))
        tf_parts.append(narrow)
        starts.append(starts[-1] + len(ids))
    _save(folder, "postings.ids", np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int32))
    _save(folder, "postings.tf", np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32))
    _save(folder, "postings.start", np.array(starts, dtype=np.int64))
    return terms, starts[-1]


def load(directory: Path) -> Mapped | None:
    """The arrays of the generation in ``directory``, mapped; None when it has none (or of
    another format). Damaged files raise: such a generation is not opened."""
    folder = Path(directory) / DIRECTORY
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if meta.get("format") != FORMAT:
        return None
    size = int(meta["documents"])
    live = _load(folder, "live")
    day_ordinal, year, month = (_load(folder, name) for name in ("day_ordinal", "year", "month"))
    if not (len(live) == len(day_ordinal) == len(year) == len(month) == size):
        raise ValueError(f"{folder}: arrays of {len(live)} documents, meta.json says {size}")
    values = meta["values"]
    columns = Columns(size=size, live=live, day_ordinal=day_ordinal, year=year, month=month,
                      **{name: Column(values[name], _load(folder, f"{name}.doc"), _load(folder, f"{name}.value"))
                         for name in VALUE_COLUMNS})
    vocabulary = Vocabulary(*(_load(folder, f"vocabulary.{name}") for name in ("terms", "df", "accented")))
    lengths = {f: (_load(folder, f"lengths.{f}"), float(meta["averages"][f])) for f in SCORED_FIELDS}
    norms = {f: _load(folder, f"norms.{f}") for f in SCORED_FIELDS}
    start = _load(folder, "postings.start")
    slots = {(fieldname, text): (slot, int(df)) for slot, (fieldname, text, df) in enumerate(meta["shared"])}
    if len(start) != len(slots) + 1:
        raise ValueError(f"{folder}: {len(start) - 1} shared terms in postings.start, {len(slots)} in meta.json")
    shared = SharedPostings(_load(folder, "postings.ids"), _load(folder, "postings.tf"), start, slots, size)
    k1, b = meta["norms_ranking"]
    return Mapped(columns, vocabulary, lengths, norms, (float(k1), float(b)), shared)
