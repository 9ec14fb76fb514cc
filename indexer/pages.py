"""The work a build hands out: one file -> one analysed document (``read_page``), and a list of
files -> one index segment (``write_segment``, the shard task).

Both are self-contained: they take files and a directory and return what happened, so they run
in a worker process of this machine or, given the files, anywhere else.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .analysis import analyse
from .bookkeeping import Outcome
from .docnumbers import doc_number_key
from .engine import IndexDoc, IndexWriter
from .extract import MAX_FILE_BYTES, Article, SkipPage, extract_bytes
from .sources import SourceFile

_MB = 1024 * 1024


def read_page(source: SourceFile) -> tuple[Outcome, IndexDoc | None]:
    """Read, clean, extract and analyse one file; one bad file is an outcome, never an exception."""
    if source.size > MAX_FILE_BYTES:  # known from discovery: not read at all
        return Outcome(source, reason=f"file too large ({source.size // _MB} MB > {MAX_FILE_BYTES // _MB} MB)"), None
    try:
        try:
            with open(source.path, "rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)  # a file that grew since is refused by extract_bytes
        except OSError as err:
            return Outcome(source, reason=f"unreadable: {err.strerror or err}"), None
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        doc = to_index_doc(extract_bytes(raw, source.relpath))
        doc.id = source.doc_id
        return Outcome(source, digest, doc.id), doc
    except SkipPage as err:
        return Outcome(source, reason=str(err)), None
    except Exception as err:  # one bad file never stops a build
        return Outcome(source, reason=f"extraction failed: {type(err).__name__}: {err}"[:300]), None


def to_index_doc(article: Article) -> IndexDoc:
    """An extracted article as the index's fields (``engine.fields``)."""
    body = analyse(article.body)
    title = analyse(article.title, segment_words=False)
    return IndexDoc(
        id=article.id,
        path=article.path,
        article=article.to_json(),
        body_accented=body.accented,
        body_folded=body.folded,
        body_words=body.words,
        title_accented=title.accented,
        title_folded=title.folded,
        folded_pairs=title.pairs + body.pairs,
        doc_numbers=list(dict.fromkeys([doc_number_key(n) for n in article.doc_numbers] + body.doc_numbers
                                       + title.doc_numbers)),
        mentions=article.mentions,
        agency=article.agency,
        units=article.units,
        day=article.date,
    )


@dataclass
class ShardTimes:
    """Seconds inside one shard task."""

    pages: int = 0
    read: float = 0.0  # reading, cleaning, extracting, analysing
    add: float = 0.0  # handing documents to Whoosh's writer (which spills sorted runs to disk)
    merge: float = 0.0  # the commit: merging the runs and writing the segment

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 2) for k, v in asdict(self).items()}


def write_segment(files: list[SourceFile], directory: Path, memory_mb: int,
                  on_page: Callable[[], None] = lambda: None) -> tuple[list[Outcome], ShardTimes]:
    """The shard task: read and analyse ``files`` and index them into a new index at
    ``directory`` (one segment, merged), with ``memory_mb`` of posting buffers. Returns what
    happened to each file, in order, and where the time went; ``on_page`` is called per file."""
    times = ShardTimes(pages=len(files))
    writer = IndexWriter(directory, memory_mb=memory_mb)
    outcomes = []
    for source in files:
        started = time.monotonic()
        outcome, doc = read_page(source)
        read = time.monotonic()
        if doc is not None:
            writer.add(doc)
        times.read += read - started
        times.add += time.monotonic() - read
        outcomes.append(outcome)
        on_page()
    started = time.monotonic()
    writer.commit(optimize=True)  # this shard's own merge, beside the other shards'
    times.merge = time.monotonic() - started
    return outcomes, times
