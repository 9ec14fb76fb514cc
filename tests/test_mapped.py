"""The arrays a build writes beside the index for every server process to map: the same answers
as the index read the slow way, and a damaged set is never served."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPUS
from indexer import generations as gen
from indexer.engine import ARRAYS, Filters, Generation, Ranking, mapped
from indexer.engine.fields import SCORED_FIELDS
from indexer.query import parse_query
from indexer.service import SWITCH_DELAY, IndexHandle

QUERIES = ["chuyển đổi số", "chuyen doi so", "y tế cơ sở", "\"cải cách hành chính\"", "Bộ TT&TT", "458/TB-VP",
           "hoi nghi truc tuyen", "", "xyzzy quốc gia"]


@pytest.fixture(scope="module")
def both(corpus_index, tmp_path_factory) -> tuple[Generation, Generation]:
    """The corpus generation opened with its arrays, and a copy of it without them. The corpus
    is small (73 pages): its arrays are written again sharing every term in 4 pages or more."""
    live = gen.current(corpus_index)
    assert (live / ARRAYS / "meta.json").exists(), "the build wrote no arrays"
    plain = tmp_path_factory.mktemp("plain") / live.name
    shutil.copytree(live, plain, ignore=shutil.ignore_patterns(ARRAYS))
    shared = tmp_path_factory.mktemp("shared") / live.name
    shutil.copytree(plain, shared)
    mapped.write(shared, min_df=4)
    with_arrays, without = Generation.open(shared), Generation.open(plain)
    assert with_arrays.mapped is not None and without.mapped is None
    return with_arrays, without


def answers(generation: Generation, ranking: Ranking | None = None) -> list:
    if ranking is not None:
        generation = generation.with_ranking(ranking)
    out = []
    for q in QUERIES:
        plan = parse_query(q) if q else None
        for filters in (Filters(), Filters(years=[2020]), Filters(agencies=["Bộ Thông tin và Truyền thông"])):
            for sort in ("relevance", "newest", "oldest"):
                result = generation.search(plan, filters, sort=sort, limit=15)
                out.append((q, sort, result.total, [(h.id, h.score) for h in result.hits], result.facets))
    return out


def test_mapped_arrays_answer_exactly_as_the_index_read_the_slow_way(both):
    with_arrays, without = both
    assert answers(with_arrays) == answers(without)
    other = Ranking(k1=1.2, b=0.6, title_boost=1.0)  # norms not stored for it: made from the mapped lengths
    assert answers(with_arrays, other) == answers(without, other)
    assert with_arrays.vocabulary == without.vocabulary and list(with_arrays.vocabulary) == list(without.vocabulary)
    for folded in list(without.vocabulary)[:300]:
        assert with_arrays.accented_form(folded) == without.accented_form(folded)
    assert with_arrays.document_frequency("khong-co-tu-nay") == 0 and with_arrays.accented_form("zz") == "zz"
    for name in ("size", "doc_count"):
        assert getattr(with_arrays, name) == getattr(without, name)


def test_shared_postings_are_the_decoded_ones(both, tmp_path):
    with_arrays, without = both
    shared = with_arrays.shared
    assert len(shared) > 0
    for fieldname, text in list(shared.slots)[:200]:
        a, b = with_arrays.postings(fieldname, text), without.postings(fieldname, text)
        assert a.ids.tolist() == b.ids.tolist() and a.tf.tolist() == b.tf.tolist() and a.idf == b.idf
        assert len(a.ids) >= 4
    # a term in fewer pages than ``both`` shares from (4) is read through the term cache; no shared one is
    rare = next(t for t in with_arrays.vocabulary if 0 < with_arrays.vocabulary[t] < 4 and t.isalpha())
    assert ("body_folded", rare) not in shared.slots
    assert with_arrays.search(parse_query(rare), Filters(), sort="relevance", limit=15).total > 0
    recent = with_arrays.terms.recent(10**9)
    assert ("body_folded", rare) in recent, recent
    assert all(k not in shared.slots for k in recent)
    # mapped read-only: a process cannot change what the others read
    with pytest.raises(ValueError):
        shared.ids[0] = 1
    # a budget keeps the most frequent terms, whole
    small = tmp_path / "small"
    shutil.copytree(with_arrays.directory, small, ignore=shutil.ignore_patterns(ARRAYS))
    info = mapped.write(small, shared_postings=300, min_df=10)
    few = Generation.open(small).shared
    dfs = [df for _slot, df in few.slots.values()]
    assert 0 < info["shared_postings"] <= 300 and info["shared_terms"] == len(few) and dfs == sorted(dfs, reverse=True)
    assert min(dfs) >= 10 and len(few) < len(shared)


def damage(generation: Path) -> None:
    """Cut one of the arrays short, as a full disk or a copy stopped half-way would."""
    target = generation / ARRAYS / "norms.body_accented.npy"
    target.write_bytes(target.read_bytes()[:-8])


def test_damaged_arrays_are_refused(both, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(both[0].directory, broken)
    damage(broken)
    with pytest.raises(ValueError):
        Generation.open(broken)
    meta = broken / ARRAYS / "meta.json"
    shutil.copy(both[0].directory / ARRAYS / "norms.body_accented.npy", broken / ARRAYS / "norms.body_accented.npy")
    data = json.loads(meta.read_text())
    data["shared"] = data["shared"][:-1]
    meta.write_text(json.dumps(data))
    with pytest.raises(ValueError):
        Generation.open(broken)
    data["format"] = mapped.FORMAT + 1  # a format this code does not know: read the slow way
    meta.write_text(json.dumps(data))
    assert Generation.open(broken).mapped is None


def publish_copy(index: Path, source: Path, name: str, damaged: bool = False) -> Path:
    """Publish a copy of the generation ``source`` as ``name`` (its arrays damaged first)."""
    target = gen.generations_dir(index) / name
    shutil.copytree(source, target)
    if damaged:
        damage(target)
    gen.publish(index, target)
    return target


def test_a_generation_that_cannot_be_opened_leaves_the_old_one_serving(corpus_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(corpus_index, index)
    old = gen.current(index)
    handle = IndexHandle(index, check_every=0.0, warm_seconds=0)
    assert handle.generation().directory == old
    broken = publish_copy(index, old, "29990101T000000.000000-1", damaged=True)
    deadline = time.monotonic() + 10
    while handle._failed != broken:
        handle.generation()
        time.sleep(0.05)
        assert time.monotonic() < deadline, "the damaged generation was never tried"
    assert handle.generation().directory == old  # still answering, from the old one
    good = publish_copy(index, old, "29990101T000001.000000-1")
    while handle.generation().directory != good:
        assert time.monotonic() < deadline + 10, "the next good generation was not taken"
        time.sleep(0.05)


def test_arrays_cover_every_scored_field(both):
    lengths = both[0].mapped.lengths
    assert set(lengths) == set(SCORED_FIELDS)
    for fieldname in SCORED_FIELDS:
        assert np.array_equal(both[0].norm(fieldname), both[1].norm(fieldname))


def test_documents_are_read_from_the_arrays_as_stored(both):
    with_arrays, without = both
    for docnum in range(without.size):
        if without.live[docnum]:
            a, b = with_arrays.hit(docnum), without.hit(docnum)
            assert (a.id, a.path, a.doc) == (b.id, b.path, b.doc)
            assert with_arrays.get(b.id).docnum == docnum
    for unknown in ("0000000000000000", "", "x" * 40, "đ" * 16):
        assert with_arrays.get(unknown) is None and without.get(unknown) is None


def test_a_deleted_document_is_not_found_by_its_id(tmp_path):
    """An incremental build deletes a changed page's old copy (still in the segment) and adds the
    new one: its id finds the new one only."""
    from indexer.build import build

    source = tmp_path / "src"
    shutil.copytree(CORPUS, source)
    index = tmp_path / "index"
    build([source], index, workers=1, quiet=True)
    page = sorted(source.rglob("*.htm*"))[0]
    page.write_text(page.read_text(encoding="utf-8", errors="replace") + "\n<p>Đoạn mới thêm vào trang.</p>",
                    encoding="utf-8")
    build([source], index, workers=1, quiet=True)
    generation = Generation.open(gen.current(index))
    assert generation.mapped is not None and not generation.live.all(), "the old copy is kept, deleted"
    for docnum in np.flatnonzero(~generation.live):
        doc_id = generation.store.stored(int(docnum))[0]
        found = generation.get(doc_id)
        assert found is not None and found.docnum != docnum and generation.live[found.docnum]


def test_a_process_started_just_after_a_publish_switches_with_the_others(corpus_index, tmp_path):
    """A worker started to replace another a moment after a publish answers from the generation
    before it until the switch moment, as the workers already running do."""
    index = tmp_path / "index"
    shutil.copytree(corpus_index, index)
    old = gen.current(index)
    new = publish_copy(index, old, "29990101T000002.000000-1")
    due = (index / gen.POINTER).stat().st_mtime + SWITCH_DELAY
    assert IndexHandle(index).generation().directory == new  # the first process of a server: at once
    handle = IndexHandle(index, check_every=0.0, warm_seconds=0)
    handle.joining = True  # as a worker started to replace another
    assert handle.generation().directory == old and time.time() < due
    while handle.generation().directory != new:
        assert time.time() < due + 10, "never switched"
        time.sleep(0.02)
    assert time.time() >= due - 0.05
    late = IndexHandle(index)
    late.joining = True
    assert late.generation().directory == new  # after the moment: the new one at once


def test_a_build_with_nothing_changed_shares_the_arrays_of_the_one_before(tmp_path):
    """Nothing changed: the new generation's arrays are the previous one's files (hard links, not
    written again), mapped and answering as before; one changed page writes them anew."""
    from indexer.build import build

    source = tmp_path / "src"
    shutil.copytree(CORPUS, source)
    index = tmp_path / "index"
    build([source], index, workers=1, quiet=True)
    first = gen.current(index)
    before = answers(Generation.open(first))
    build([source], index, workers=1, quiet=True)
    second = gen.current(index)
    assert second != first
    files = sorted(p.relative_to(second / ARRAYS) for p in (second / ARRAYS).iterdir())
    assert files and all((second / ARRAYS / f).samefile(first / ARRAYS / f) for f in files)
    generation = Generation.open(second)
    assert generation.mapped is not None and answers(generation) == before
    page = sorted(source.rglob("*.htm*"))[0]
    page.write_text(page.read_text(encoding="utf-8", errors="replace") + "\n<p>Đoạn mới thêm vào trang.</p>",
                    encoding="utf-8")
    build([source], index, workers=1, quiet=True)
    third = gen.current(index)
    assert not (third / ARRAYS / files[0]).samefile(second / ARRAYS / files[0])
    assert Generation.open(third).mapped is not None


def test_unchanged_arrays_are_linked_only_when_made_the_same_way(corpus_index, tmp_path):
    """Nothing changed: the previous arrays are linked, unless they are of another format or
    chose their shared terms otherwise; linked, every process would then fall back to its own
    slow copy until a page changed. Those are written anew."""
    def next_to(previous: Path, name: str, **how) -> Path:
        target = tmp_path / name
        shutil.copytree(previous, target, ignore=shutil.ignore_patterns(ARRAYS))
        mapped.write(target, previous=previous, unchanged=True, **how)
        return target

    first = tmp_path / "first"
    shutil.copytree(gen.current(corpus_index), first, ignore=shutil.ignore_patterns(ARRAYS))
    mapped.write(first, min_df=4)
    linked = next_to(first, "linked", min_df=4)
    assert (linked / ARRAYS / "live.npy").samefile(first / ARRAYS / "live.npy")
    other_budget = next_to(first, "other_budget")  # the default threshold, not 4
    assert not (other_budget / ARRAYS / "live.npy").samefile(first / ARRAYS / "live.npy")
    assert mapped.load(other_budget) is not None
    meta_path = first / ARRAYS / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["format"] = mapped.FORMAT + 1
    meta_path.unlink()  # not written through: ``linked`` shares the file
    meta_path.write_text(json.dumps(meta))
    newer = next_to(first, "newer", min_df=4)
    assert not (newer / ARRAYS / "live.npy").samefile(first / ARRAYS / "live.npy")
    assert mapped.load(newer) is not None and mapped.load(first) is None


def test_an_incremental_build_keeps_the_choice_of_shared_terms_until_the_archive_grows(corpus_index, tmp_path):
    """The next generation shares the same terms as the one it extends (their postings read
    anew, deleted pages out of them), answering as the index read the slow way; once the archive
    has grown by more than RECHOOSE_GROWTH since the choice, the terms are chosen again."""
    first = tmp_path / "first"
    shutil.copytree(gen.current(corpus_index), first, ignore=shutil.ignore_patterns(ARRAYS))
    mapped.write(first, min_df=4)
    meta = json.loads((first / ARRAYS / "meta.json").read_text())
    assert len(meta["shared"]) > 5
    meta["shared"] = meta["shared"][:5]  # a choice the index alone would not make: kept, or not
    (first / ARRAYS / "meta.json").write_text(json.dumps(meta))
    second = tmp_path / "second"
    shutil.copytree(first, second, ignore=shutil.ignore_patterns(ARRAYS))
    mapped.write(second, min_df=4, previous=first)
    kept = json.loads((second / ARRAYS / "meta.json").read_text())
    assert kept["shared"] == meta["shared"] and kept["shared_chosen"] == meta["shared_chosen"]
    plain = tmp_path / "plain"
    shutil.copytree(second, plain, ignore=shutil.ignore_patterns(ARRAYS))
    assert answers(Generation.open(second)) == answers(Generation.open(plain))
    # the choice was made at fewer documents than there are now by more than the growth allowed
    meta["shared_chosen"]["documents"] = int(meta["documents"] / (1 + mapped.RECHOOSE_GROWTH)) - 1
    (first / ARRAYS / "meta.json").write_text(json.dumps(meta))
    mapped.write(second, min_df=4, previous=first)
    again = json.loads((second / ARRAYS / "meta.json").read_text())
    assert len(again["shared"]) > 5 and again["shared_chosen"]["documents"] == again["documents"]
