"""The same story, once: near-duplicate pages (a repost under another header, shortened, re-led or
lightly edited) grouped into stories with MinHash over word shingles.

Three steps, each usable alone:

    sketch = Sketcher().sketch_terms(analysed.accented)   # per page, in the build workers (0.4 ms)
    stories = Stories.empty().update({id: sketch, ...}, removed=[])   # the whole build, numpy
    stories.save(generation / STORIES_FILE)   # and Stories.load(...) in the next build

A sketch is the page's MinHash signature (datasketch, ``affine32``: 128 uint32 values) and the
number of distinct shingles it was made from. A generation keeps every page's sketch as numpy
arrays (about 0.5 kB a page), so the next nightly build sketches only new and changed pages and
regroups everything from the stored arrays: candidate pairs come from LSH bands (pages sharing
two consecutive minimum values), each candidate is checked on the full signature, and the
connected components are the stories. Regrouping 100,000 pages this way is a few seconds of numpy.

Two pages are the same story when their estimated Jaccard similarity of shingles is high, or
when most of the shorter one's shingles are in the longer one (containment: a repost cut to its
first paragraphs, or with the lead dropped). Very short pages ("Xem chi tiết tại tệp đính kèm",
a schedule line) are never grouped: the same few words say nothing about the document behind
them; short ones (under 100 shingles) must share half their shingles, so two notices that share
the portal's standard contact paragraph stay apart (a notice that is nearly all standard text is
not told from the next one: that text must go at cleaning). Story ids are stable: a story keeps the id it
had in the previous generation (the id most of its members had), and a new one takes the
smallest page id among its members.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from .analysis import accented_terms, fold_terms, syllables

STORIES_FILE = "stories.npz"
NUM_PERM = 128
SHINGLE_WORDS = 5  # five syllables: specific enough that unrelated news shares almost none
SEED = 1
# LSH: bands of two minimum values each (64 bands). A pair of Jaccard 0.3 shares a band with
# probability 1 - (1 - 0.3^2)^64 = 0.998; unrelated pages (J < 0.02) in 2.5% of cases at most,
# and each candidate is then checked on the whole signature.
BAND_ROWS = 2
# Decision thresholds, measured with bench/duplicates.py: reposts of one story have a Jaccard of
# 0.28-1.0 and a containment of 0.6-1.0; unrelated pages stay under 0.1 and 0.3.
JACCARD = 0.3
CONTAINMENT = 0.6
MIN_SHINGLES = 25  # below this a page is never grouped (boilerplate-sized bodies)
# A short page (a notice, a schedule) is mostly the portal's standard sentences (contacts, "for
# details see ..."): two different notices of ~80 words sharing a 45-word contact paragraph have
# a Jaccard of 0.34. Below this size the pair must share half its shingles.
SHORT_SHINGLES = 100
SHORT_JACCARD = 0.5
MIN_CONTAINED = SHORT_SHINGLES  # containment alone counts only for a shorter page this long
MAX_BUCKET = 40  # a band value shared by more pages is compared along its sorted run only


@dataclass(frozen=True)
class Sketch:
    """What the grouping keeps of one page."""

    signature: np.ndarray  # (NUM_PERM,) uint32 MinHash values
    shingles: int  # distinct shingles the signature was made from


def page_terms(text: str) -> list[str]:
    """The syllables of ``text`` as the index stores them (``analysis.analyse(text).accented``:
    one tone placement, lower case, numbers kept). The build has them already for every page."""
    return accented_terms(syllables(text))


def shingle_hashes(terms: Sequence[str], width: int = SHINGLE_WORDS) -> list[int]:
    """Distinct 32-bit hashes of the runs of ``width`` terms, folded as people type them (no
    diacritics), so a repost in another tone convention, encoding or with a diacritic dropped
    has the same shingles. Deterministic across processes and builds (crc32, not ``hash``)."""
    words = list(fold_terms(terms))
    if len(words) < width:
        return [zlib.crc32(" ".join(words).encode("utf-8"))] if words else []
    return list({zlib.crc32(" ".join(words[i:i + width]).encode("utf-8"))
                 for i in range(len(words) - width + 1)})


class Sketcher:
    """Makes sketches; holds datasketch's permutations so they are drawn once per process."""

    def __init__(self, num_perm: int = NUM_PERM, seed: int = SEED):
        from datasketch import MinHash

        self._template = MinHash(num_perm=num_perm, seed=seed, hashfunc=_identity)
        self.num_perm = num_perm

    def sketch(self, text: str) -> Sketch:
        """The sketch of a page's cleaned body."""
        return self.sketch_terms(page_terms(text))

    def sketch_terms(self, terms: Sequence[str]) -> Sketch:
        """The sketch from the body's index terms (``analyse(body).accented``): what the build calls,
        so the text is not tokenised twice (0.4 ms a page instead of 2.5)."""
        hashes = shingle_hashes(terms)
        minhash = self._template.copy()
        if hashes:
            minhash.update_batch(hashes)
        return Sketch(np.asarray(minhash.hashvalues, dtype=np.uint32), len(hashes))


