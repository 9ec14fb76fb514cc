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
      documents.blob             every live document's path, a NUL, and its article as stored
                                 (zlib'd JSON), one after another: read without Whoosh's stored
                                 fields (half the cost of a hit)
      documents.start.npy        int64: where each document number's record starts (size + 1)
      documents.ids.npy          bytes: each document number's id (empty for a deleted one)
      documents.by_id.npy        int32: the document numbers in the order of their ids (to find one)

Nothing here is written after ``CURRENT`` names the generation, and a generation without this
folder (written before it existed) is read the slow way, from Whoosh's files.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import time
import zlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .columns import Column, Columns, Vocabulary, bytes_array
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
class Documents:
    """The stored documents, mapped: a record by document number, a document number by id."""

    ids: np.ndarray  # bytes by document number, b"" when deleted
    by_id: np.ndarray  # document numbers, in id order
    start: np.ndarray
    blob: mmap.mmap | None  # None when there is no document

    def record(self, docnum: int) -> tuple[str, str, bytes]:
        """The id, path and stored article (zlib'd JSON) of a document."""
        record = self.blob[int(self.start[docnum]):int(self.start[docnum + 1])] if self.blob is not None else b""
        path, _, raw = record.partition(b"\0")
        return self.ids[docnum].decode("ascii"), path.decode("utf-8"), raw

    def find(self, doc_id: str) -> int | None:
        """The document number of a live document's id."""
        key = doc_id.encode("ascii", "replace")
        if not key or len(key) > self.ids.dtype.itemsize:
            return None
        i = int(np.searchsorted(self.ids, key, sorter=self.by_id))
        if i < len(self.by_id) and self.ids[self.by_id[i]] == key:
            return int(self.by_id[i])
        return None


@dataclass
class Mapped:
    """A generation's arrays, read from ``arrays/`` (or made from the index, to be written there)."""

    columns: Columns
    vocabulary: Vocabulary
    lengths: dict[str, tuple[np.ndarray, float]]  # field -> (lengths, average)
    norms: dict[str, np.ndarray]
    norms_ranking: tuple[float, float]  # (k1, b) the norms were computed with
    shared: SharedPostings
    documents: Documents

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
          min_df: int = SHARED_MIN_DF, previous: Path | None = None, unchanged: bool = False) -> dict[str, Any]:
    """Write ``directory/arrays/`` for the finished index in ``directory``; returns what was
    written (for the build's report). ``previous``: the generation an incremental build
    extended, whose choice of shared terms is kept while the archive has not grown much.
    ``unchanged``: that build added, changed and removed nothing, so the previous arrays are
    this index's too, and are linked rather than written, when they are of this format and
    made with the same constants."""
    started = time.monotonic()
    directory = Path(directory)
    folder = directory / DIRECTORY
    if unchanged and previous is not None and _same_making(_meta(previous), ranking, shared_postings, min_df):
        # a published generation is never written again, so its files can be shared
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(Path(previous) / DIRECTORY, folder, copy_function=os.link)
        return {"seconds": round(time.monotonic() - started, 2), "bytes": 0, "linked": True}
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
        chosen = _previous_choice(previous, columns.size, shared_postings, min_df)
        terms, postings = _write_shared(store, tmp, shared_postings, min_df, chosen[0] if chosen else None)
        written += postings * 8
        written += _write_documents(store, tmp, columns.live)
        meta = {"format": FORMAT, "documents": columns.size,
                "values": {name: getattr(columns, name).values for name in VALUE_COLUMNS},
                "averages": averages, "norms_ranking": [ranking.k1, ranking.b], "shared": terms,
                "shared_chosen": {"documents": chosen[1] if chosen else columns.size,
                                  "budget": shared_postings, "min_df": min_df}}
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


# An incremental build keeps the previous generation's choice of shared terms (finding the
# frequent terms scans every term of every segment: half of the arrays' time) until the archive
# has this many more document numbers than when the choice was made; then it chooses again.
RECHOOSE_GROWTH = 0.1


