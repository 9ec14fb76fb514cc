"""The index on disk, through Whoosh: its schema, writing analysed documents, joining shards, and
reading back what the engine needs (term dictionaries, posting lists, field lengths, stored
documents). With ``codec.py``, the only code that imports Whoosh.

Documents arrive analysed (space-separated terms per field, made in worker processes), so the
Whoosh analyser here is a plain space tokenizer and indexing costs no Python analysis.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import TermNotFound
from whoosh.writing import OPTIMIZE

from .codec import PostingReads, format_problems, read_postings
from .fields import IndexDoc, facet_key, mention_term

log = logging.getLogger(__name__)

_SPACE = SpaceSeparatedTokenizer()


def schema() -> Schema:
    def text() -> TEXT:
        # no positions: phrases are matched as adjacent pairs (``folded_pairs``)
        return TEXT(analyzer=_SPACE, phrase=False, stored=False)

    def keywords(scorable: bool = False) -> KEYWORD:
        return KEYWORD(lowercase=False, commas=False, scorable=scorable)

    return Schema(
        id=ID(stored=True, unique=True),
        path=STORED(),
        article=STORED(),
        body_accented=text(),
        body_folded=text(),
        body_words=text(),
        title_accented=text(),
        title_folded=text(),
        folded_pairs=text(),
        doc_numbers=keywords(scorable=True),
        mentions=keywords(scorable=True),
        agency=ID(),
        units=keywords(),
        day=ID(),
        kind=ID(),
        attaches=keywords(),
        own_numbers=keywords(),
        title_mentions=keywords(),
    )


class IndexWriter:
    """Writes documents into an index directory: a new one, or a copy of the previous generation
    (``append_writer``) for an incremental build. ``commit(optimize=True)`` leaves one segment."""

    def __init__(self, directory: Path, memory_mb: int = 256, create: bool = True):
        directory.mkdir(parents=True, exist_ok=True)
        if create:
            self._index = whoosh_index.create_in(str(directory), schema())
        else:
            self._index = whoosh_index.open_dir(str(directory))
        self._writer = self._index.writer(limitmb=memory_mb)

    def delete(self, doc_id: str) -> None:
        self._writer.delete_by_term("id", doc_id)

    def add(self, doc: IndexDoc) -> None:
        self._writer.add_document(
            id=doc.id,
            path=doc.path,
            article=zlib.compress(json.dumps(doc.article, ensure_ascii=False).encode("utf-8"), 6),
            body_accented=" ".join(doc.body_accented),
            body_folded=" ".join(doc.body_folded),
            body_words=" ".join(doc.body_words),
            title_accented=" ".join(doc.title_accented),
            title_folded=" ".join(doc.title_folded),
            folded_pairs=" ".join(doc.folded_pairs),
            doc_numbers=" ".join(doc.doc_numbers),
            mentions=" ".join(mention_term(e) for e in doc.mentions),
            agency=facet_key(doc.agency),
            units=" ".join(facet_key(u) for u in doc.units),
            day=doc.day or "none",
            kind=facet_key(doc.kind),
            attaches=" ".join(doc.attaches),
            own_numbers=" ".join(doc.own_numbers),
            title_mentions=" ".join(mention_term(e) for e in doc.title_mentions),
        )

    def commit(self, optimize: bool = True) -> None:
        self._writer.commit(optimize=optimize)

    def cancel(self) -> None:
        self._writer.cancel()


def append_writer(directory: Path) -> IndexWriter:
    return IndexWriter(directory, create=False)


def combine_shards(directory: Path, shards: list[Path]) -> int:
    """Make ``directory`` one index of the segments of the finished ``shards`` indexes (each
    written by its own process, with the same schema), in order, without merging them: merging
    is a single-threaded pass over every posting, the longest step of a large build. The shards'
    segment files move into ``directory``; returns the number of segments."""
    directory.mkdir(parents=True, exist_ok=True)
    index = whoosh_index.create_in(str(directory), schema())
    segments: list[Any] = []
    for shard in shards:
        storage = FileStorage(str(shard))
        with storage.open_index().reader() as reader:
            parts = reader.segments() or []
        for segment in parts:
            for name in segment.list_files(storage):
                (shard / name).replace(directory / name)
            segments.append(segment)
    # Whoosh's documented hook for choosing a commit's segments: keep these, as they are
    index.writer().commit(mergetype=lambda _writer, existing: existing + segments)
    return len(segments)


def merge_shards(directory: Path, shards: list[Path], memory_mb: int = 256) -> None:
    """Make ``directory`` one index of ONE segment holding the documents of the finished
    ``shards`` indexes, in order: a merge, for when a generation would otherwise have too many
    segments. The same answers and scores as ``combine_shards`` gives: Whoosh's merge re-adds each
    document's one-byte approximate field length to the field's total, which would shift the
    average lengths BM25F divides by, so the shards' exact totals are put back."""
    combine_shards(directory, shards)
    index = whoosh_index.open_dir(str(directory))
    exact: dict[str, int] = {}
    with index.reader() as reader:
        for segment in reader.segments() or []:
            for name, length in segment._fieldlengths.items():
                exact[name] = exact.get(name, 0) + length

    def optimize_exactly(writer: Any, segments: list[Any]) -> list[Any]:
        remaining = OPTIMIZE(writer, segments)
        totals = writer.perdocwriter._fieldlengths
        totals.clear()
        totals.update(exact)
        return remaining

    index.writer(limitmb=memory_mb).commit(mergetype=optimize_exactly)