@lru_cache(maxsize=1)
def default_sketcher() -> Sketcher:
    """One ``Sketcher`` per process (made before a build forks its workers, so they share it)."""
    return Sketcher()


def _identity(value: int) -> int:
    return value  # the shingles are already hashed (crc32), datasketch only permutes them


def similar(a: Sketch, b: Sketch) -> bool:
    """The pair rule of ``Stories``, for two sketches."""
    ok = _same_story(a.signature[None, :], b.signature[None, :], np.array([a.shingles]), np.array([b.shingles]))
    return bool(ok[0])


def _same_story(sig_a: np.ndarray, sig_b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Vectorised pair rule over rows of signatures and shingle counts."""
    jaccard = (sig_a == sig_b).mean(axis=1)
    smaller = np.minimum(size_a, size_b).astype(np.float64)
    # |A ∩ B| = J / (1 + J) * (|A| + |B|), the containment of the shorter page in the longer
    inter = jaccard / (1.0 + jaccard) * (size_a + size_b)
    containment = inter / np.maximum(smaller, 1.0)
    big_enough = smaller >= MIN_SHINGLES
    needed = np.where(smaller < SHORT_SHINGLES, SHORT_JACCARD, JACCARD)
    return big_enough & ((jaccard >= needed) | ((containment >= CONTAINMENT) & (smaller >= MIN_CONTAINED)))


@dataclass
class Stories:
    """Every page's sketch and story id, as arrays sorted by page id (saved with a generation)."""

    ids: np.ndarray  # (N,) page ids, sorted
    signatures: np.ndarray  # (N, NUM_PERM) uint32
    sizes: np.ndarray  # (N,) int32 distinct shingles
    groups: np.ndarray  # (N,) story id of each page (a page id)

    @classmethod
    def empty(cls, num_perm: int = NUM_PERM) -> "Stories":
        return cls(np.array([], dtype="U16"), np.zeros((0, num_perm), dtype=np.uint32),
                   np.zeros(0, dtype=np.int32), np.array([], dtype="U16"))

    @classmethod
    def build(cls, sketches: Mapping[str, Sketch]) -> "Stories":
        return cls.empty().update(sketches)

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------------ reading

    def group_of(self, page_id: str) -> str | None:
        i = np.searchsorted(self.ids, page_id)
        return str(self.groups[i]) if i < len(self.ids) and self.ids[i] == page_id else None

    def as_dict(self) -> dict[str, str]:
        """Page id -> story id, for every page (singletons are their own story)."""
        return dict(zip(self.ids.tolist(), self.groups.tolist()))

    def members(self) -> dict[str, list[str]]:
        """Story id -> its page ids, for stories of two pages or more."""
        out: dict[str, list[str]] = {}
        for page, group in zip(self.ids.tolist(), self.groups.tolist()):
            out.setdefault(group, []).append(page)
        return {g: m for g, m in out.items() if len(m) > 1}

    # ------------------------------------------------------------------ storing

    def save(self, path: Path) -> None:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, ids=self.ids, signatures=self.signatures, sizes=self.sizes, groups=self.groups)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Stories":
        with np.load(Path(path), allow_pickle=False) as data:
            return cls(data["ids"], data["signatures"], data["sizes"], data["groups"])

    @staticmethod
    def load_groups(path: Path) -> tuple[np.ndarray, np.ndarray]:
        """Only the page ids (sorted) and their story ids: what a search needs, without the
        signatures (0.5 kB a page) the next build regroups from."""
        with np.load(Path(path), allow_pickle=False) as data:
            return data["ids"], data["groups"]

    # ------------------------------------------------------------------ the next generation

    def update(self, added: Mapping[str, Sketch], removed: Iterable[str] = ()) -> "Stories":
        """A new ``Stories`` with ``added`` (new or changed pages, by id) in, ``removed`` out,
        and every page regrouped from the stored signatures; nothing already sketched is read
        or hashed again. Story ids of the previous generation are kept where possible."""
        drop = set(removed) | set(added)
        keep = ~np.isin(self.ids, np.array(sorted(drop), dtype="U16")) if drop else np.ones(len(self), bool)
        new_ids = np.array(list(added), dtype="U16")
        num_perm = self.signatures.shape[1]
        new_sigs = (np.stack([added[i].signature for i in added]).astype(np.uint32) if added
                    else np.zeros((0, num_perm), dtype=np.uint32))
        if new_sigs.shape[1] != num_perm:
            raise ValueError(f"sketches of {new_sigs.shape[1]} values, stored ones have {num_perm}")
        ids = np.concatenate([self.ids[keep], new_ids])
        sigs = np.concatenate([self.signatures[keep], new_sigs])
        sizes = np.concatenate([self.sizes[keep], np.array([added[i].shingles for i in added], dtype=np.int32)])
        order = np.argsort(ids, kind="stable")
        ids, sigs, sizes = ids[order], sigs[order], sizes[order]
        labels = _components(sigs, sizes)
        previous = dict(zip(self.ids.tolist(), self.groups.tolist()))
        groups = _stable_ids(ids, labels, previous, set(added))
        return Stories(ids.astype("U16"), sigs, sizes, groups)


