"""The engine's own reading of Whoosh's on-disk postings, checked against Whoosh's matcher on a
real index with posting lists of many blocks (Whoosh writes 128 postings a block)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from indexer.engine import Generation, IndexDoc, IndexWriter, _decode_w3, _read_postings


def _doc(i: int, rng: random.Random) -> IndexDoc:
    # "chung" is in every page, several times in some (weights other than 1), "le" in every
    # other page, "hiem" in one: lists of 1, ~150 and 700 postings
    syl = ["chung"] * rng.choice([1, 1, 2, 5]) + (["le"] if i % 2 else []) + (["hiem"] if i == 123 else [])
    syl += [f"tu{rng.randrange(50)}" for _ in range(rng.randrange(3, 30))]
    return IndexDoc(id=f"d{i}", path=f"d{i}.html", stored={"title": f"Trang {i}"}, syl=syl, sylf=syl,
                    words=[], bigf=[], tsyl=[], tsylf=[], docnums=[], entities=[], agency="Bộ A",
                    units=[], day="2024-01-01")


@pytest.fixture(scope="module")
def generation(tmp_path_factory) -> Generation:
    directory = tmp_path_factory.mktemp("engine-index")
    rng = random.Random(3)
    writer = IndexWriter(directory)
    for i in range(700):
        writer.add(_doc(i, rng))
    writer.commit()
    return Generation.open(directory)


def _whoosh(reader, fieldname: str, term: str) -> tuple[list[int], list[float]]:
    matcher = reader.postings(fieldname, term)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def test_postings_decoded_from_bytes_equal_whoosh_matcher(generation):
    reader = generation._searcher().reader()
    terms = [t.decode() if isinstance(t, bytes) else t for t in reader.lexicon("syl")]
    assert {"chung", "le", "hiem"} <= set(terms)
    for term in terms:
        ids, weights = _read_postings(reader.postings("syl", term))
        want_ids, want_weights = _whoosh(reader, "syl", term)
        assert ids.tolist() == want_ids, term
        assert weights.tolist() == want_weights, term
    ids, weights = _read_postings(reader.postings("syl", "chung"))
    assert len(ids) == 700 and set(weights.tolist()) == {1.0, 2.0, 5.0}


def test_a_damaged_posting_list_is_refused_not_misread():
    with pytest.raises(ValueError):
        _decode_w3(b"XXXX\x00\x00\x00\x01")

