"""The work a build hands out: one source -> one analysed document and its near-duplicate sketch
(``read_page``), and a list of sources -> one index segment (``write_segment``, the shard task).

Both are self-contained: they take sources (``sources.SourceFile``: a file, or a web archive's
record by its offset) and a directory and return what happened, so they run in a worker process
of this machine or, given the files, anywhere else. A news page goes through ``extract``; an
attached document (PDF, DOCX, ODT, DOC) through ``attachments``, within the build's ``Limits``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from .analysis import analyse
from .attachments import DOCUMENT_MEDIA, Limits, extract_document
from .bookkeeping import Outcome
from .docnumbers import doc_number_key
from .duplicates import Sketch, default_sketcher
from .engine import IndexDoc, IndexWriter
from .extract import MAX_FILE_BYTES, Article, SkipPage, extract_bytes
from .mirrors import httrack_origin, is_httrack_index
from .registry import Registry
from .sources import SourceFile
from .warc import RecordError, read_payload

_MB = 1024 * 1024
LIMITS = Limits()


def read_source(source: SourceFile, limit: int) -> bytes:
    """The bytes of a source: a file's (at most ``limit`` + 1), or a web archive record's
    payload, read by its offset. Raises ``SkipPage`` with the reason when it cannot be read."""
    try:
        if source.in_archive:
            return read_payload(source.path, source.offset, source.length, source.member, limit)
        with open(source.path, "rb") as fh:
            return fh.read(limit + 1)  # a file that grew since is refused by its reader
    except RecordError as err:
        raise SkipPage(str(err)) from err
    except OSError as err:
        raise SkipPage(f"unreadable: {err.strerror or err}") from err


def read_page(source: SourceFile, limits: Limits = LIMITS) -> tuple[Outcome, IndexDoc | None]:
    """Read, clean, extract and analyse one source; one bad file is an outcome, never an exception."""
    document = source.media in DOCUMENT_MEDIA
    limit = limits.document_bytes if document else MAX_FILE_BYTES
    if source.size > limit:  # known from discovery: not read at all
        what = "document" if document else "file"
        return Outcome(source, reason=f"{what} too large ({source.size // _MB} MB > {limit // _MB} MB)"), None
    try:
        raw = read_source(source, limit)
        digest = source.digest or hashlib.blake2b(raw, digest_size=16).hexdigest()
        if document:
            article = extract_document(raw, source.relpath, source.media, limits, url=source.url or None)
        else:
            article = _news_page(raw, source)
        if source.archive:  # from a crawl (read by offset here, or shipped elsewhere as bytes)
            article.captured, article.archive = source.captured, source.archive
        doc = to_index_doc(article)
        doc.id = source.doc_id
        note = (article.document or {}).get("cut") or None
        return Outcome(source, digest, doc.id, note=note, sketch=sketch_page(doc)), doc
    except SkipPage as err:
        return Outcome(source, reason=str(err)), None
    except Exception as err:  # one bad file never stops a build
        return Outcome(source, reason=f"extraction failed: {type(err).__name__}: {err}"[:300]), None


def _news_page(raw: bytes, source: SourceFile) -> Article:
    head = raw[:8192]
    if not source.archive and is_httrack_index(head):
        raise SkipPage("HTTrack's index of its mirror, not a page of the site")
    url, mirrored = (None, None) if source.archive else httrack_origin(head)
    url = url or source.url or None  # the page's own mirror comment knows better than its file name
    bound = source.first_captured or source.captured
    not_after = date.fromisoformat(bound[:10]) if bound else (mirrored.date() if mirrored else None)
    return extract_bytes(raw, source.relpath, url=url, not_after=not_after)


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
        kind=article.kind,
        attaches=list(dict.fromkeys(i for link in article.attachments for i in link["ids"])),
        own_numbers=[doc_number_key(n) for n in article.own_numbers],
        title_mentions=[e.canonical for e in Registry.default().find_mentions(article.title)],
    )


def sketch_page(doc: IndexDoc) -> Sketch:
    """The page's near-duplicate sketch (``duplicates``), from the body terms just analysed: it
    travels back with the page's outcome, so the build groups stories without reading pages again."""
    return default_sketcher().sketch_terms(doc.body_accented)


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
                  on_page: Callable[[], None] = lambda: None, limits: Limits = LIMITS
                  ) -> tuple[list[Outcome], ShardTimes]:
    """The shard task: read and analyse ``files`` and index them into a new index at
    ``directory`` (one segment, merged), with ``memory_mb`` of posting buffers. Returns what
    happened to each file, in order, and where the time went; ``on_page`` is called per file."""
    times = ShardTimes(pages=len(files))
    writer = IndexWriter(directory, memory_mb=memory_mb)
    outcomes = []
    for source in files:
        started = time.monotonic()
        outcome, doc = read_page(source, limits)
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