_MIX = np.uint64(0x9E3779B97F4A7C15)


def candidate_pairs(signatures: np.ndarray, sizes: np.ndarray, band_rows: int = BAND_ROWS) -> np.ndarray:
    """(M, 2) row pairs sharing at least one LSH band, each pair once, both rows big enough."""
    n, num_perm = signatures.shape
    eligible = np.flatnonzero(sizes >= MIN_SHINGLES)
    if len(eligible) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    sig = signatures[eligible]  # uint32; each band's key is made in 64 bits, one band at a time
    found = []
    for start in range(0, num_perm - band_rows + 1, band_rows):
        key = sig[:, start].astype(np.uint64)
        for r in range(1, band_rows):  # two 32-bit values fit a 64-bit key exactly; more are mixed
            value = sig[:, start + r].astype(np.uint64)
            key = (key << np.uint64(32)) | value if band_rows == 2 else key * _MIX ^ value
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        if not (sorted_key[1:] == sorted_key[:-1]).any():
            continue
        # runs of equal keys: every pair inside a run (a bounded window in very long runs)
        for step in range(1, MAX_BUCKET):
            if step >= len(order):
                break
            match = sorted_key[step:] == sorted_key[:-step]
            if not match.any():
                break
            a = order[:-step][match]
            b = order[step:][match]
            found.append(np.stack([a, b], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(found), axis=1)
    pairs = np.unique(pairs, axis=0)
    return eligible[pairs]


def _components(signatures: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each row's component label (the smallest row index in it) over verified pairs."""
    n = len(sizes)
    parent = np.arange(n)
    pairs = candidate_pairs(signatures, sizes)
    if len(pairs):
        # checked in chunks: a chunk of 100,000 pairs of 128 values is 12.8 MB of comparisons
        for start in range(0, len(pairs), 100_000):
            chunk = pairs[start:start + 100_000]
            a, b = chunk[:, 0], chunk[:, 1]
            ok = _same_story(signatures[a], signatures[b], sizes[a], sizes[b])
            for x, y in chunk[ok].tolist():
                rx, ry = _find(parent, x), _find(parent, y)
                if rx != ry:
                    parent[max(rx, ry)] = min(rx, ry)
    return np.array([_find(parent, i) for i in range(n)], dtype=np.int64)


def _fresh_id(members: list[str], taken: set[str]) -> str:
    salt = 0
    while True:
        digest = hashlib.blake2b(("\0".join(sorted(members)) + f"\0{salt}").encode(), digest_size=8).hexdigest()
        if digest not in taken:
            return digest
        salt += 1


def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return int(root)


def _stable_ids(ids: np.ndarray, labels: np.ndarray, previous: Mapping[str, str], changed: set[str]) -> np.ndarray:
    """A story id per row. Each previous id goes to the component holding most of its unchanged
    pages (then most of its pages); a component that gets none takes its smallest page id that
    names no other story."""
    components: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        components.setdefault(label, []).append(row)
    id_list = ids.tolist()
    offers = []  # (unchanged holders, holders, previous id, component)
    for label, rows in components.items():
        held: Counter[str] = Counter()
        kept: Counter[str] = Counter()
        for r in rows:
            page = id_list[r]
            if page in previous:
                held[previous[page]] += 1
                kept[previous[page]] += page not in changed
        offers.extend((kept[g], n, g, label) for g, n in held.items())
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _kept, _n, group, label in sorted(offers, key=lambda o: (-o[0], -o[1], o[2], o[3])):
        if label not in chosen and group not in taken:
            chosen[label] = group
            taken.add(group)
    groups = np.empty(len(ids), dtype="U16")
    for label, rows in sorted(components.items()):
        if label not in chosen:
            # a page may have founded a story it has since left: its id is not free then
            free = sorted(id_list[r] for r in rows if id_list[r] not in taken)
            chosen[label] = free[0] if free else _fresh_id([id_list[r] for r in rows], taken)
            taken.add(chosen[label])
        groups[rows] = chosen[label]
    return groups


def collapse(ranked: Sequence[str], group_of: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """One entry per story, in rank order: its best-ranked page and its other pages (in rank
    order) among ``ranked``. A page missing from ``group_of`` is a story of its own. For search
    results shown once per story ("và 3 bài tương tự"); facet counts stay per page."""
    leaders: dict[str, tuple[str, list[str]]] = {}
    for page in ranked:
        story = group_of.get(page, page)
        if story in leaders:
            leaders[story][1].append(page)
        else:
            leaders[story] = (page, [])
    return list(leaders.values())
