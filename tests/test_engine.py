"""The engine's own reading of Whoosh's on-disk postings, checked against Whoosh's matcher on a
real index with posting lists of many blocks (Whoosh writes 128 postings a block); the guards
that fail when that fast path stops being taken; a ranking handed to a generation."""

from __future__ import annotations

import random
import re
from importlib.metadata import version

import numpy as np
import pytest

from conftest import ROOT
from indexer.engine import Filters, Generation, IndexDoc, IndexWriter, Ranking
from indexer.engine.codec import PINNED_VERSION, PostingReads, decode_postings, format_problems, read_postings
from indexer.engine.query_tree import AnyOf, Term


def _doc(i: int, rng: random.Random) -> IndexDoc:
    # "chung" is in every page, several times in some (weights other than 1), "le" in every
    # other page, "hiem" in one: lists of 1, ~350 and 700 postings
    syl = ["chung"] * rng.choice([1, 1, 2, 5]) + (["le"] if i % 2 else []) + (["hiem"] if i == 123 else [])
    syl += [f"tu{rng.randrange(50)}" for _ in range(rng.randrange(3, 30))]
    return IndexDoc(id=f"d{i}", path=f"d{i}.html", article={"title": f"Trang {i}"}, body_accented=syl,
                    body_folded=syl, body_words=[], title_accented=[], title_folded=[], folded_pairs=[],
                    doc_numbers=[], mentions=[], agency="Bộ A", units=[], day="2024-01-01")


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


def _decoded_as_whoosh_walks_them(reader, terms: list[str]) -> PostingReads:
    """Each term's postings in ``body_accented`` decoded as Whoosh's matcher gives them; how
    they were read."""
    reads = PostingReads()
    for term in terms:
        ids, weights = read_postings(reader.postings("body_accented", term), reads)
        want_ids, want_weights = _whoosh(reader, "body_accented", term)
        assert ids.tolist() == want_ids, term
        assert weights.tolist() == want_weights, term
    return reads


def test_postings_decoded_from_bytes_equal_whoosh_matcher(generation):
    reader = generation.store.searcher().reader()
    terms = list(generation.store.document_frequencies("body_accented"))
    assert {"chung", "le", "hiem"} <= set(terms)
    reads = _decoded_as_whoosh_walks_them(reader, terms)
    ids, weights = read_postings(reader.postings("body_accented", "chung"), reads)
    assert len(ids) == 700 and set(weights.tolist()) == {1.0, 2.0, 5.0}
    assert reads.walked == 0 and reads.decoded == len(terms) + 1


def test_postings_of_segments_with_deleted_documents_are_decoded_too(tmp_path):
    """An incremental build deletes the old copies of changed pages in the previous segments;
    Whoosh then wraps each of their lists in a filter of the deleted documents. Those lists are
    decoded and filtered too (the first posting of a list deleted as well), not walked a posting
    at a time: after the first night, every generation has such segments."""
    from indexer.engine import append_writer

    rng = random.Random(5)
    writer = IndexWriter(tmp_path)
    for i in range(700):
        writer.add(_doc(i, rng))
    writer.commit()
    writer = append_writer(tmp_path)
    for i in (0, 1, 123, 400, 699):  # "chung"'s first posting, "hiem"'s only one
        writer.delete(f"d{i}")
        writer.add(_doc(i, rng))
    writer.commit(optimize=False)
    generation = Generation.open(tmp_path)
    reader = generation.store.searcher().reader()
    assert reader.has_deletions() and generation.store.segments() == 2
    terms = list(generation.store.document_frequencies("body_accented"))
    reads = _decoded_as_whoosh_walks_them(reader, terms)
    assert reads.walked == 0 and reads.decoded >= len(terms)


def test_a_damaged_posting_list_is_refused_not_misread():
    with pytest.raises(ValueError):
        decode_postings(b"XXXX\x00\x00\x00\x01")


def test_every_posting_list_a_search_reads_is_decoded_from_its_bytes(generation):
    # The fallback (Whoosh's matcher, a posting at a time) gives the same answers ten times more
    # slowly: a Whoosh whose layout the decoder does not recognise must fail here, not in production.
    before = PostingReads(**vars(generation.store.reads))
    query = AnyOf(tuple(Term("body_accented", t) for t in ("chung", "le", "tu7", "hiem")))
    assert generation.evaluate(query).mask.sum() == 700
    reads = generation.store.reads
    assert reads.walked == before.walked == 0
    assert reads.decoded > before.decoded


def test_the_installed_whoosh_is_the_pinned_version_and_format():
    pinned = re.search(r'"whoosh3==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert version("whoosh3") == pinned == ".".join(map(str, PINNED_VERSION))
    assert format_problems() == []


def test_a_ranking_is_handed_to_the_generation_and_changes_only_its_scores(generation):
    query = Term("body_accented", "chung")
    default = generation.evaluate(query)
    saturating = generation.with_ranking(Ranking(k1=2.0))
    other = saturating.evaluate(query)
    assert (other.mask == default.mask).all()
    # pages that say "chung" five times gain more over those that say it once under a higher K1
    assert not np.allclose(other.scores, default.scores)
    assert generation.ranking == Ranking() and saturating.ranking.k1 == 2.0
    assert generation.evaluate(query).scores.tolist() == default.scores.tolist()  # the original is unchanged
    assert saturating.search(None, Filters()).total == generation.search(None, Filters()).total == 700


def test_shards_merged_into_one_segment_score_exactly_as_the_shards_combined(tmp_path):
    from indexer.engine import append_writer, combine_shards, merge_shards

    def shards(root) -> list:
        rng = random.Random(5)
        dirs = []
        for s in range(3):  # three shards of different sizes, as tasks of a build write them
            writer = IndexWriter(root / f"shard-{s}")
            for i in range(s * 100, s * 100 + 60 + 40 * s):
                writer.add(_doc(i, rng))
            writer.commit()
            dirs.append(root / f"shard-{s}")
        return dirs

    combine_shards(tmp_path / "combined", shards(tmp_path / "a"))
    merge_shards(tmp_path / "merged", shards(tmp_path / "b"))
    combine_shards(tmp_path / "whoosh", shards(tmp_path / "c"))
    append_writer(tmp_path / "whoosh").commit(optimize=True)  # Whoosh's own merge, for contrast
    combined, merged, plain = (Generation.open(tmp_path / name) for name in ("combined", "merged", "whoosh"))
    assert combined.store.segments() == 3 and merged.store.segments() == plain.store.segments() == 1
    assert [merged.store.stored(n)[0] for n in range(merged.size)] == [combined.store.stored(n)[0] for n in range(combined.size)]
    query = AnyOf((Term("body_accented", "chung"), Term("body_accented", "le"), Term("body_accented", "tu7")))
    want = combined.evaluate(query)
    got = merged.evaluate(query)
    assert (got.mask == want.mask).all() and got.scores.tolist() == want.scores.tolist()
    # Whoosh's merge sums each page's one-byte approximate length: the averages, and scores, move
    assert plain.evaluate(query).scores.tolist() != want.scores.tolist()
