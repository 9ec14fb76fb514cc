"""One term's postings as numpy arrays, and a generation's bounded cache of them."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

# Cached postings per generation: 8 bytes each (int32 document, float32 frequency), 128 MB in all,
# enough for the frequent syllables of a 100,000-page archive (serving ~270 MB there). Scores are
# computed per query from them, which costs less than reading a frequent term again.
TERM_CACHE_POSTINGS = 16_000_000


@dataclass
class Postings:
    """One term's documents, frequencies and idf, as cached."""

    ids: np.ndarray  # int32
    tf: np.ndarray  # float32 when every frequency is exact in it (whole numbers are), else float64
    idf: float

    @classmethod
    def narrowed(cls, ids: np.ndarray, tf: np.ndarray, idf: float) -> "Postings":
        narrow = tf.astype(np.float32)
        return cls(ids.astype(np.int32), narrow if (narrow == tf).all() else tf, idf)


Key = tuple[str, str]  # (field, term)


class TermCache:
    """Postings by (field, term), least recently used dropped first once ``capacity`` postings
    are held. Shared by every request thread of a generation; a term is read outside the lock."""

    def __init__(self, capacity: int = TERM_CACHE_POSTINGS):
        self.capacity = capacity
        self._lock = threading.Lock()
        self._entries: dict[Key, Postings] = {}  # insertion order = LRU order
        self._held = 0

    def get(self, key: Key, read: Callable[[], Postings]) -> Postings:
        with self._lock:
            post = self._entries.pop(key, None)
            if post is not None:
                self._entries[key] = post  # most recently used last
                return post
        post = read()
        with self._lock:
            if key not in self._entries:
                self._entries[key] = post
                self._held += len(post.ids)
            while self._held > self.capacity and len(self._entries) > 1:
                old = self._entries.pop(next(iter(self._entries)))
                self._held -= len(old.ids)
        return post

    def recent(self, postings: int) -> list[Key]:
        """The cached keys, most recently used first, up to ``postings`` postings in all."""
        with self._lock:
            cached = [(key, len(post.ids)) for key, post in self._entries.items()]
        out, total = [], 0
        for key, size in reversed(cached):
            if total + size > postings:
                break
            out.append(key)
            total += size
        return out