def _previous_choice(previous: Path | None, size: int, budget: int,
                     min_df: int) -> tuple[list[tuple[int, str, str]], int] | None:
    """The shared terms the ``previous`` generation chose (as candidates: df, field, text) and the
    number of documents they were chosen at; None when they are to be chosen again."""
    meta = _meta(previous) if previous is not None else None
    if not _same_making(meta, None, budget, min_df):
        return None
    try:
        chosen = meta["shared_chosen"]
        if size > (1 + RECHOOSE_GROWTH) * int(chosen["documents"]):
            return None
        return [(int(df), str(fieldname), str(text)) for fieldname, text, df in meta["shared"]], int(chosen["documents"])
    except (ValueError, KeyError, TypeError):
        return None  # of an older format: choose again


def _meta(generation: Path) -> dict[str, Any] | None:
    """A generation's ``arrays/meta.json``; None when it has none, or an unreadable one."""
    try:
        meta = json.loads((Path(generation) / DIRECTORY / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _same_making(meta: dict[str, Any] | None, ranking: Ranking | None, budget: int, min_df: int) -> bool:
    """Whether arrays of ``meta`` are of this format and chose their shared terms with the same
    budget and threshold (and, with ``ranking``, computed their norms with its constants)."""
    try:
        chosen = meta["shared_chosen"]
        return (meta.get("format") == FORMAT and chosen["budget"] == budget and chosen["min_df"] == min_df
                and (ranking is None or list(meta["norms_ranking"]) == [ranking.k1, ranking.b]))
    except (KeyError, TypeError):
        return False


def _write_shared(store: IndexReader, folder: Path, budget: int, min_df: int,
                  chosen: list[tuple[int, str, str]] | None = None) -> tuple[list[Any], int]:
    """The postings of the most frequent scored terms, up to ``budget`` postings in all (of the
    ``chosen`` terms, when a previous generation's choice is kept)."""
    candidates = chosen if chosen is not None else [
        (df, fieldname, text) for fieldname in SCORED_FIELDS for text, df in store.frequent_terms(fieldname, min_df).items()]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    terms: list[Any] = []
    ids_parts: list[np.ndarray] = []
    tf_parts: list[np.ndarray] = []
    starts = [0]
    for _df, fieldname, text in candidates:
        ids, tf, df = store.postings(fieldname, text)
        if not df:
            continue  # a kept choice's term no longer in the index
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


def _write_documents(store: IndexReader, folder: Path, live: np.ndarray) -> int:
    """The live documents' records, one after another, and where each starts."""
    ids: list[bytes] = []
    start = np.zeros(len(live) + 1, dtype=np.int64)
    with open(folder / "documents.blob", "wb") as out:
        position = 0
        for docnum in range(len(live)):
            doc_id = b""
            if live[docnum]:
                text_id, path, raw = store.stored_raw(docnum)
                raw = zlib.compress(raw.encode("utf-8")) if isinstance(raw, str) else raw
                record = path.encode("utf-8") + b"\0" + raw
                out.write(record)
                position += len(record)
                doc_id = text_id.encode("ascii")
            ids.append(doc_id)
            start[docnum + 1] = position
    id_array = bytes_array(ids)
    _save(folder, "documents.ids", id_array)
    _save(folder, "documents.by_id", np.argsort(id_array, kind="stable").astype(np.int32))
    _save(folder, "documents.start", start)
    return position + id_array.nbytes + start.nbytes


def _map(path: Path) -> mmap.mmap | None:
    with open(path, "rb") as fh:
        if not os.fstat(fh.fileno()).st_size:
            return None  # an empty file cannot be mapped
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


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
    documents = Documents(_load(folder, "documents.ids"), _load(folder, "documents.by_id"),
                          _load(folder, "documents.start"), _map(folder / "documents.blob"))
    blob_size = len(documents.blob) if documents.blob is not None else 0
    if not (len(documents.ids) == size and len(documents.start) == size + 1 and documents.start[-1] == blob_size):
        raise ValueError(f"{folder}: the documents' records do not match {size} documents")
    k1, b = meta["norms_ranking"]
    return Mapped(columns, vocabulary, lengths, norms, (float(k1), float(b)), shared, documents)