def article(raw: bytes | memoryview | str) -> dict[str, Any]:
    """A stored article from its zlib'd JSON (or plain JSON, as old indexes stored it)."""
    return json.loads(raw if isinstance(raw, str) else zlib.decompress(raw))


_warned = False


class IndexReader:
    """A finished index opened read-only, shared by every request thread (each gets its own
    Whoosh searcher: they read through file objects with a position)."""

    def __init__(self, directory: Path):
        global _warned
        problems = format_problems()
        if problems and not _warned:
            _warned = True
            log.warning("posting lists may be read the slow way (%s)", "; ".join(problems))
        # Not memory-mapped: whoosh3 copies each mapped part of a segment (postings, terms) into
        # a BytesIO for every reader, and every request thread has its own reader (~210 MB each
        # at 20,000 pages). Plain file reads share the OS page cache instead.
        self._index = FileStorage(str(directory), supports_mmap=False, readonly=True).open_index()
        self._local = threading.local()
        self._searchers: list[Any] = []
        self._lock = threading.Lock()
        self.reads = PostingReads()

    def searcher(self) -> Any:
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._index.searcher()
            self._local.searcher = searcher
            with self._lock:
                self._searchers.append(searcher)
        return searcher

    def _reader(self) -> Any:
        return self.searcher().reader()

    def documents(self) -> int:
        """Document numbers in use, deleted ones included."""
        return self._reader().doc_count_all()

    def live(self) -> np.ndarray:
        """Which document numbers are not deleted."""
        reader = self._reader()
        size = reader.doc_count_all()
        if not reader.has_deletions():
            return np.ones(size, dtype=bool)
        live = np.zeros(size, dtype=bool)
        live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        return live

    def segments(self) -> int:
        return len(self._reader().leaf_readers())

    def document_frequencies(self, fieldname: str) -> dict[str, int]:
        """Every term of a field with its document frequency, in term order. One pass over each
        segment's term index with each term's info: a lookup per term (what Whoosh does for a
        reader of several segments) costs a second per 10,000 terms, and there are 100,000s."""
        totals: dict[str, int] = {}
        leaves = self._reader().leaf_readers()
        for leaf, _base in leaves:
            for term, info in leaf.iter_field(fieldname):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                totals[text] = totals.get(text, 0) + info.doc_frequency()
        return dict(sorted(totals.items())) if len(leaves) > 1 else totals

    def document_ids(self) -> np.ndarray:
        """Every document number's id (``U16``; deleted numbers keep the id they had), in one
        pass over each segment's term index: a page is one term of the unique ``id`` field,
        whose term info holds its document number."""
        reader = self._reader()
        ids = np.full(reader.doc_count_all(), "", dtype="U16")
        for leaf, base in reader.leaf_readers():
            for term, info in leaf.iter_field("id"):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                if info.doc_frequency() == 1:
                    ids[base + info.min_id()] = text
                else:  # the same id twice in one segment (a replaced page not yet merged away)
                    for docnum in leaf.postings("id", text).all_ids():
                        ids[base + docnum] = text
        return ids

    def frequent_terms(self, fieldname: str, min_df: int) -> dict[str, int]:
        """The terms of a field in at least ``min_df`` documents, with their document frequencies.
        Like ``document_frequencies`` without keeping every term: a term that reaches ``min_df``
        in all has at least its share of it in one segment, and only those are summed."""
        leaves = self._reader().leaf_readers()
        share = -(-min_df // max(1, len(leaves)))
        candidates = {term.decode("utf-8") if isinstance(term, bytes) else term
                      for leaf, _base in leaves for term, info in leaf.iter_field(fieldname)
                      if info.doc_frequency() >= share}
        found = {text: self.document_frequency(fieldname, text) for text in sorted(candidates)}
        return {text: df for text, df in found.items() if df >= min_df}

    def document_frequency(self, fieldname: str, text: str) -> int:
        return self._reader().doc_frequency(fieldname, text)

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray, int]:
        """A term's documents, their term frequencies, and its document frequency (0: absent)."""
        reader = self._reader()
        try:
            ids, tf = read_postings(reader.postings(fieldname, text), self.reads)
        except TermNotFound:
            return np.zeros(0, dtype=np.int64), np.zeros(0), 0
        return ids, tf, reader.doc_frequency(fieldname, text)

    def field_lengths(self, fieldname: str) -> tuple[np.ndarray, float]:
        """Every document's length in a field as Whoosh's scorer reads it (the one-byte
        approximation, 1 when missing), and the field's average length (1 when empty)."""
        searcher = self.searcher()
        size = searcher.doc_count_all()
        dfl = searcher.doc_field_length
        lengths = np.fromiter((dfl(d, fieldname, 1) or 1 for d in range(size)), dtype=np.float64, count=size)
        return lengths, searcher.avg_field_length(fieldname) or 1

    def stored(self, docnum: int) -> tuple[str, str, dict[str, Any]]:
        """A document's id, path and article."""
        doc_id, path, raw = self.stored_raw(docnum)
        return doc_id, path, article(raw)

    def stored_raw(self, docnum: int) -> tuple[str, str, bytes | str]:
        """A document's id, path and article as stored (zlib'd JSON; plain JSON in old indexes)."""
        stored = self.searcher().stored_fields(docnum)
        return stored["id"], stored["path"], stored["article"]

    def document_number(self, doc_id: str) -> int | None:
        return self.searcher().document_number(id=doc_id)

    def close(self) -> None:
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
        self._index.close()
