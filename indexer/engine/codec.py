"""Whoosh's posting lists read whole and decoded with numpy: the only code that knows Whoosh's
private on-disk layout.

Whoosh's matcher reads a block of 128 postings through several small file reads, a pickle load
and a Python delta decode per block: at 50,000 pages 90 % of a query's time. One read of the
whole list and ``numpy.cumsum`` are 4-5x faster. The layout is whoosh3 3.54.0's, the index
format of Whoosh 2.7.4 (the pinned package and its drop-in fallback). Anything this decoder does
not recognise is walked through Whoosh's matcher instead: right, but about ten times slower, so
every read is counted (``PostingReads``) and ``format_problems`` says what differs; the tests
fail on either.
"""

from __future__ import annotations

import io
import pickle
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import whoosh
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher, MultiMatcher

# What the decoder was written for: the package version it was checked against, the table of
# contents version of the index format, and the tag that starts every posting list.
PINNED_VERSION = (3, 54, 0)
TOC_VERSION = -111
POSTINGS_MAGIC = b"W3Bl"


@dataclass
class PostingReads:
    """How each posting list was read: ``decoded`` from its bytes (the fast path), ``inlined``
    in the term dictionary (a term on one page; nothing to decode), or ``walked`` one posting at
    a time through Whoosh's matcher (the slow fallback: should stay 0)."""

    decoded: int = 0
    inlined: int = 0
    walked: int = 0
    # a segment's deleted documents as a boolean mask, made once: Whoosh hands every list of a
    # segment the same frozenset (``SegmentReader.deleted_docs_set``, a cached property)
    _masks: dict[int, tuple[frozenset, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)

    def listed(self, ids: np.ndarray, docs: frozenset | set) -> np.ndarray:
        """Which of ``ids`` are in ``docs`` (a segment's deleted documents)."""
        known = self._masks.get(id(docs))
        if known is None or known[0] is not docs:
            numbers = np.fromiter(docs, dtype=np.int64, count=len(docs))
            mask = np.zeros(int(numbers.max()) + 1 if len(numbers) else 0, dtype=bool)
            mask[numbers] = True
            # a set that is not Whoosh's cached one (mutable) is not kept: it could change
            if isinstance(docs, frozenset):
                self._masks[id(docs)] = known = (docs, mask)
            else:
                known = (docs, mask)
        mask = known[1]
        out = np.zeros(len(ids), dtype=bool)
        inside = ids < len(mask)
        out[inside] = mask[ids[inside]]
        return out


def format_problems() -> list[str]:
    """What differs between the installed Whoosh and the format this decoder reads (empty: none)."""
    problems = []
    if tuple(whoosh.__version__[:3]) != PINNED_VERSION:
        problems.append(f"Whoosh {whoosh.versionstring()} installed, the decoder was checked against "
                        f"{'.'.join(map(str, PINNED_VERSION))}")
    if getattr(whoosh_index, "_CURRENT_TOC_VERSION", None) != TOC_VERSION:
        problems.append(f"index format {getattr(whoosh_index, '_CURRENT_TOC_VERSION', None)}, expected {TOC_VERSION}")
    if WHOOSH3_HEADER_MAGIC != POSTINGS_MAGIC:
        problems.append(f"posting lists start with {WHOOSH3_HEADER_MAGIC!r}, expected {POSTINGS_MAGIC!r}")
    return problems


def read_postings(matcher: Any, reads: PostingReads) -> tuple[np.ndarray, np.ndarray]:
    """All (document, term frequency) pairs of a term, each segment of a generation in turn."""
    if type(matcher) is MultiMatcher:
        parts = [read_postings(m, reads) for m in matcher.matchers]
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return (np.concatenate([p[0] + offset for p, offset in zip(parts, matcher.offsets)]),
                np.concatenate([p[1] for p in parts]))
    if type(matcher) is W3LeafMatcher and _untouched(matcher):
        reads.decoded += 1
        return decode_postings(_raw_list(matcher))
    if type(matcher) is FilterMatcher and type(matcher.child) is W3LeafMatcher and _readable(matcher.child) \
            and isinstance(getattr(matcher, "_ids", None), (set, frozenset)):
        # a segment with deleted documents wraps each list in a filter of them (an incremental
        # build's segments): the whole list decoded, the deleted ones dropped with numpy. The
        # filter may have moved its child past a deleted first posting: the bytes are read from
        # the list's start all the same.
        reads.decoded += 1
        ids, tf = decode_postings(_raw_list(matcher.child))
        listed = reads.listed(ids, matcher._ids)
        keep = ~listed if matcher._exclude else listed
        return ids[keep], tf[keep]
    if type(matcher) is ListMatcher:
        reads.inlined += 1
    else:
        reads.walked += 1
    ids: list[Any] = []
    weights: list[Any] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


def _readable(matcher: W3LeafMatcher) -> bool:
    """A matcher with the private fields this decoder reads."""
    return all(hasattr(matcher, name) for name in ("_i", "_baseoffset", "_startoffset", "_length", "_postfile"))


def _untouched(matcher: W3LeafMatcher) -> bool:
    """A matcher with the private fields this decoder reads, still at the start of its list."""
    return _readable(matcher) and matcher._i == 0 and matcher._baseoffset == matcher._startoffset + len(POSTINGS_MAGIC)


def _raw_list(matcher: W3LeafMatcher) -> bytes:
    """The bytes of the matcher's whole posting list, from its start."""
    length = matcher._length
    # whoosh3 3.54.0 decodes a term's extent length as a 1-tuple (its matcher never uses it)
    length = length[0] if isinstance(length, tuple) else length
    return matcher._postfile.get(matcher._startoffset, length)


def decode_postings(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Decode a posting list read whole: the magic ``W3Bl``, then blocks of (signed big-endian
    length, negative for the last; pickled block info; pickled, maybe zlib'd data
    ``(delta-coded ids, weights, values)``). A test checks the result against Whoosh's matcher."""
    if not raw.startswith(POSTINGS_MAGIC):
        raise ValueError("not a whoosh3 posting list")
    buf = io.BytesIO(raw)
    deltas: list[int] = []
    weights: list[float] = []
    pos, previous_last = len(POSTINGS_MAGIC), 0
    while True:
        length = int.from_bytes(raw[pos : pos + 4], "big", signed=True)
        end = pos + 4 + abs(length)
        buf.seek(pos + 4)
        count, last_id, _maxweight, compression, _mn, _mx = pickle.load(buf)
        data = raw[buf.tell() : end]
        block_ids, block_weights, _values = pickle.loads(zlib.decompress(data) if compression else data)
        # each block's deltas start from 0: rebase its first id on the previous block's last
        deltas.append(block_ids[0] - previous_last)
        deltas.extend(block_ids[1:])
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        previous_last = last_id
        pos = end
        if length < 0:
            break
    return np.cumsum(np.array(deltas, dtype=np.int64)), np.array(weights, dtype=np.float64)
